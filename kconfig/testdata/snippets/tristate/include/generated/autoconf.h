/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_MODULES 1
#define CONFIG_BOOL_DEP 1
#define CONFIG_M_COND 1
#define CONFIG_DRV_A_MODULE 1
#define CONFIG_DRV_B_MODULE 1
#define CONFIG_DRV_C_MODULE 1
#define CONFIG_LIB_X_MODULE 1
