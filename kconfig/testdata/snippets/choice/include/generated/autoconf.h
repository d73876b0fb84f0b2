/*
 * Automatically generated file; DO NOT EDIT.
 * choice corner cases
 */
#define CONFIG_COMP_ZSTD 1
#define CONFIG_INV_C 1
#define CONFIG_SCHED_C 1
