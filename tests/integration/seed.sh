# The seed: fetched with apt (this needs Debian's package archive, which
# CI reaches), verified, unpacked with libarchive into a tree whose hash
# is the same on every build, and usable as the root of the sandbox.
#
# SEED_CACHE is a store the runner keeps between runs, so the packages are
# downloaded once per machine; every build below goes to a fresh store.

lock="$REPO/rootfs-seed/seed.lock"
skel="$REPO/rootfs-seed/skeleton"
seed() {
	"$CLOISTER" seed "$@" --lock "$lock" --skeleton "$skel" -q
}

out=$(seed fetch --store "$SEED_CACHE" 2>&1)
expect "seed fetch (apt, private state, unprivileged) succeeds" "0" "$?"
n=$(grep -c '^base' "$lock")
expect "every base package is in the download cache" "$n" \
	"$(grep '^base' "$lock" | awk '{print $4}' | while read -r h; do [ -f "$SEED_CACHE/downloads/sha256/$h" ] && echo y; done | grep -c y)"

# two builds into two fresh stores (sharing only the content-addressed downloads)
a=$(scratch) b=$(scratch)
mkdir -p "$a/downloads" "$b/downloads"
cp -r "$SEED_CACHE/downloads/sha256" "$a/downloads/"
cp -r "$SEED_CACHE/downloads/sha256" "$b/downloads/"
out_a=$(seed build --store "$a" 2>&1)
expect "seed build succeeds" "0" "$?"
out_b=$(seed build --store "$b" 2>&1)
hash_a=$(echo "$out_a" | sed -n 's/^seed //p')
hash_b=$(echo "$out_b" | sed -n 's/^seed //p')
tree=$(echo "$out_a" | tail -n 1)
expect_match "the seed hash is a sha256" "[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*" "$hash_a"
expect "the same lock gives the same seed hash in two stores" "$hash_a" "$hash_b"
expect "the hash is the sha256 of the tree manifest" "$hash_a" \
	"$(sha256sum < "$a/seeds/$hash_a/manifest" | cut -d' ' -f1)"
expect "a second build reuses the published seed" "$hash_a" \
	"$(seed build --store "$a" 2>/dev/null | sed -n 's/^seed //p')"
expect "the tree is read-only" "" "$(find "$tree" -perm -u+w ! -type l | head -n 3)"
expect "every mtime is the seed epoch" "" "$(find "$tree" \( -newermt @1686355200 -o ! -newermt @1686355199 \) -print | head -n 3)"
expect "merged /usr: /bin is a link to usr/bin" "usr/bin" "$(readlink "$tree/bin")"
expect "the loader link is relative, right from the host too" "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
	"$(readlink "$tree/usr/lib64/ld-linux-x86-64.so.2")"
expect "no absolute symlink in the tree" "" "$(find "$tree" -type l -lname '/*' | head -n 3)"
expect "no setuid or setgid file" "" "$(find "$tree" -perm /6000 ! -type d | head -n 3)"
expect "the skeleton's builder user" "builder:x:1000:1000:builder:/build/home:/bin/sh" \
	"$(grep '^builder:' "$tree/etc/passwd")"

# the seed as the sandbox's root
w=$(scratch)
printf '#include <stdio.h>\nint main(void){puts("hello from the seed");return 0;}\n' > "$w/hello.c"
printf 'all: hello hello-static\nhello: hello.c\n\tcc -O2 -o $@ hello.c\nhello-static: hello.c\n\tcc -static -o $@ hello.c\n' > "$w/Makefile"
sbs() { "$CLOISTER" run --root "$tree" --bind "$w" /build --chdir /build "$@"; }
out=$(sbs -- make 2>&1)
expect "make runs a Makefile with gcc in the seed" "0" "$?"
expect "the dynamic hello runs" "hello from the seed" "$(sbs -- ./hello 2>&1)"
expect "the static hello runs" "hello from the seed" "$(sbs -- ./hello-static 2>&1)"
expect "the static hello is static" "not a dynamic executable" "$(ldd "$w/hello-static" 2>&1 | tr -d '\t' | head -n 1)"
expect "/bin/sh is busybox" "busybox" "$(sbs -- readlink /bin/sh)"
expect "coreutils come from busybox" "busybox" "$(sbs -- readlink /usr/bin/ls)"
expect "the real tools win over busybox applets" "x86_64-linux-gnu-ar" "$(sbs -- readlink /usr/bin/ar)"
expect "no network in the seed sandbox" "lo" "$(sbs -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "')"
expect "uname -r is the faked one" "6.1.0-cloister" "$(sbs -- uname -r)"
expect "the user is builder" "builder" "$(sbs -- id -un)"

