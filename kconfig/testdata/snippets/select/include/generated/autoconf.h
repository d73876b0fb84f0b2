/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_USER 1
#define CONFIG_HELPER 1
#define CONFIG_FEATURE 1
#define CONFIG_HELPER_WANTED 1
