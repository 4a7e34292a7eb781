# Shared by the shell tests.  Each assertion prints one line, "PASS: name"
# or "FAIL: name: why"; tests/run counts them.
#
# The runner provides CLOISTER (the binary), PROBE (the static attacker,
# tests/hostile/probe.c) and TMPDIR (a scratch directory the test user owns).

: "${CLOISTER:?run the tests through tests/run}"
: "${PROBE:?run the tests through tests/run}"
: "${MKDEB:?run the tests through tests/run}"

# the second pass of a test as root (tests/run) says so in every line
_as=""
[ "$(id -u)" -eq 0 ] && _as=" [as root]"
pass() { echo "PASS: $1$_as"; }
fail() { echo "FAIL: $1$_as${2:+: $2}"; }

# expect NAME WANT GOT
expect() {
	if [ "$3" = "$2" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# expect_match NAME PATTERN GOT   (shell case pattern)
expect_match() {
	case "$3" in
	$2) pass "$1" ;;
	*) fail "$1" "expected something like '$2', got '$3'" ;;
	esac
}

# A root made of the host's /usr, the way a bwrap user would make one.
ROOT_ARGS="--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
--symlink usr/lib64 /lib64 --symlink usr/sbin /sbin --ro-bind $PROBE /probe"

# sb [OPTIONS] -- COMMAND: cloister run with that root
sb() {
	# shellcheck disable=SC2086
	"$CLOISTER" run $ROOT_ARGS "$@"
}

# inside TEST [ARGS]: what the probe reports inside a default sandbox
inside() {
	sb -- /probe "$@" 2>&1
}

# outside TEST [ARGS]: what the same probe reports on the host
outside() {
	"$PROBE" "$@" 2>&1
}

# attack NAME WANT TEST [ARGS]: the probe inside must be refused with WANT
attack() {
	_name=$1 _want=$2
	shift 2
	expect "$_name" "$_want" "$(inside "$@")"
}

# control NAME TEST [ARGS]: the same probe must succeed outside, in a bare
# user namespace (unshare -Urm: root inside, no seccomp), proving the
# refusal above comes from the sandbox and not from the host.
control() {
	_name=$1
	shift
	expect "$_name (control: works outside the sandbox)" "OK" "$(unshare -Urm "$PROBE" "$@" 2>&1)"
}

# eventually WANT COMMAND...: runs COMMAND until it prints WANT, for up to
# 10 s, and prints what it printed last.  For things the kernel finishes
# asynchronously (a killed namespace's processes, a listener starting):
# slow machines get time, and a real failure still fails.
eventually() {
	_want=$1
	shift
	_i=0
	while :; do
		_got=$("$@")
		if [ "$_got" = "$_want" ] || [ "$_i" -ge 200 ]; then
			break
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	echo "$_got"
}

scratch() {
	mktemp -d "$TMPDIR/t.XXXXXX"
}

# new_store: a fresh CLOISTER_HOME sharing the downloads the runner keeps,
# so builds get their seed without the network
new_store() {
	_s=$(scratch)
	mkdir -p "$_s/downloads"
	cp -r "$SEED_CACHE/downloads/sha256" "$_s/downloads/"
	echo "$_s"
}

# plain_only WHAT: true in the plain run; in a sanitized build's run it
# says that WHAT (a QEMU boot of an image, whose cloister side another
# boot of the same run exercises) is left to the plain run, and is false.
plain_only() {
	[ -z "${SANITIZED:-}" ] && return 0
	echo "NOTE: $1: in the plain run only (QEMU under TCG, no code of cloister's that this run does not test elsewhere)"
	return 1
}
