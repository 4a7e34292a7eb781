# Crafted .debs that try to write outside the seed tree, or to bring in
# device nodes or setuid files: each is refused by `cloister seed build`,
# nothing lands outside, and no seed is published.

outside=$(scratch)
# hostile NAME ERROR-FRAGMENT ENTRY...: builds a one-package seed from it
hostile() {
	name=$1 want=$2
	shift 2
	d=$(scratch)
	"$MKDEB" "$d/evil_1_amd64.deb" "$@" || { fail "$name" "mkdeb failed"; return; }
	sha=$(sha256sum < "$d/evil_1_amd64.deb" | cut -d' ' -f1)
	size=$(stat -c %s "$d/evil_1_amd64.deb")
	printf 'base\tevil\t1\t%s\t%s\tbookworm\n' "$sha" "$size" > "$d/lock"
	mkdir "$d/skel"
	store="$d/store"
	out=$("$CLOISTER" seed fetch --from "$d" --store "$store" --lock "$d/lock" -q 2>&1 &&
	      "$CLOISTER" seed build --store "$store" --lock "$d/lock" --skeleton "$d/skel" -q 2>&1
	      echo "status=$?")
	expect_match "$name" "*$want*status=2" "$out"
	expect "$name: no seed published" "" "$(ls "$store/seeds" 2>/dev/null | grep -v '^\.')"
}

hostile "a path with .. is refused" "refusing path with '..'" \
	"d:./usr/:0755" "f:./usr/../../../$outside/dotdot:0644:x"
hostile "an absolute path is refused" "refusing absolute path" \
	"f:$outside/absolute:0644:x"
hostile "a symlink leading out of the tree is refused" "leads out of the tree" \
	"d:./usr/:0755" "l:./usr/evil:../../../../../../../../$outside"
hostile "writing through a symlink is refused" "Cannot extract through symlink" \
	"d:./usr/:0755" "l:./usr/evil:$outside" "f:./usr/evil/pwned:0644:x"
hostile "a hard link leading out of the tree is refused" "refusing hard link" \
	"d:./usr/:0755" "h:./usr/hard:../../../../../etc/passwd"
hostile "a device node is refused" "refusing device node" \
	"d:./usr/:0755" "c:./usr/null"
hostile "a FIFO is refused" "refusing special file" \
	"d:./usr/:0755" "p:./usr/fifo"
hostile "a setuid file is refused" "refusing setuid/setgid file" \
	"d:./usr/:0755" "f:./usr/su:4755:x"
hostile "a setgid file is refused" "refusing setuid/setgid file" \
	"d:./usr/:0755" "f:./usr/sg:2755:x"
# 1,500 directories deep, pointing at the top: its relative form is longer
# than a symlink can be (this overflowed a stack buffer of the normaliser)
deep=$(printf 'a/%.0s' $(seq 1500))
hostile "a symlink 1,500 directories deep is refused with the reason" "refusing symlink*4501 bytes" \
	"l:./${deep}link:/x"
deep=$(printf 'd/%.0s' $(seq 5000))
hostile "a path 5,000 directories deep is refused with the reason and its length" \
	"refusing path*(10003 bytes)*longer than" "f:./${deep}f:0644:x"
expect "nothing was written outside the tree" "" "$(ls -A "$outside")"
expect "/etc/passwd on the host is untouched by the hard link" "root" "$(head -c 4 /etc/passwd)"

# two packages providing one file: caught even when they are unpacked in
# parallel by two workers
d=$(scratch)
"$MKDEB" "$d/one_1_amd64.deb" "d:./usr/:0755" "f:./usr/clash:0644:first"
"$MKDEB" "$d/two_1_amd64.deb" "d:./usr/:0755" "f:./usr/clash:0644:second"
for p in one two; do
	printf 'base\t%s\t1\t%s\t%s\tbookworm\n' "$p" "$(sha256sum < "$d/${p}_1_amd64.deb" | cut -d' ' -f1)" \
		"$(stat -c %s "$d/${p}_1_amd64.deb")" >> "$d/lock"
done
mkdir "$d/skel"
out=$("$CLOISTER" seed fetch --from "$d" --store "$d/store" --lock "$d/lock" -q 2>&1 &&
      "$CLOISTER" seed build --store "$d/store" --lock "$d/lock" --skeleton "$d/skel" -q 2>&1
      echo "status=$?")
expect_match "a file provided by two packages is refused" "*/usr/clash is *provided by *package*status=2" "$out"
expect "...and no seed is published" "" "$(ls "$d/store/seeds" 2>/dev/null | grep -v '^\.')"
