# diffoscope reads files a hostile build chose (decompressors, disassemblers,
# a hundred parsers): it runs in a sandbox of its own, with the two trees
# read-only, no network, no home, a timeout and a cap on its report.  A
# stand-in diffoscope on PATH plays one that the files took over.
# tests/run: also as root

store=$(new_store)
recipes=$(scratch)
chmod 755 "$recipes"
cp -r "$REPO/tests/fixtures/repro/embeds-random" "$recipes/"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" -q \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}
kept_dir() { echo "$1" | sed -n 's/.*kept in \([^ ]*\) (a\/ and b\/.*/\1/p'; }

# without diffoscope: no empty report files
out=$(PATH=/usr/bin:/bin cb build -r embeds-random 2>&1)
kept=$(kept_dir "$out")
expect "the pair is kept" "yes" "$([ -d "$kept/a" ] && echo yes)"
expect "without diffoscope, no diffoscope-N.txt is left" "" "$(ls "$kept" | grep diffoscope)"
cb gc >/dev/null 2>&1

bin=$(scratch)
chmod 755 "$bin"
victim=$(scratch)
chmod 777 "$victim"
cat > "$bin/diffoscope" <<EOF2
#!/bin/sh
echo "args: \$*"
if echo pwned > "$victim/pwned" 2>/dev/null; then echo "host: written"; else echo "host: refused"; fi
if echo x >> "\$1" 2>/dev/null; then echo "tree: written"; else echo "tree: read-only"; fi
read -r _ o _ < /proc/self/uid_map; echo "userns: \$o"
if [ -e /proc/net/dev ] && grep -q eth /proc/net/dev; then echo "net: host"; else echo "net: none"; fi
head -c 30000000 /dev/zero | tr '\\0' x
EOF2
chmod 755 "$bin/diffoscope"
out=$(PATH="$bin:/usr/bin:/bin" cb build -r embeds-random 2>&1)
kept=$(kept_dir "$out")
report=$(head -c 1000 "$kept/diffoscope-1.txt" 2>&1)
expect_match "diffoscope ran on the pair" "*args: /a/usr/share/random /b/usr/share/random*" "$report"
expect_match "...and could not write on the host" "*host: refused*" "$report"
expect "...which is untouched" "" "$(ls -A "$victim")"
expect_match "...nor into the trees it compares" "*tree: read-only*" "$report"
expect_match "...and had no network" "*net: none*" "$report"
size=$(wc -c < "$kept/diffoscope-1.txt" 2>/dev/null || echo 0)
expect "its report is capped (10 MiB)" "yes" "$([ "$size" -gt 1000 ] && [ "$size" -le 10485760 ] && echo yes || echo "no: $size bytes")"
