# cloister run: exit statuses, the environment, the filesystem options.

expect "command status is returned" 3 "$(sb -- sh -c 'exit 3' 2>&1; echo $?)"
expect "signal N gives 128+N" 143 "$(sb -- sh -c 'kill -TERM $$' 2>&1; echo $?)"
out=$(sb -- /no/such/command 2>&1; echo "status=$?")
expect_match "missing command: 127 and a message" "*cannot run /no/such/command*No such file*status=127" "$out"
out=$(sb -- /usr 2>&1; echo "status=$?")
expect_match "unexecutable command: 126" "*status=126" "$out"
out=$("$CLOISTER" run --bogus -- true 2>&1; echo "status=$?")
expect_match "unknown option: usage error, exit 2" "*unknown option '--bogus'*status=2" "$out"
out=$("$CLOISTER" run --bind /tmp 2>&1; echo "status=$?")
expect_match "--bind with one argument: exit 2" "*--bind needs 2 arguments*status=2" "$out"
out=$("$CLOISTER" run --tmpfs /a/../b -- true 2>&1; echo "status=$?")
expect_match "'..' in a sandbox path is refused" "*'..' is not allowed*status=2" "$out"
out=$(sb --ro-bind /no/such/dir /x -- true 2>&1; echo "status=$?")
expect_match "missing bind source: 125 with the path" "*sandbox setup failed*--ro-bind /no/such/dir*No such file*status=125" "$out"
out=$("$CLOISTER" run --root /no/such/layer -- true 2>&1; echo "status=$?")
expect_match "missing root layer: 125" "*--root /no/such/layer*status=125" "$out"
# A child that fails at once closes the filter pipe before the parent
# writes to it: the parent must report the child's error, not die of
# SIGPIPE (141).  Racy by nature, so many concurrent tries.
statuses=$(for j in 1 2 3 4 5 6 7 8; do
	(for i in 1 2 3 4 5 6 7 8 9 10; do
		"$CLOISTER" run --root /no/such/layer -- true >/dev/null 2>&1
		echo $?
	done) &
done; wait)
expect "80 concurrent setup failures all exit 125" "125" "$(echo "$statuses" | sort -u | tr -d '\n')"
out=$(sb --chdir /nonexistent -- true 2>&1; echo "status=$?")
expect_match "bad --chdir: 125" "*--chdir /nonexistent*status=125" "$out"

# environment: only the fixed variables and --setenv
out=$(LEAK=secret sb --setenv FOO bar -- /usr/bin/env | sort | tr '\n' ' ')
expect "environment is exactly the fixed set plus --setenv" \
	"FOO=bar HOME=/tmp LC_ALL=C PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin TMPDIR=/tmp TZ=UTC " "$out"
expect "--setenv replaces a default" "C.UTF-8" "$(sb --setenv LC_ALL C.UTF-8 -- sh -c 'echo $LC_ALL')"
expect "--unsetenv removes a default" "unset" "$(sb --unsetenv TZ -- sh -c 'echo ${TZ-unset}')"

# identity
expect "default ids are 1000:1000" "1000:1000" "$(sb -- sh -c 'echo $(id -u):$(id -g)')"
expect "--uid/--gid" "0:5" "$(sb --uid 0 --gid 5 -- sh -c 'echo $(id -u):$(id -g)')"
expect "working directory defaults to /" "/" "$(cd "$TMPDIR" && sb -- sh -c 'pwd')"
expect "--chdir" "/usr/share" "$(sb --chdir /usr/share -- sh -c 'pwd')"
expect "--umask" "0077" "$(sb --umask 077 -- sh -c umask)"
expect "stdin passes through" "hello" "$(echo hello | sb -- cat)"

# filesystem
out=$(sb -- sh -c 'touch /newfile 2>&1; touch /usr/newfile 2>&1' )
expect_match "the root and --ro-bind are read-only" "*Read-only file system*Read-only file system*" "$out"
expect "/tmp is a writable tmpfs" "ok" "$(sb -- sh -c 'echo x > /tmp/f && echo ok')"
expect "/tmp is sticky and world-writable" "1777" "$(sb -- stat -c %a /tmp)"
d=$(scratch)
echo original > "$d/file"
sb --bind "$d" /data -- sh -c 'echo changed > /data/file; echo new > /data/new'
expect "--bind writes reach the host" "changed new" "$(cat "$d/file" "$d/new" | tr '\n' ' ' | sed 's/ $//')"
out=$(sb --ro-bind "$d" /data -- sh -c 'echo evil > /data/file' 2>&1)
expect_match "--ro-bind refuses writes" "*Read-only file system*" "$out"
expect "--ro-bind left the host file alone" "changed" "$(cat "$d/file")"
expect "--ro-bind of a single file" "changed" "$(sb --ro-bind "$d/file" /etc/one -- cat /etc/one)"
expect "--tmpfs is empty and writable" "ok" "$(sb --tmpfs /work -- sh -c 'test -z "$(ls -A /work)" && touch /work/x && echo ok')"
expect "--dir creates a directory" "ok" "$(sb --dir /a/b/c -- sh -c 'test -d /a/b/c && echo ok')"
expect "--symlink" "/usr/share" "$(sb --symlink /usr/share /s -- readlink /s)"
expect "mounts nest in order" "inner" "$(sb --tmpfs /m --bind "$d" /m/d -- sh -c 'echo inner > /m/d/x; cat /m/d/x')"

# root layers: later ones lie over earlier ones
l1=$(scratch) l2=$(scratch)
mkdir -p "$l1/etc" "$l2/etc"
echo one > "$l1/etc/a"; echo lower-only > "$l1/etc/b"; echo two > "$l2/etc/a"
out=$(sb --root "$l1" --root "$l2" -- sh -c 'cat /etc/a /etc/b' | tr '\n' ' ')
expect "--root layers: the later wins, both are visible" "two lower-only " "$out"
out=$(sb --root "$l1" -- sh -c 'echo x > /etc/a' 2>&1)
expect_match "--root layers are read-only" "*Read-only file system*" "$out"
expect "--root layers are unchanged" "one" "$(cat "$l1/etc/a")"

# /dev and /proc
expect "/dev has exactly the minimal nodes" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" \
	"$(sb -- ls /dev | tr '\n' ' ' | sed 's/ $//')"
expect "/dev/urandom reads" "16" "$(sb -- sh -c 'head -c 16 /dev/urandom | wc -c')"
out=$(sb -- dd if=/dev/zero of=/dev/full bs=1 count=1 2>&1)
expect_match "/dev/full is the real one" "*No space left*" "$out"
expect "/proc shows only the sandbox: pid 1 is cloister's init" "1" \
	"$(sb -- sh -c 'ls /proc | grep -c "^1$"')"
n=$(sb -- sh -c 'ls -d /proc/[0-9]* | wc -l')
expect_match "/proc lists a handful of processes, not the host's" "[1-5]" "$n"
