/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_PLAIN 1
#define CONFIG_TUNABLE 1
#define CONFIG_TUNE_INT 42