# a corrupted and a truncated .deb from an offline mirror
gcc_line=$(grep -P '^base\tgcc\t' "$lock")
gcc_ver=$(echo "$gcc_line" | cut -f3)
gcc_sha=$(echo "$gcc_line" | cut -f4)
one=$(scratch)
echo "$gcc_line" > "$one/lock"
mirror=$(scratch)
file="$mirror/gcc_$(echo "$gcc_ver" | sed 's/:/%3a/')_amd64.deb"
cp "$SEED_CACHE/downloads/sha256/$gcc_sha" "$file"
chmod u+w "$file"
printf '\377' | dd of="$file" bs=1 seek=100 conv=notrunc 2>/dev/null
c=$(scratch)
out=$("$CLOISTER" seed fetch --from "$mirror" --store "$c" --lock "$one/lock" -q 2>&1; echo "status=$?")
expect_match "a corrupted .deb is refused with both digests" \
	"*gcc $gcc_ver*sha256 mismatch: expected $gcc_sha, got *status=2" "$out"
expect "nothing entered the cache" "" "$(ls "$c/downloads/sha256" 2>/dev/null)"
cp "$SEED_CACHE/downloads/sha256/$gcc_sha" "$file"
chmod u+w "$file"
truncate -s 1000 "$file"
out=$("$CLOISTER" seed fetch --from "$mirror" --store "$c" --lock "$one/lock" -q 2>&1; echo "status=$?")
expect_match "a truncated .deb is refused with the sizes" "*gcc $gcc_ver*size mismatch*has 1000*status=2" "$out"
cp "$SEED_CACHE/downloads/sha256/$gcc_sha" "$file"
out=$("$CLOISTER" seed fetch --from "$mirror" --store "$c" --lock "$one/lock" -q 2>&1; echo "status=$?")
expect "the intact .deb from the mirror is accepted" "status=0" "$out"

# a corrupted cache entry is detected on use, and deleted
chmod u+w "$c/downloads/sha256/$gcc_sha"
printf 'x' | dd of="$c/downloads/sha256/$gcc_sha" bs=1 seek=50 conv=notrunc 2>/dev/null
out=$("$CLOISTER" seed fetch --offline --store "$c" --lock "$one/lock" -q 2>&1; echo "status=$?")
expect_match "a corrupted cache entry is detected and deleted" "*corrupted*deleted*status=1" "$out"
expect "...and is gone" "" "$(ls "$c/downloads/sha256")"
out=$("$CLOISTER" seed fetch --offline --store "$c" --lock "$one/lock" -q 2>&1; echo "status=$?")
expect_match "--offline names what is missing" "*gcc $gcc_ver*not in the download cache*--offline*status=2" "$out"

# a vanished version
bad=$(scratch)
# (a digest not in the cache, so the version is looked up)
echo "$gcc_line" | sed "s/\t$gcc_ver\t/\t4:12.2.0-0.1cloister\t/; s/$gcc_sha/$(printf '%064d' 7)/" > "$bad/lock"
out=$("$CLOISTER" seed fetch --store "$SEED_CACHE" --lock "$bad/lock" -q 2>&1; echo "status=$?")
expect_match "a version gone from the archive is explained" \
	"*gcc 4:12.2.0-0.1cloister is no longer in the package archive*seed update*--from DIR*status=2" "$out"

# bad lock syntax
printf 'base gcc 1.0 nothex 12 bookworm\n' > "$bad/lock2"
out=$("$CLOISTER" seed fetch --store "$c" --lock "$bad/lock2" 2>&1; echo "status=$?")
expect_match "a malformed lock names file:line, exit 2" "*lock2:1: 'nothex' is not a sha256 digest*status=2" "$out"
printf '# ok\nbase gcc 1.0 %s 12 bookworm\nbase gcc 1.1 %s 12 bookworm\n' "$gcc_sha" "$gcc_sha" > "$bad/lock3"
out=$("$CLOISTER" seed fetch --store "$c" --lock "$bad/lock3" 2>&1; echo "status=$?")
expect_match "a package pinned twice is refused" "*lock3:3: gcc is pinned twice (first at line 2)*status=2" "$out"
