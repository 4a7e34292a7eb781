# Kconfig fragments, for busybox's (old) Kconfig, which keeps the FIRST
# of two settings of a symbol and silently ignores unknown ones.

# The symbol a .config line sets ("CONFIG_X=..." or "# CONFIG_X is not
# set"), in awk.
KCONFIG_SYM='
function sym(l) {
	if (l ~ /^CONFIG_[A-Za-z0-9_]+=/) { sub(/=.*/, "", l); return l }
	if (l ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { sub(/^# /, "", l); sub(/ is not set$/, "", l); return l }
	return ""
}'

# kconfig_merge BASE FRAGMENT...: prints BASE with the fragments' settings
# in place of its own (a later fragment wins over an earlier one).
kconfig_merge() {
	_base=$1
	shift
	awk "$KCONFIG_SYM"'
	FILENAME != base { s = sym($0); if (s != "") { if (!(s in set)) order[++n] = s; set[s] = $0 } next }
	{ s = sym($0); if (s != "" && s in set) next; print }
	END { for (i = 1; i <= n; i++) print set[order[i]] }
	' base="$_base" "$@" "$_base"
}

# kconfig_check CONFIG FRAGMENT...: fails, naming each, when a setting of
# the fragments is not what CONFIG ended with (an unknown symbol, or one
# whose dependencies are not met).
kconfig_check() {
	_config=$1
	shift
	awk "$KCONFIG_SYM"'
	FILENAME != config { s = sym($0); if (s != "") { want[s] = $0; from[s] = FILENAME ":" FNR } next }
	{ s = sym($0); if (s != "") have[s] = $0 }
	END {
		for (s in want) {
			w = want[s]
			if (w ~ /=n$/) w = "# " s " is not set"
			h = (s in have) ? have[s] : "# " s " is not set"
			if (w != h) {
				printf "%s: \"%s\" did not hold: the configuration has \"%s\" (an unknown symbol, or its dependencies are not met)\n", from[s], want[s], h
				bad = 1
			}
		}
		exit bad
	}' config="$_config" "$@" "$_config"
}
