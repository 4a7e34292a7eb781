# Host facts in a build's output: A and B run on the same host, so a fact
# of that host embedded in the output passes the double build.  The scan
# after the comparison must stop publishing, naming file, fact and offset,
# unless the recipe allows that fact by name.  (The masks keep a build
# from learning these facts; the recipe folder stands in for a leak the
# masks missed, e.g. the vDSO's version note.)
# tests/run: also as root

store=$(new_store)
recipes=$(scratch)
chmod 755 "$recipes"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}
# leaky NAME TEXT [RECIPE LINE]: a recipe that writes TEXT into its output
leaky() {
	mkdir -p "$recipes/$1"
	printf 'name: %s\nversion: 1\nlicense: MIT\ntimeout: 120\n%s\n' "$1" "${3:-}" > "$recipes/$1/recipe"
	printf '%s\n' "$2" > "$recipes/$1/fact"
	cat > "$recipes/$1/build" <<'EOS'
umask 022
mkdir -p "$OUT/usr/share" "$OUT/usr/bin"
printf 'padding-' > "$OUT/usr/share/fact"
cat /recipe/fact >> "$OUT/usr/share/fact"
EOS
}
published() { ls "$store/store" 2>/dev/null | grep -c -- "-$1-1$"; }

release=$(uname -r)
leaky leaks-release "built on $release"
out=$(cb build -r leaks-release 2>&1; echo "status=$?")
expect_match "a file embedding the host's kernel release is refused, after the double build" \
	"*/usr/share/fact embeds the host's kernel release $release at offset 17*not published*status=1*" \
	"$(echo "$out" | tr '\n' ' ')"
expect "...and nothing is published" "0" "$(published leaks-release)"

leaky leaks-release-allowed "built on $release" "allow-host-facts: kernel-release"
out=$(cb build -r leaks-release-allowed --no-check 2>&1)
expect "a recipe that allows the kernel release by name is published" "1" "$(published leaks-release-allowed)"

if [ -s /etc/machine-id ]; then
	leaky leaks-machine-id "id=$(cat /etc/machine-id)"
	out=$(cb build -r leaks-machine-id --no-check 2>&1)
	expect_match "the host's machine-id is found" "*embeds the host's machine-id*" "$out"
	expect "...and not published" "0" "$(published leaks-machine-id)"
fi
leaky leaks-store "prefix=$store/store/abc"
out=$(cb build -r leaks-store --no-check 2>&1)
expect_match "the host's store path is found" "*embeds the host's store path $store/store at offset*" "$out"
expect "...and not published" "0" "$(published leaks-store)"
leaky leaks-kversion "$(uname -v)"
out=$(cb build -r leaks-kversion --no-check 2>&1)
expect_match "the host's kernel version string is found" "*embeds the host's kernel version*" "$out"

# references into the sandbox's own /out and /build (bzip2's bzcmp)
leaky links-out "nothing"
echo 'ln -s /out/usr/bin/bzdiff "$OUT/usr/bin/bzcmp"' >> "$recipes/links-out/build"
out=$(cb build -r links-out --no-check 2>&1)
expect_match "a symlink into /out is found" "*/usr/bin/bzcmp is a symlink to a path into the sandbox's /out*" "$out"
expect "...and not published" "0" "$(published links-out)"
leaky embeds-build "see /build/src/main.c"
out=$(cb build -r embeds-build --no-check 2>&1)
expect_match "a string pointing into /build is found" "*/usr/share/fact embeds a path into the sandbox's /build at offset*" "$out"
leaky clean-paths "/usr/src/build/x /output /outer"
out=$(cb build -r clean-paths --no-check 2>&1)
expect "paths that merely contain 'build' or 'out' are not hits" "1" "$(published clean-paths)"
