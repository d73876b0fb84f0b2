/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_TEXT "abc"
#define CONFIG_TEXT_IS_ABC 1
#define CONFIG_LEVEL 5
#define CONFIG_NEG 1
#define CONFIG_BASE_BIG 1
#define CONFIG_BASE 0x100
#define CONFIG_OCTAL 1
#define CONFIG_HIGH 1
