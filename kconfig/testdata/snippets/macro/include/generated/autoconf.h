/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_SHELL_Y 1
#define CONFIG_hello_DYN 1
#define CONFIG_MACRO_TEXT "hello abab a b"
