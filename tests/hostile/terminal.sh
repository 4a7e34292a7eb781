# The user's terminal (CVE-2017-5226 and its kin): a build must not read
# what the user types or pipes, change the terminal's modes, or send it
# escape sequences; `cloister run` keeps the caller's stdin but runs the
# command in a new session, without a controlling terminal.

store=$(new_store)
recipes=$(scratch)
cp -r "$REPO/tests/fixtures/hostile/." "$recipes/"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}
esc=$(printf '\033')
# has_esc TEXT: whether TEXT holds an escape character other than the one
# cloister's own progress line uses (ESC [ K, erase the line)
has_esc() {
	case "$(printf '%s' "$1" | sed "s/$esc\[K//g")" in *"$esc"*) echo yes ;; *) echo no ;; esac
}
# on_pty COMMAND: runs COMMAND (a shell string) on a fresh pseudo-terminal
# (util-linux script), as a user at a terminal would; prints what appeared
on_pty() {
	script -qec "$1" /dev/null
}

# cloister run: a new session unless --share-session
expect "cloister run: the command is in a new session (session id 1 inside)" "1" \
	"$(sb -- sh -c 'read -r _ _ _ _ _ sid _ < /proc/self/stat; echo $sid')"
expect "cloister run --share-session: the caller's session (outside: 0)" "0" \
	"$(sb --share-session -- sh -c 'read -r _ _ _ _ _ sid _ < /proc/self/stat; echo $sid')"
out=$(on_pty "$CLOISTER run $(echo $ROOT_ARGS) -- sh -c '(exec 3</dev/tty) 2>/dev/null && echo tty-opened || echo no-controlling-tty' 2>&1")
expect_match "cloister run on a terminal: /dev/tty is not the user's terminal" "*no-controlling-tty*" "$out"
expect "cloister run keeps the caller's stdin" "piped" "$(echo piped | sb -- sh -c 'cat')"
# kill(0, ...) signals the caller's process group when the sandbox shares it
mark=$(scratch)/survived
setsid sh -c "$CLOISTER run $(echo $ROOT_ARGS) -- sh -c 'kill -TERM 0; sleep 1' >/dev/null 2>&1; echo yes > $mark" 2>/dev/null
expect "a sandbox cannot signal the process group that started it (kill 0)" "yes" "$(eventually yes cat "$mark" 2>/dev/null)"

# builds: stdin is /dev/null, even when cloister's is a pipe
out=$(echo "my-secret-password" | cb build -r terminal-probe --no-check 2>&1)
entry=$(echo "$out" | tail -n 1)
expect "a build reads nothing from a piped stdin" "stdin: nothing" \
	"$(grep '^stdin' "$entry/out/usr/share/terminal" 2>&1)"
expect "a build's output is not a terminal" "output: not a terminal" \
	"$(grep '^output' "$entry/out/usr/share/terminal" 2>&1)"

# builds on a terminal: no stdin, no controlling terminal, no raw escapes
rm -rf "$store/store/"*terminal-probe*
out=$(on_pty "$CLOISTER build -r terminal-probe --no-check -v --store $store --recipes $recipes --seed-lock $REPO/rootfs-seed/seed.lock --seed-skeleton $REPO/rootfs-seed/skeleton; stty -a" 2>&1)
entry=$(ls -d "$store/store/"*terminal-probe* 2>/dev/null | head -n 1)
expect "on a terminal, a build cannot change stdin's modes" "stty on stdin: refused" \
	"$(grep '^stty on stdin' "$entry/out/usr/share/terminal" 2>&1)"
expect "on a terminal, a build has no controlling terminal (/dev/tty)" "stty on /dev/tty: refused" \
	"$(grep '^stty on /dev/tty' "$entry/out/usr/share/terminal" 2>&1)"
expect_match "the terminal still echoes after the build" "* echo *" "$(echo "$out" | grep -- 'echo' | tr -d '\r')"
expect_match "live output (-v) shows the build's output" "*escape-marker*" "$out"
expect "live output (-v) carries no raw escape character" "no" "$(has_esc "$(echo "$out" | grep -- 'marker')")"
expect_match "...and shows the escapes as text" '*\\x1b]0;owned\\x07\\x1b\[2Jescape-marker*' "$out"

out=$(on_pty "$CLOISTER build -r terminal-fails --store $store --recipes $recipes --seed-lock $REPO/rootfs-seed/seed.lock --seed-skeleton $REPO/rootfs-seed/skeleton" 2>&1)
expect_match "a failed build's tail is shown" "*escape-marker*" "$out"
expect "...with no raw escape character" "no" "$(has_esc "$out")"

out=$(cb build -r escape-names 2>&1)
expect_match "an unreproducible file with an escape in its name is reported" "*not reproducible*" "$out"
expect "...and its name reaches the terminal escaped" "no" "$(has_esc "$out")"
