# Resources a build could exhaust on the host: memory through tmpfs,
# processes, time and disk through a huge (even sparse) output, and disk
# through its sources.  Each is bounded, and publishing is too.
# tests/run: also as root

tmp_bytes=$(sb -- sh -c 'stat -f -c "%b %S" /tmp' | { read -r b s; echo $((b * s)); })
expect "/tmp is a sized tmpfs (2 GiB), not half the memory" "2147483648" "$tmp_bytes"
shm_bytes=$(sb -- sh -c 'stat -f -c "%b %S" /dev/shm' | { read -r b s; echo $((b * s)); })
expect "/dev/shm is a sized tmpfs (64 MiB)" "67108864" "$shm_bytes"

store=$(new_store)
recipes=$(scratch)
chmod 755 "$recipes"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}
# recipe NAME "EXTRA RECIPE LINES" < BUILD SCRIPT
recipe() {
	mkdir -p "$recipes/$1"
	printf 'name: %s\nversion: 1\nlicense: MIT\n%s\n' "$1" "$2" > "$recipes/$1/recipe"
	cat > "$recipes/$1/build"
}
published() { ls "$store/store" 2>/dev/null | grep -c -- "-$1-1$"; }

recipe fork-bomb "timeout: 120" <<'EOS'
mkdir -p "$OUT/usr/share"
# each sleep holds a process; the subshell dies when fork fails
( i=0; while [ $i -lt 6000 ]; do sleep 60 & i=$((i + 1)); echo $i > "$OUT/usr/share/started"; done ) 2>/dev/null || true
EOS
out=$(cb build -r fork-bomb --no-check 2>&1)
started=$(cat "$(echo "$out" | tail -n 1)/out/usr/share/started" 2>/dev/null)
expect_match "a fork bomb stops at the process limit (4096 at once)" "40[0-9][0-9]" "${started:-none}"

recipe sparse-tib "timeout: 30" <<'EOS'
mkdir -p "$OUT/usr/share"
dd if=/dev/zero of="$OUT/usr/share/huge" bs=1 count=1 seek=1099511627775 2>/dev/null || true
EOS
t0=$(date +%s)
out=$(timeout 120 "$CLOISTER" build -r sparse-tib --store "$store" --recipes "$recipes" \
	--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" 2>&1; echo "status=$?")
secs=$(( $(date +%s) - t0 ))
expect "a 1 TiB sparse file cannot be made in the output (no file may exceed max-output)" "" \
	"$(find "$store/store" -size +4G 2>&1)"
expect_match "...and the build ends within the recipe's timeout, publishing included" "*status=[0-9]*" \
	"$([ "$secs" -le 60 ] && echo "$out" || echo "took ${secs}s: $out")"

recipe too-big "max-output: 1M" <<'EOS'
mkdir -p "$OUT/usr/share"
head -c 700000 /dev/zero > "$OUT/usr/share/a"
head -c 700000 /dev/zero > "$OUT/usr/share/b"
EOS
out=$(cb build -r too-big --no-check 2>&1)
expect_match "an output over its max-output bytes is refused" "*more than 1048576 bytes (max-output)*" "$out"
expect "...and not published" "0" "$(published too-big)"
recipe too-many "max-output: 1G 10" <<'EOS'
mkdir -p "$OUT/usr/share"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo $i > "$OUT/usr/share/f$i"; done
EOS
out=$(cb build -r too-many --no-check 2>&1)
expect_match "an output over its max-output files is refused" "*more than 10 files (max-output)*" "$out"
recipe bad-limit "max-output: lots" <<'EOS'
true
EOS
out=$(cb build -r bad-limit --no-check 2>&1; echo "status=$?")
expect_match "a malformed max-output is refused with file:line" "*bad-limit/recipe:4: max-output needs*status=2" "$out"

# two sparse archives of 3 GiB each: the 4 GiB cap is per build
big=$(scratch)
truncate -s 3G "$big/zeros"
(cd "$big" && tar --sparse -czf "$recipes/../two.tar.gz" zeros && mkdir -p again && mv zeros again/ &&
	tar --sparse -czf "$recipes/../again.tar.gz" again)
mkdir -p "$recipes/two-archives/files"
mv "$recipes/../two.tar.gz" "$recipes/../again.tar.gz" "$recipes/two-archives/files/"
rm -rf "$big"
{
	printf 'name: two-archives\nversion: 1\nlicense: MIT\n'
	printf 'source: file files/two.tar.gz sha256:%s\n' "$(sha256sum < "$recipes/two-archives/files/two.tar.gz" | cut -d' ' -f1)"
	printf 'source: file files/again.tar.gz sha256:%s\n' "$(sha256sum < "$recipes/two-archives/files/again.tar.gz" | cut -d' ' -f1)"
} > "$recipes/two-archives/recipe"
echo 'mkdir -p "$OUT"' > "$recipes/two-archives/build"
out=$(cb build -r two-archives --no-check 2>&1; echo "status=$?")
expect_match "two archives that unpack to 6 GiB together are refused (4 GiB per build)" \
	"*again.tar.gz: unpacks to more than 4294967296 bytes with the build's other sources; refusing*" "$out"
