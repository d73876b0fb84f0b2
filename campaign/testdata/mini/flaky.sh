#!/bin/sh
# The mini tree's planted failure (B, C and D on), as a flaky oracle: the
# calls (counted in the file $1) whose numbers the comma-separated list $2
# names miss it, each sleeping for $3 seconds first when given, to time
# out.
n=$(cat "$1" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >"$1"
case ",$2," in
*",$n,"*)
	[ -n "$3" ] && sleep "$3"
	exit 1
	;;
esac
c=$KCMIN_CONFIG
if grep -qx CONFIG_B=y "$c" && grep -qx CONFIG_C=y "$c" && grep -qx CONFIG_D=y "$c"; then
	echo "signature: B, C and D"
	exit 0
fi
exit 1
