# cloister doctor: what this host gives this user, from the side of a user
# whose host forbids it; and no build falls back to weaker isolation.
# tests/run: also as root

out=$("$CLOISTER" doctor 2>&1; echo "status=$?")
expect_match "doctor: this host isolates builds, exit 0" "*ok    unprivileged user namespaces*ok    a whole sandbox starts*status=0" "$out"
expect_match "...and says what bounds a build's resources" "*cgroup v2 delegation*" "$out"
if [ "$(id -u)" -eq 0 ]; then
	expect_match "...and, as root, the id builds would run as" "*builds run as host uid 1879048192 and gid 1879048192, never as root*" "$out"
fi

# user namespaces forbidden (user.max_user_namespaces=0 in a namespace of
# our own, where we may set it): doctor names the sysctl and the fix
forbid() {
	unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"' sh "$@"
}
out=$(forbid "$CLOISTER" doctor 2>&1; echo "status=$?")
expect_match "doctor names the sysctl that forbids user namespaces, and its fix" \
	"*FAIL  unprivileged user namespaces: *user.max_user_namespaces=0*sysctl -w user.max_user_namespaces=*" "$out"
expect_match "...and exits 1: builds cannot be isolated" "*cannot be isolated*status=1" "$out"
# (--as-root: as root, the build id is not mapped in that namespace either)
out=$(forbid "$CLOISTER" run --as-root $ROOT_ARGS -- true 2>&1; echo "status=$?")
expect_match "cloister run does not fall back: it refuses, exit 125" "*user.max_user_namespaces=0*status=125" "$out"
