#!/bin/sh
# olddefconfig for the mini Kconfig: reads a .config on stdin, writes the
# resolved one. Bools default to n; B needs A, J needs K; HIDDEN follows
# C; S selects T; N defaults to 10.
awk '
/^CONFIG_[A-Z0-9_]*=/ { split(substr($0, 8), kv, "="); v[kv[1]] = kv[2] }
/^# CONFIG_[A-Z0-9_]* is not set/ { v[substr($2, 8)] = "n" }
END {
	if (v["B"] == "y" && v["A"] != "y") v["B"] = "n"
	if (v["J"] == "y" && v["K"] != "y") v["J"] = "n"
	if (v["S"] == "y") v["T"] = "y"
	v["HIDDEN"] = (v["C"] == "y") ? "y" : "n"
	if (v["N"] == "" || v["N"] == "n") v["N"] = 10
	print "CONFIG_X86_64=y"
	if (v["D"] == "y") print "CONFIG_D=y"; else print "# CONFIG_D is not set"
	n = split("A B C HIDDEN F G H K J S T", order, " ")
	for (i = 1; i <= n; i++) {
		s = order[i]
		if (s == "J" && v["K"] != "y") continue
		if (s == "B" && v["A"] != "y") continue
		if (s == "HIDDEN") { if (v[s] == "y") print "CONFIG_HIDDEN=y"; continue }
		if (v[s] == "y") print "CONFIG_" s "=y"; else print "# CONFIG_" s " is not set"
	}
	print "CONFIG_N=" v["N"]
}'
