# source: deb-file — a file inside a pinned Debian binary package, unpacked
# like every source archive.  The packages here are made by the test and
# put in the download cache by digest, so no network is needed.

store=$(new_store)
recipes=$(scratch)
work=$(scratch)
cb() {
	"$CLOISTER" "$@" --offline --store "$store" --recipes "$recipes" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}
sha() { sha256sum < "$1" | cut -d' ' -f1; }
# cache FILE: into the download cache under its digest; prints the digest
cache() {
	_h=$(sha "$1")
	mkdir -p "$store/downloads/sha256"
	cp "$1" "$store/downloads/sha256/$_h"
	echo "$_h"
}
# recipe NAME SOURCE-LINE... : a recipe whose build copies what it got into $OUT
recipe() {
	_n=$1
	shift
	mkdir -p "$recipes/$_n"
	{
		printf 'name: %s\nversion: 1\nlicense: MIT\n' "$_n"
		for _s in "$@"; do printf 'source: %s\n' "$_s"; done
	} > "$recipes/$_n/recipe"
	cat > "$recipes/$_n/build" <<'EOF'
umask 022
mkdir -p "$OUT/usr/share/got"
basename "$PWD" > "$OUT/usr/share/got/dir"
for f in ../*; do [ "${f##*/}" = home ] || cp -r "$f" "$OUT/usr/share/got/"; done
EOF
}

# a package holding a source tarball and a plain file
"$MKDEB" --tar "$work/pkg-1.0.tar.xz" "d:./pkg-1.0/:0755" "f:./pkg-1.0/hello.txt:0644:from inside a deb"
"$MKDEB" "$work/tool_1.0_all.deb" "d:./usr/:0755" "d:./usr/src/:0755" \
	"F:./usr/src/pkg-1.0.tar.xz:0644:$work/pkg-1.0.tar.xz" "f:./usr/share/doc/tool/note:0644:a plain file" \
	"l:./usr/src/link.tar.xz:pkg-1.0.tar.xz"
deb=$(cache "$work/tool_1.0_all.deb")

recipe from-deb "deb-file tool=1.0 sha256:$deb usr/src/pkg-1.0.tar.xz suite:bookworm" \
	"deb-file tool=1.0 sha256:$deb ./usr/share/doc/tool/note suite:bookworm-security moving"
out=$(cb build -r from-deb 2>&1)
expect "a recipe with deb-file sources builds" "0" "$?"
entry=$(echo "$out" | tail -n 1)
got=$entry/out/usr/share/got
expect "the tarball inside the package is unpacked" "from inside a deb" "$(cat "$got/pkg-1.0/hello.txt" 2>&1)"
expect "...and its one top folder is the build's directory" "pkg-1.0" "$(cat "$got/dir" 2>&1)"
expect "a file that is no archive is copied, under its last component" "a plain file" "$(cat "$got/note" 2>&1)"
expect "nothing else of the package reaches the build" "dir note pkg-1.0" "$(ls "$got" | tr '\n' ' ' | sed 's/ $//')"
expect_match "inputs.json names the package, its version, the path and the package's digest" \
	"*\"kind\": \"deb-file\", \"package\": \"tool\", \"package_version\": \"1.0\", \"path_in_package\": \"usr/src/pkg-1.0.tar.xz\", \"sha256\": \"$deb\"*" \
	"$(cat "$entry/inputs.json")"

# the package's digest is an input: another package is another build
"$MKDEB" "$work/tool2.deb" "d:./usr/:0755" "F:./usr/src/pkg-1.0.tar.xz:0644:$work/pkg-1.0.tar.xz" \
	"f:./usr/share/doc/tool/note:0644:another note"
deb2=$(cache "$work/tool2.deb")
sed -i "s/$deb/$deb2/g" "$recipes/from-deb/recipe"
out=$(cb build -r from-deb 2>&1)
expect "a package with another digest is a new build" "another note" \
	"$(cat "$(echo "$out" | tail -n 1)/out/usr/share/got/note" 2>&1)"
