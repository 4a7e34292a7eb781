# Hostile inputs that cloister handles outside the sandbox: recipes,
# graphs, source archives and machine lists crafted to overflow a buffer,
# exhaust the stack, escape the recipe folder or slip past the parsers.
# Each must work or fail cleanly: a message naming FILE:LINE, exit 2,
# nothing published.

store=$(new_store)
recipes=$(scratch)
cp -r "$REPO/recipes/hello" "$recipes/"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" -q \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}
# recipe DIR NAME [FIELD...]: a recipe folder with a trivial build script
recipe() {
	_d=$1 _n=$2
	shift 2
	mkdir -p "$_d"
	printf 'name: %s\nversion: 1\nlicense: MIT\n' "$_n" >"$_d/recipe"
	for _f in "$@"; do printf '%s\n' "$_f" >>"$_d/recipe"; done
	printf 'true\n' >"$_d/build"
}
# src_recipe NAME ARCHIVE: a recipe whose one source is that file of files/
src_recipe() {
	recipe "$recipes/$1" "$1" "source: file files/$2 sha256:$(sha256sum <"$recipes/$1/files/$2" | cut -d' ' -f1)"
}

# --- depth and length -------------------------------------------------

# a cycle of 25 recipes with 100-character names: the path is longer than
# any fixed buffer; it is printed whole or visibly shortened, never overflowed
long=$(printf '%097d' 0 | tr 0 x)
g=$(scratch)
i=0
while [ "$i" -lt 25 ]; do
	next=$(((i + 1) % 25))
	recipe "$g/r$(printf %02d $i)$long" "r$(printf %02d $i)$long" "build-needs: r$(printf %02d $next)$long"
	i=$((i + 1))
done
out=$("$CLOISTER" graph -r "r00$long" --recipes "$g" --store "$store" 2>&1; echo "status=$?")
expect_match "a cycle of 25 long names is reported, not overflowed" \
	"*dependency cycle*r00$long -> r01$long*r00$long*status=2" "$out"
expect_match "...with the FILE:LINE of the edge that closes it" "*/r24$long/recipe:4: *status=2" "$out"

# a chain of 5,000 build-needs: no recursion per edge
g=$(scratch)
i=0
while [ "$i" -lt 5000 ]; do
	mkdir "$g/c$i"
	if [ "$i" -lt 4999 ]; then
		printf 'name: c%d\nversion: 1\nlicense: MIT\nbuild-needs: c%d\n' "$i" $((i + 1)) >"$g/c$i/recipe"
	else
		printf 'name: c%d\nversion: 1\nlicense: MIT\n' "$i" >"$g/c$i/recipe"
	fi
	: >"$g/c$i/build"
	i=$((i + 1))
done
out=$("$CLOISTER" graph -r c0 --recipes "$g" --store "$store" 2>&1; echo "status=$?")
expect "a chain of 5,000 build-needs is loaded" "4999 status=0" \
	"$(echo "$out" | grep -c -- '->') $(echo "$out" | tail -n 1)"
# and 5,000 depends below one build-need: the build root's closure
sed -i 's/^build-needs:/depends:/' "$g"/c*/recipe
mkdir "$g/top"
printf 'name: top\nversion: 1\nlicense: MIT\nbuild-needs: c0\n' >"$g/top/recipe"
: >"$g/top/build"
out=$("$CLOISTER" graph -r top --recipes "$g" --store "$store" 2>&1; echo "status=$?")
expect_match "...and a chain of 5,000 depends" "*\"c4998\" -> \"c4999\" [label=\"depends\"*status=0" "$out"

# source archives at the extremes
h="$recipes/deep-src"
mkdir -p "$h/files"
deep=$(printf 'a/%.0s' $(seq 1500))
"$MKDEB" --tar "$h/files/deep.tar.xz" "l:./${deep}link:/x"
src_recipe deep-src deep.tar.xz
out=$(cb build -r deep-src 2>&1; echo "status=$?")
expect_match "a symlink 1,500 directories deep is refused with the reason" \
	"*deep-src/recipe:4: *refusing symlink*4501 bytes*status=2" "$out"
