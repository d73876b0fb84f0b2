/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_NR_CPUS 2
#define CONFIG_NAME "kcmin \"quoted\" \\ backslash"
#define CONFIG_ADDR 0xffff
#define CONFIG_COPY "kcmin \"quoted\" \\ backslash"
#define CONFIG_BIG 200
#define CONFIG_NR_CPUS_MIN 2