expect "...in a new entry" "2" "$(ls "$store/store" | grep -c -- '-from-deb-1$')"

# what the package does not hold, or holds as something else
recipe no-member "deb-file tool=1.0 sha256:$deb usr/src/nothere.tar.xz"
out=$(cb build -r no-member 2>&1; echo "status=$?")
expect_match "a path the package lacks is named" "*tool 1.0 has no file usr/src/nothere.tar.xz*status=2" "$out"
recipe symlink-member "deb-file tool=1.0 sha256:$deb usr/src/link.tar.xz"
out=$(cb build -r symlink-member 2>&1; echo "status=$?")
expect_match "a member that is a symlink is refused" "*usr/src/link.tar.xz in tool 1.0 is not a regular file*status=2" "$out"
echo "not a package" > "$work/junk.deb"
junk=$(cache "$work/junk.deb")
recipe not-a-deb "deb-file junk=1 sha256:$junk usr/src/x.tar.xz"
out=$(cb build -r not-a-deb 2>&1; echo "status=$?")
expect_match "a file that is no package is refused" "*not a Debian package*status=2" "$out"

# a package damaged in the cache is found and dropped, never unpacked
chmod u+w "$store/downloads/sha256/$deb"
printf 'x' >> "$store/downloads/sha256/$deb"
sed -i "s/$deb2/$deb/g" "$recipes/from-deb/recipe"
echo '# changed' >> "$recipes/from-deb/build"
out=$(cb build -r from-deb 2>&1; echo "status=$?")
expect_match "a corrupted package in the cache is refused" "*was corrupted*it was deleted*status=*" "$out"
expect "...and deleted" "no" "$([ -e "$store/downloads/sha256/$deb" ] && echo yes || echo no)"

# hostile tarballs inside a package: the refusals of every source archive
outside=$(scratch)
for spec in "f:./pkg/../../../../../../../..$outside/pwned:0644:x" "l:./pkg/link:../../../../../..$outside" \
	"c:./pkg/dev" "f:/abs/path:0644:x" "f:./pkg/suid:4755:x"; do
	"$MKDEB" --tar "$work/evil.tar.xz" "d:./pkg/:0755" "$spec"
	"$MKDEB" "$work/evil.deb" "d:./usr/:0755" "F:./usr/src/evil.tar.xz:0644:$work/evil.tar.xz"
	evil=$(cache "$work/evil.deb")
	recipe hostile-deb-src "deb-file evil=1 sha256:$evil usr/src/evil.tar.xz"
	out=$(cb build -r hostile-deb-src 2>&1; echo "status=$?")
	expect_match "a hostile entry ($spec) in a tarball inside a package is refused" "*refusing*status=2" "$out"
done
expect "nothing was written outside the build" "" "$(ls -A "$outside")"

# the form: file:line, what is expected, exit 2
for bad in "deb-file tool sha256:$deb usr/src/pkg-1.0.tar.xz|should be PACKAGE=VERSION" \
	"deb-file -oAPT::Get::x=1 sha256:$deb usr/src/x|should be PACKAGE=VERSION with a Debian package name" \
	"deb-file tool=1.0 sha256:abc usr/src/x|the package's digest must be sha256:" \
	"deb-file tool=1.0 sha256:$deb /usr/src/x|should be a path inside the package" \
	"deb-file tool=1.0 sha256:$deb usr/../../etc/passwd|should be a path inside the package" \
	"deb-file tool=1.0 sha256:$deb usr/src/x suite:Bookworm|should be suite:SUITE" \
	"deb-file tool=1.0 sha256:$deb usr/src/x suite:bookworm-security fast|after the suite only 'moving' may follow" \
	"deb-file tool=1.0 sha256:$deb|expected 'deb-file PACKAGE=VERSION sha256:HEX PATH"; do
	line=${bad%%|*}
	want=${bad#*|}
	recipe bad-deb-file "$line"
	out=$(cb build -r bad-deb-file 2>&1; echo "status=$?")
	expect_match "bad source '$line' is refused at its line" "*bad-deb-file/recipe:4: *$want*status=2" "$out"
done
