# A full disk: the command fails with a message that says so, leaves no
# half-written result where a good one is expected, and loses nothing that
# was there before.  Small filesystems come from tmpfs mounts in a user
# namespace of our own (unshare -Urm), where cloister runs as usual.

d=$(scratch)
home=$d/home
mkdir -p "$home/downloads"

# The seed does not fit in 8 MiB: unpacking stops at the first failed write.
cat >"$d/seed.sh" <<EOS
mount -t tmpfs -o size=8m tmpfs "$home" || exit 90
mkdir "$home/downloads"
mount --bind "$SEED_CACHE/downloads" "$home/downloads" || exit 91
"$CLOISTER" seed build --store "$home" -q \
	--lock "$REPO/rootfs-seed/seed.lock" --skeleton "$REPO/rootfs-seed/skeleton" 2>&1
echo "status=\$?"
echo "seeds: \$(ls -A "$home/seeds" | tr '\n' ' ')"
echo "tmp: \$(ls -A "$home/tmp" 2>/dev/null | tr '\n' ' ')"
EOS
out=$(unshare -Urm sh "$d/seed.sh" 2>&1)
expect_match "seed build on a full disk: exit 1, names the package, the file and ENOSPC" \
	"*: writing usr/*No space left on device*status=1*" "$out"
expect_match "...and leaves no seed and no unpacking directory behind" "*seeds: .lock *tmp: " "$out"

# A store that fills up during a build: the build fails, nothing is
# published, and the entry published before is intact.
store=$(new_store)
recipes=$(scratch)
cp -r "$REPO/recipes/hello" "$REPO/tests/fixtures/recipes/fills-disk" "$recipes/"
"$CLOISTER" seed build --store "$store" -q --lock "$REPO/rootfs-seed/seed.lock" \
	--skeleton "$REPO/rootfs-seed/skeleton" >/dev/null 2>&1
cat >"$d/build.sh" <<EOS
mkdir -p "$store/store"
mount -t tmpfs -o size=4m tmpfs "$store/store" || exit 90
cb() {
	"$CLOISTER" build --store "$store" --recipes "$recipes" -q --no-check \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" "\$@"
}
cb -r hello >/dev/null 2>&1 || echo "hello failed"
cb -r fills-disk 2>&1
echo "status=\$?"
echo "entries: \$(ls "$store/store" | sed 's/^[0-9a-f]*-//' | tr '\n' ' ')."
echo "stages: \$(ls -A "$store/store" | grep -c '^\.tmp-')"
"$CLOISTER" verify --store "$store" -q 2>&1
echo "verify=\$?"
EOS
out=$(unshare -Urm sh "$d/build.sh" 2>&1)
expect_match "a build that fills the store fails (exit 1) and shows the output's end" \
	"*last lines of the build's output*No space left on device*fills-disk 1 failed*status=1*" "$out"
expect_match "...and says that its log could not be written in full" \
	"*fills-disk 1: the log * could not be written in full: No space left on device*" "$out"
expect_match "...nothing of it is published, and no stage is left" "*entries: hello-1.0 .*stages: 0*" "$out"
expect_match "...and the entry published before still verifies" "*verify=0*" "$out"
