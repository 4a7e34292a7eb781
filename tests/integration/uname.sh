# The faked identity: uname(2) answered by the supervisor, for any program.

want="Linux|cloister|6.1.0-cloister|#1 SMP PREEMPT_DYNAMIC Thu Jan  1 00:00:00 UTC 1970|x86_64|(none)"
expect "static program: uname(2) gets the fixed defaults" "$want" "$(inside uname)"
expect "dynamic uname -a" "Linux cloister 6.1.0-cloister #1 SMP PREEMPT_DYNAMIC Thu Jan  1 00:00:00 UTC 1970 x86_64 GNU/Linux" \
	"$(sb -- uname -a)"
host_release=$(uname -r)
out=$(inside uname)
case "$out" in *"$host_release"*) fail "the host's release does not leak" "$out" ;; *) pass "the host's release does not leak" ;; esac

opts="--hostname builder7 --uname-sysname Linux --uname-release 5.10.0-test --uname-version #42 --uname-machine x86_64"
# shellcheck disable=SC2086
expect "configured values reach uname(2)" "Linux|builder7|5.10.0-test|#42|x86_64|(none)" "$(sb $opts -- /probe uname)"
# shellcheck disable=SC2086
expect "hostname(1)" "builder7" "$(sb $opts -- hostname)"
# shellcheck disable=SC2086
expect "/proc/sys/kernel/osrelease matches" "5.10.0-test" "$(sb $opts -- cat /proc/sys/kernel/osrelease)"
# shellcheck disable=SC2086
expect "/proc/sys/kernel/version matches" "#42" "$(sb $opts -- cat /proc/sys/kernel/version)"
# shellcheck disable=SC2086
expect "/proc/sys/kernel/hostname matches" "builder7" "$(sb $opts -- cat /proc/sys/kernel/hostname)"
# shellcheck disable=SC2086
expect "/proc/version matches" "Linux version 5.10.0-test (cloister@cloister) #42" "$(sb $opts -- cat /proc/version)"
out=$(sb -- sh -c 'echo x > /proc/sys/kernel/osrelease' 2>&1)
expect_match "the masks cannot be rewritten" "*Read-only file system*" "$out"
out=$("$CLOISTER" run --hostname "$(printf '%070d' 0)" -- true 2>&1; echo "status=$?")
expect_match "a hostname over 64 bytes is refused" "*longer than 64 bytes*status=2" "$out"