deep=$(printf 'd/%.0s' $(seq 5000))
"$MKDEB" --tar "$h/files/deep.tar.xz" "f:./${deep}f:0644:x"
src_recipe deep-src deep.tar.xz
out=$(cb build -r deep-src 2>&1; echo "status=$?")
expect_match "a path 5,000 directories deep is refused with the reason and its length" \
	"*deep-src/recipe:4: *refusing path*(10003 bytes)*longer than*status=2" "$out"
expect "...and the message stays short" "yes" "$([ "$(printf '%s' "$out" | wc -c)" -lt 1200 ] && echo yes)"

# a build whose output is 1,000 directories deep, with paths of 10 KB
recipe "$recipes/deep-out" deep-out
# (made with *at() calls: no shell can cd that deep)
cat >"$recipes/deep-out/build" <<'EOF'
umask 022
cat > deep.c <<'EOC'
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void)
{
	int fd = open(getenv("OUT"), O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 1000; i++) {
		mkdirat(fd, "directory", 0755);
		int sub = openat(fd, "directory", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = sub;
	}
	int f = openat(fd, "file", O_WRONLY | O_CREAT, 0644);
	return f < 0 || write(f, "deep\n", 5) != 5;
}
EOC
cc -o deep deep.c
./deep
EOF
out=$(cb build -r deep-out 2>&1; echo "status=$?")
expect "a 1,000-deep output builds twice, compares and publishes" "status=0" "$(echo "$out" | tail -n 1)"
entry=$(echo "$out" | tail -n 2 | head -n 1)
expect "...its manifest lists the bottom file with its whole path" "1" \
	"$(grep -c "^f 0444 5 [0-9a-f]* \(/directory\)\{1000\}/file\$" "$entry/manifest" 2>/dev/null)"
out=$("$CLOISTER" verify --store "$store" 2>&1; echo "status=$?")
expect_match "...and verify checks it" "*ok  *-deep-out-1*status=0" "$out"

# long lists are read in linear time: 100,000 lines of packages.list
# (each compared with every other took 24 s)
m=$(scratch)
mkdir -p "$m/big/settings"
seq -f 'p%g' 100000 >"$m/big/settings/packages.list"
out=$(timeout 10 "$CLOISTER" graph big --machines "$m" --recipes "$recipes" --store "$store" 2>&1; echo "status=$?")
expect_match "a packages.list of 100,000 lines is read at once" \
	"*big/settings/packages.list:1: recipe 'p1' not found*status=2" "$out"
printf 'p1\np2\n' >>"$m/big/settings/packages.list"
out=$(timeout 10 "$CLOISTER" graph big --machines "$m" --recipes "$recipes" --store "$store" 2>&1; echo "status=$?")
expect_match "...and its repeats are still found" \
	"*packages.list:100001: 'p1' is listed twice (first at line 1)*status=2" "$out"

# --- bytes the formats do not allow -------------------------------------

# a NUL byte used to end the text early: what followed was never read
recipe "$recipes/nul" nul
printf 'name: nul\nversion: 1\nlicense: MIT\n\000bogus-field: yes\nbuild-needs: not-there\n' >"$recipes/nul/recipe"
out=$(cb build -r nul 2>&1; echo "status=$?")
expect_match "a NUL byte in a recipe is refused at its line" "*nul/recipe:4: *NUL*status=2" "$out"
expect "...and nothing is published" "" "$(ls "$store/store" | grep -- '-nul-')"
m=$(scratch)
mkdir -p "$m/nul/settings"
printf 'hello\000\nfoo bar\nBAD\n' >"$m/nul/settings/packages.list"
out=$("$CLOISTER" graph nul --machines "$m" --recipes "$recipes" --store "$store" 2>&1; echo "status=$?")
expect_match "a NUL byte in packages.list is refused at its line" "*nul/settings/packages.list:1: *NUL*status=2" "$out"
lock=$(scratch)/seed.lock
awk 'BEGIN { n = 0 } /^base/ { n++; if (n == 11) printf "%c", 0 } { print }' "$REPO/rootfs-seed/seed.lock" >"$lock"
line=$(awk '/^base/ { n++; if (n == 11) { print NR; exit } }' "$REPO/rootfs-seed/seed.lock")
s=$(new_store)
out=$("$CLOISTER" seed build --store "$s" --lock "$lock" --skeleton "$REPO/rootfs-seed/skeleton" -q 2>&1; echo "status=$?")
expect_match "a NUL byte in seed.lock is refused at its line" "*seed.lock:$line: *NUL*status=2" "$out"
expect "...and no (smaller) seed is published" "" "$(ls "$s/seeds" 2>/dev/null | grep -v '^\.')"

# invalid UTF-8, control characters and carriage returns, with the raw
# bytes never echoed to the terminal
for case in 'a byte 0xff|\377' 'an overlong slash|\300\257' 'a surrogate|\355\240\200' \
	'an escape sequence|\033[31m' 'a C1 control|\302\233' 'a carriage return|\r'; do
	printf "name: nul\nversion: 1\nlicense: MIT${case#*|}\n" >"$recipes/nul/recipe"
	out=$(cb build -r nul 2>&1; echo "status=$?")
	expect_match "a recipe with ${case%%|*} is refused at its line" "*nul/recipe:3: *status=2" "$out"
	expect "...and no raw control byte or invalid UTF-8 reaches the terminal" "" \
		"$(printf '%s' "$out" | LC_ALL=C tr -d '\n\t -~' | od -An -c | tr -d ' \n')"
done
printf 'name: nul\nversion: 1\nlicense: MIT\n# un commentaire en fran\303\247ais \342\234\223\n' >"$recipes/nul/recipe"
out=$(cb build -r nul 2>&1; echo "status=$?")
expect "UTF-8 text in a comment is fine" "status=0" "$(echo "$out" | tail -n 1)"

# --- names and versions --------------------------------------------------

# a version with /.. once put a failed build's log outside CLOISTER_HOME
outside=$(scratch)
recipe "$recipes/v" v
printf 'exit 1\n' >"$recipes/v/build"
mkdir -p "$store/logs/v-1"
for version in "1/../../../../../../../../../../../..$outside/escape" "1/2" ".." "-1" "1:2:3 4" \
	"$(printf '%0101d' 1)"; do
	printf 'name: v\nversion: %s\nlicense: MIT\n' "$version" >"$recipes/v/recipe"
	out=$(cb build -r v 2>&1; echo "status=$?")
	expect_match "version '$(echo "$version" | cut -c1-30)' is refused where it is parsed" \
		"*v/recipe:2: *is not a version*status=2" "$out"
done
expect "nothing was written outside the store" "" "$(ls -A "$outside")"
rmdir "$store/logs/v-1"
for version in "1.35.0" "1:2.0~rc1+dfsg-3" "2023_01"; do
	printf 'name: v\nversion: %s\nlicense: MIT\n' "$version" >"$recipes/v/recipe"
	out=$(cb build -r v 2>&1; echo "status=$?")
	expect_match "version '$version' is accepted (the build then fails)" "*v 1* failed*status=1" \
		"$(echo "$out" | sed "s/v $version/v 1/")"
done
# a Debian source names a package and a version in Debian's syntax
recipe "$recipes/dsrc" dsrc "source: debian ../etc=1.0 x.tar.gz sha256:$(printf '%064d' 0)"
out=$(cb build -r dsrc 2>&1; echo "status=$?")
expect_match "a Debian source package name is checked" "*dsrc/recipe:4: *not a Debian package name*status=2" "$out"
recipe "$recipes/dsrc" dsrc "source: debian hello=1.0/../x x.tar.gz sha256:$(printf '%064d' 0)"
out=$(cb build -r dsrc 2>&1; echo "status=$?")
expect_match "...and its version" "*dsrc/recipe:4: *not a Debian version*status=2" "$out"

# --- bad input is exit 2, with FILE:LINE or the path --------------------

recipe "$recipes/odd" odd
ln -sf /etc/passwd "$recipes/odd/build"
out=$(cb build -r odd 2>&1; echo "status=$?")
expect_match "a build script that is a symlink is refused" "*odd/build*symlink*status=2" "$out"
rm "$recipes/odd/build" && echo true >"$recipes/odd/build"
mv "$recipes/odd/recipe" "$TMPDIR/odd-recipe" && mkdir "$recipes/odd/recipe"
out=$(cb build -r odd 2>&1; echo "status=$?")
expect_match "a recipe file that is a directory: exit 2" "*odd/recipe*status=2" "$out"
rmdir "$recipes/odd/recipe" && mv "$TMPDIR/odd-recipe" "$recipes/odd/recipe"
recipe "$recipes/odd" odd
mkdir -p "$recipes/odd/files"
mkfifo "$recipes/odd/files/fifo"
out=$(cb build -r odd 2>&1; echo "status=$?")
expect_match "a FIFO in the recipe folder is named: exit 2" "*odd/files/fifo*status=2" "$out"
rm "$recipes/odd/files/fifo"
m=$(scratch)
mkdir -p "$m/dirlist/settings/packages.list"
out=$("$CLOISTER" graph dirlist --machines "$m" --recipes "$recipes" --store "$store" 2>&1; echo "status=$?")
expect_match "a packages.list that is a directory: exit 2" "*packages.list*status=2" "$out"
out=$("$CLOISTER" seed build --store "$store" --lock "$m/no-such.lock" --skeleton "$REPO/rootfs-seed/skeleton" 2>&1
      echo "status=$?")
expect_match "a missing seed.lock: exit 2" "*no-such.lock*status=2" "$out"
out=$("$CLOISTER" build -r hello --store "$store" --recipes "$recipes" --seed-lock "$m/no-such.lock" \
	--seed-skeleton "$REPO/rootfs-seed/skeleton" 2>&1; echo "status=$?")
expect_match "...also for cloister build" "*no-such.lock*status=2" "$out"
for epoch in 18446744073709551615 9223372036854775807 4294967296; do
	recipe "$recipes/odd" odd "source-date-epoch: $epoch"
	out=$(cb build -r odd 2>&1; echo "status=$?")
	expect_match "a source-date-epoch of $epoch (past 2106) is refused" "*odd/recipe:4: *source-date-epoch*status=2" "$out"
done

# source archives: every refusal is exit 2 and says what it is
h="$recipes/evil-src"
mkdir -p "$h/files"
outside=$(scratch)
"$MKDEB" --tar "$h/files/evil.tar.xz" "d:./pkg/:0755" "l:./pkg/evil:$outside" "f:./pkg/evil/pwned:0644:x"
src_recipe evil-src evil.tar.xz
out=$(cb build -r evil-src 2>&1; echo "status=$?")
expect_match "writing through an absolute symlink is refused: exit 2" "*evil-src/recipe:4: *symlink*status=2" "$out"
"$MKDEB" --tar "$h/files/evil.tar.xz" "d:./pkg/:0755" "f:./pkg/x:0644:x" "l:./pkg:/etc"
src_recipe evil-src evil.tar.xz
out=$(cb build -r evil-src 2>&1; echo "status=$?")
expect_match "a directory swapped for a symlink is refused as a source's, not a seed package's" \
	"*evil-src/recipe:4: *pkg*twice*status=2" "$out"
expect "...no word of the seed" "" "$(echo "$out" | grep 'package of the seed')"
expect "nothing was written outside" "" "$(ls -A "$outside")"
# zip sources are unpacked with the same refusals
"$MKDEB" --zip "$h/files/evil.zip" "d:./pkg/:0755" "f:./pkg/../../../../../../../..$outside/pwned:0644:x"
recipe "$h" evil-src "source: file files/evil.zip sha256:$(sha256sum <"$h/files/evil.zip" | cut -d' ' -f1)"
out=$(cb build -r evil-src 2>&1; echo "status=$?")
expect_match "a zip source with .. is refused" "*evil-src/recipe:4: *refusing path with '..'*status=2" "$out"
"$MKDEB" --zip "$h/files/good.zip" "d:./pkg/:0755" "f:./pkg/hello.txt:0644:from a zip"
recipe "$h" evil-src "source: file files/good.zip sha256:$(sha256sum <"$h/files/good.zip" | cut -d' ' -f1)"
printf 'umask 022\nmkdir -p "$OUT"\ncp hello.txt "$OUT/"\n' >"$h/build"
out=$(cb build -r evil-src 2>&1; echo "status=$?")
expect "a zip source is unpacked, and its one directory is \$SRC" "from a zip" \
	"$(cat "$(echo "$out" | tail -n 2 | head -n 1)/out/hello.txt" 2>&1)"
expect "nothing was written outside" "" "$(ls -A "$outside")"

# --- source: file stays inside the recipe folder ------------------------

passwd_sha=$(sha256sum </etc/passwd | cut -d' ' -f1)
recipe "$recipes/leak" leak "source: file files/leak sha256:$passwd_sha"
mkdir -p "$recipes/leak/files"
for target in /etc/passwd ../../../../../../../../../../../../etc/passwd; do
	ln -sfn "$target" "$recipes/leak/files/leak"
	out=$(cb build -r leak 2>&1; echo "status=$?")
	expect_match "a source symlinked out of the recipe folder ($target) is refused at its line" \
		"*leak/recipe:4: *out of the recipe folder*status=2" "$out"
done
rm -r "$recipes/leak/files"
ln -s /etc "$recipes/leak/files"
recipe "$recipes/leak" leak "source: file files/passwd sha256:$passwd_sha"
out=$(cb build -r leak 2>&1; echo "status=$?")
expect_match "...and one under a symlinked directory" "*leak/recipe:4: *out of the recipe folder*status=2" "$out"
expect "nothing of it is published" "" "$(ls "$store/store" | grep -- '-leak-')"
rm "$recipes/leak/files"
mkdir -p "$recipes/leak/files/sub"
echo 'int x;' >"$recipes/leak/files/sub/real.c"
ln -s sub/real.c "$recipes/leak/files/alias.c"
recipe "$recipes/leak" leak "source: file files/alias.c sha256:$(sha256sum <"$recipes/leak/files/sub/real.c" | cut -d' ' -f1)"
printf 'umask 022\nmkdir -p "$OUT"\ncp alias.c "$OUT/"\n' >"$recipes/leak/build"
out=$(cb build -r leak 2>&1; echo "status=$?")
expect "a symlink that stays inside the folder is followed" "int x;" \
	"$(cat "$(echo "$out" | tail -n 2 | head -n 1)/out/alias.c" 2>&1)"
recipe "$recipes/odd" odd "source: file files/dir sha256:$(printf '%064d' 0)"
mkdir -p "$recipes/odd/files/dir"
out=$(cb build -r odd 2>&1; echo "status=$?")
expect_match "a source that is a directory: exit 2 at its line" "*odd/recipe:4: *a directory*status=2" "$out"

# cloister diff on two 800-level trees (it crashed with exit 139)
a=$(scratch) b=$(scratch)
deep=$(printf 'd/%.0s' $(seq 800))
mkdir -p "$a/$deep" "$b/$deep"
echo one >"$a/${deep}f"
echo two >"$b/${deep}f"
out=$("$CLOISTER" diff "$a" "$b" 2>&1; echo "status=$?")
expect_match "cloister diff walks 800 levels and names the difference" "*/d/d/*/d/f: content:*status=1" "$out"
