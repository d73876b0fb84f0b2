#!/bin/sh
# A planted "failure" on the real tree: it is there when the resolved
# config has every line given as an argument.
for line in "$@"; do
	grep -qxF -- "$line" "$KCMIN_CONFIG" || exit 1
done
echo "signature: planted"
exit 0
