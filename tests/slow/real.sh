# Real packages from Debian source packages (bookworm main), built twice
# and compared, and their unfixed variants caught and blamed on the right
# variation.  Minutes: `make check-slow` (tests/run slow) runs it.

store=$(new_store)
recipes=$(scratch)
cp -r "$REPO/recipes/." "$recipes/"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" -q \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}

# bzip2 1.0.8, with its two fixes: reproducible, its links relative, its
# programs static and working
out=$(cb build -r bzip2 2>&1; echo "status=$?")
expect_match "bzip2 (with -ffile-prefix-map) is reproducible" "*status=0" "$out"
entry=$(echo "$out" | grep '/store/' | tail -n 1)
expect "...its links are relative (its install made them absolute, into /out)" \
	"bzcmp -> bzdiff|bzegrep -> bzgrep|bzfgrep -> bzgrep|bzless -> bzmore|" \
	"$(cd "$entry/out/usr/bin" && find . -type l -printf '%f -> %l\n' | sort | tr '\n' '|')"
expect "...and it compresses and decompresses" "cloister" \
	"$(echo cloister | "$entry/out/usr/bin/bzip2" | "$entry/out/usr/bin/bzip2" -d)"

# the unfixed variant: -g records the build directory
mkdir "$recipes/bzip2-unfixed"
cp -r "$recipes/bzip2/." "$recipes/bzip2-unfixed/"
sed -i 's/^name: bzip2$/name: bzip2-unfixed/' "$recipes/bzip2-unfixed/recipe"
sed -i 's/ -ffile-prefix-map=$PWD=\.//' "$recipes/bzip2-unfixed/build"
expect "the unfixed variant lacks the fix" "" "$(grep -- '-ffile-prefix-map=' "$recipes/bzip2-unfixed/build")"
out=$("$CLOISTER" build -r bzip2-unfixed --store "$store" --recipes "$recipes" \
	--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" 2>&1; echo "status=$?")
expect_match "bzip2 without -ffile-prefix-map is caught and blamed on the build path alone" \
	"*differs when: build path. Both builds*status=1" "$out"
expect_match "...the report names the debug section and the paths" \
	'*ELF section .debug_line_str: strings only in A: "/build/bzip2-1.0.8"*only in B: "/usr/src/cloister-b/bzip2-1.0.8"*' "$out"
expect_match "...and the search started from what B's output points at" \
	"*B's output points at: build path)*6 builds in 1 round*" "$out"

# lua 5.4.4: reproducible as it is
out=$(cb build -r lua 2>&1; echo "status=$?")
expect_match "lua 5.4.4 is reproducible" "*status=0" "$out"
entry=$(echo "$out" | grep '/store/' | tail -n 1)
expect "...and runs" "4" "$("$entry/out/usr/bin/lua" -e 'print(2 + 2)')"
