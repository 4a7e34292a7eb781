# The host's global state, from inside: the kernel's sysctls and the host's
# device nodes.  Run as an unprivileged user and, by tests/run's second
# pass, as root, where no inner id may be the host's root.
# tests/run: also as root

devstat() { stat -c '%a %u:%g %Y' /dev/null /dev/zero /dev/full /dev/urandom | tr '\n' ' '; }
# try NAME SHELL-COMMAND [SANDBOX OPTIONS]: prints "changed" or "refused"
try_in() {
	_cmd=$1
	shift
	sb "$@" -- sh -c "if ( $_cmd ) >/dev/null 2>&1; then echo changed; else echo refused; fi" 2>&1
}

for ids in "" "--uid 0 --gid 0"; do
	who=${ids:+" (as uid 0 inside)"}
	# written with the value it has: a hole in the sandbox changes nothing
	expect "a global sysctl cannot be written$who" "refused" \
		"$(try_in 'cat /proc/sys/kernel/core_pattern > /proc/sys/kernel/core_pattern' $ids)"
	expect "/proc/sys is read-only$who" "refused" \
		"$(try_in 'cat /proc/sys/vm/overcommit_memory > /proc/sys/vm/overcommit_memory' $ids)"
	before=$(devstat)
	expect "touch /dev/null is refused$who" "refused" "$(try_in 'touch /dev/null' $ids)"
	expect "chmod /dev/zero is refused$who" "refused" "$(try_in 'chmod 666 /dev/zero' $ids)"
	expect "chown /dev/zero is refused$who" "refused" "$(try_in 'chown 0:0 /dev/zero' $ids)"
	expect "utimes /dev/full is refused$who" "refused" "$(try_in 'touch -r /dev/full /dev/full' $ids)"
	expect "the host's device nodes are unchanged$who" "$before" "$(devstat)"
	expect "the device nodes still work$who" "1" "$(sb $ids -- sh -c 'echo x > /dev/null && head -c 1 /dev/zero | wc -c')"
	expect "no inner id is the host's root$who" "not root" \
		"$(sb $ids -- sh -c 'read -r _ o _ < /proc/self/uid_map; if [ "$o" = 0 ]; then echo root; else echo "not root"; fi')"
done

if [ "$(id -u)" -eq 0 ]; then
	expect "as root, the sandbox's ids are the dedicated build ids" "1000 1879048192 1|1000 1879048192 1" \
		"$(sb -- sh -c 'tr -s " " < /proc/self/uid_map | sed "s/^ //"; tr -s " " < /proc/self/gid_map | sed "s/^ //"' | tr '\n' '|' | sed 's/|$//')"
	expect "--as-root maps to the host's root, and /proc/sys is still read-only" "0 refused" \
		"$(sb --as-root -- sh -c 'read -r _ o _ < /proc/self/uid_map; printf "%s " $o; if cat /proc/sys/kernel/core_pattern > /proc/sys/kernel/core_pattern 2>/dev/null; then echo changed; else echo refused; fi')"
	expect "--as-root: the device nodes' metadata is still read-only" "refused" \
		"$(try_in 'touch /dev/null' --as-root)"
fi

# the same from a build, whose seed (as root) lies under a 0700 folder
store=$(new_store)
recipes=$(scratch)
chmod 700 "$store"
cp -r "$REPO/tests/fixtures/hostile/host-state-probe" "$recipes/"
before=$(devstat)
out=$("$CLOISTER" build -r host-state-probe --no-check --store "$store" --recipes "$recipes" \
	--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" 2>&1)
expect "a build runs with its seed under a 0700 folder" "0" "$?"
got=$(cat "$(echo "$out" | tail -n 1)/out/usr/share/host-state" 2>&1 | tr '\n' '|')
expect "a build cannot touch the host's sysctls or device nodes, and is not root" \
	"write core_pattern: refused|touch /dev/null: refused|chmod /dev/zero: refused|chown /dev/zero: refused|host uid: not root|" "$got"
expect "...and the host's device nodes are unchanged" "$before" "$(devstat)"
if [ "$(id -u)" -eq 0 ]; then
	expect "as root, the published output belongs to root, not the build id" "" \
		"$(find "$(echo "$out" | tail -n 1)" ! -uid 0 2>&1)"
fi
