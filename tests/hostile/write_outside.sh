# Nothing outside the read-write binds can be written, and a symlink
# planted in a bind source cannot redirect a mount or a mkdir to the host.
# tests/run: also as root

d=$(scratch)
echo keep > "$d/file"
out=$(sb --ro-bind "$d" /data -- sh -c '
	for p in /x /usr/x /data/file /data/new /proc/sysrq-trigger /proc/sys/kernel/hostname; do
		(echo evil > $p) 2>/dev/null && echo "wrote $p"
	done; echo done')
expect "no write succeeds outside /tmp and binds" "done" "$out"
expect "the read-only bind's host file is unchanged" "keep" "$(cat "$d/file")"
expect "nothing was created in the read-only bind" "file" "$(ls "$d")"

# A bind source that holds symlinks pointing at the host
victim=$(scratch)
src=$(scratch)
ln -s "$victim" "$src/abs"
ln -s "../../../../../../../../$victim" "$src/rel"
sb --bind "$src" /build --dir /build/abs/pwned --dir /build/rel/pwned -- true >/dev/null 2>&1
sb --bind "$src" /build --tmpfs /build/abs/t -- true >/dev/null 2>&1
sb --bind "$src" /build --bind "$d" /build/rel/b -- true >/dev/null 2>&1
expect "symlinks in a bind source cannot place mounts or dirs on the host" "" "$(ls -A "$victim")"

# The same through the probe: writing through a symlink lands inside
# (as root the sandbox runs as the build id, which must be able to enter
# the bind: mktemp made it 0700)
chmod 755 "$src"
ln -s /tmp/inside "$src/into-tmp"
expect "a symlink followed at run time stays inside the sandbox" "OK" \
	"$(sb --bind "$src" /build -- /probe write /build/into-tmp)"
expect "...and the host path it names is untouched" "" "$(ls -A "$victim")"
