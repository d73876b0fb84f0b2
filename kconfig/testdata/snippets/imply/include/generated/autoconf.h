/*
 * Automatically generated file; DO NOT EDIT.
 * Main menu
 */
#define CONFIG_MODULES 1
#define CONFIG_SENSOR_HWMON_MODULE 1
#define CONFIG_HWMON 1
#define CONFIG_SENSOR_MODULE 1
