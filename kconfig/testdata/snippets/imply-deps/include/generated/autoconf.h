/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_MODULES 1
#define CONFIG_SENSOR 1
