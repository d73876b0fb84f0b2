/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_BOOL_DEP 1
#define CONFIG_DRV_A 1
#define CONFIG_DRV_B 1
#define CONFIG_DRV_C 1
#define CONFIG_LIB_X 1
