/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_HEX_BARE 0xff
#define CONFIG_HEX_QUOTED 0x4
#define CONFIG_INT_TAIL 2
#define CONFIG_BOOL_YES 1
#define CONFIG_MODULES 1
#define CONFIG_INT_HEX 6
#define CONFIG_STR_OK "text"
#define CONFIG_HEX_PREFIX 0XfF
#define CONFIG_STR_BARE "default"
#define CONFIG_INT_ZERO 3
#define CONFIG_INT_WORD 1
#define CONFIG_HEX_NEG 0x3
#define CONFIG_TRI_M_MODULE 1
#define CONFIG_INT_QUOTED 5
#define CONFIG_INT_NEG -5
#define CONFIG_INT_UNSET 7
