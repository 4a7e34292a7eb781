# No capability in any set, no_new_privs, a filter; nothing leaks in from
# the caller: descriptors, environment, working directory.
# tests/run: also as root

status() {
	sb "$@" -- sh -c 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status' |
		awk '{printf "%s%s ", $1, $2}'
}
want="CapInh:0000000000000000 CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000 NoNewPrivs:1 Seccomp:2 "
expect "every capability set is empty, no_new_privs, seccomp filter" "$want" "$(status)"
expect "also as uid 0 inside (execve as root gains nothing)" "$want" "$(status --uid 0 --gid 0)"

expect "only descriptors 0, 1 and 2 cross into the sandbox" "0 1 2 " \
	"$(sb -- /probe fds 7</dev/null 9>"$TMPDIR/leak")"
expect "the working directory is never a host directory" "/" \
	"$(cd "$TMPDIR" && sb -- sh -c 'readlink /proc/self/cwd')"
out=$(SECRET_TOKEN=hunter2 sb -- sh -c 'cat /proc/self/environ; env' 2>&1)
case "$out" in
*hunter2*) fail "host environment does not cross" "$out" ;;
*) pass "host environment does not cross" ;;
esac
