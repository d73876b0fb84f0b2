#!/bin/sh
# The planted "failure" of the real-tree campaign test: it is there when
# the resolved config has DEBUG_ENTRY, KCOV and a built-in command line
# that names the serial console, all at once.
c=$KCMIN_CONFIG
if grep -qx CONFIG_DEBUG_ENTRY=y "$c" && grep -qx CONFIG_KCOV=y "$c" &&
	grep -qx 'CONFIG_CMDLINE="console=ttyS0"' "$c"; then
	echo "signature: debug entry, kcov and the console command line"
	exit 0
fi
exit 1
