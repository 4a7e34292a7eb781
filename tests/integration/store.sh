# The store's promises: what an entry records is what was built, entries
# are checked whole, and concurrent users and interruptions break nothing.

store=$(new_store)
recipes=$(scratch)
cp -r "$REPO/recipes/hello" "$recipes/"
cb() {
	"$CLOISTER" "$@" --store "$store" --recipes "$recipes" -q \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton"
}
# recipe NAME [FIELD...] < BUILD: a recipe folder with that build script
recipe() {
	_n=$1
	shift
	mkdir -p "$recipes/$_n"
	printf 'name: %s\nversion: 1\nlicense: MIT\n' "$_n" >"$recipes/$_n/recipe"
	for _f in "$@"; do printf '%s\n' "$_f" >>"$recipes/$_n/recipe"; done
	cat >"$recipes/$_n/build"
}

# --- what an entry records ---------------------------------------------

# inode flags set in $OUT (chattr +d +A +S, which any owner may set) would
# persist in the store unseen by the comparator and the manifest: they are
# cleared before both
recipe inode-flags <<'EOF'
umask 022
mkdir -p "$OUT/dir"
echo x > "$OUT/dir/file"
cat > flags.c <<'EOC'
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY), f = 0;
		if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &f) < 0)
			return 1;
		/* nodump and noatime every filesystem with flags has; sync not all */
		f |= FS_NODUMP_FL | FS_NOATIME_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &f) < 0)
			return 2;
		f |= FS_SYNC_FL;
		ioctl(fd, FS_IOC_SETFLAGS, &f);
	}
	return 0;
}
EOC
cc -o flags flags.c
./flags "$OUT/dir/file" "$OUT/dir"
EOF
out=$(cb build -r inode-flags 2>&1; echo "status=$?")
expect "a build that sets inode flags in \$OUT is published" "status=0" "$(echo "$out" | tail -n 1)"
entry=$(echo "$out" | tail -n 2 | head -n 1)
expect "...without the flags" "" \
	"$(lsattr -d "$entry/out/dir" "$entry/out/dir/file" 2>&1 | cut -d' ' -f1 | tr -cd 'dAS\n' | tr -d '\n')"

# cloister verify checks every file of an entry, not only out/
out=$(cb build -r hello 2>&1; echo "status=$?")
hello=$(echo "$out" | tail -n 2 | head -n 1)
out=$("$CLOISTER" verify --store "$store" 2>&1; echo "status=$?")
expect_match "verify passes on sound entries" "*ok  *-hello-1.0*status=0" "$out"
for f in inputs.json log reproducibility.json manifest output-hash; do
	mv "$hello/$f" "$TMPDIR/saved"
	out=$("$CLOISTER" verify --store "$store" 2>&1; echo "status=$?")
	expect_match "verify finds an entry without its $f" "*BAD *-hello-1.0: *$f*status=1" "$out"
	mv "$TMPDIR/saved" "$hello/$f"
done
for f in inputs.json log; do
	cp -p "$hello/$f" "$TMPDIR/saved"
	chmod u+w "$hello/$f"
	echo tampered >>"$hello/$f"
	out=$("$CLOISTER" verify --store "$store" 2>&1; echo "status=$?")
	expect_match "verify finds a changed $f" "*BAD *-hello-1.0: *$f*status=1" "$out"
	rm -f "$hello/$f"
	mv "$TMPDIR/saved" "$hello/$f"
done
echo x >"$hello/stray"
out=$("$CLOISTER" verify --store "$store" 2>&1; echo "status=$?")
expect_match "verify finds a file an entry should not have" "*BAD *-hello-1.0: *stray*status=1" "$out"
rm -f "$hello/stray"
out=$("$CLOISTER" verify --store "$store" 2>&1; echo "status=$?")
expect_match "...and passes once the entry is whole again" "*ok  *-hello-1.0*status=0" "$out"

# --- the input hash says what the build read -----------------------------

# the recipe folder edited while the build runs: the build reads the
# snapshot whose bytes were hashed, not the live folder
recipe edit-during "source: file files/data sha256:$(printf 'original\n' | sha256sum | cut -d' ' -f1)" <<'EOF'
umask 022
echo "edit-during started"
sleep 3
mkdir -p "$OUT"
cp /recipe/files/data "$OUT/data"
cat data > "$OUT/source"
EOF
mkdir -p "$recipes/edit-during/files"
printf 'original\n' >"$recipes/edit-during/files/data"
cb build -r edit-during --no-check >"$TMPDIR/edit.out" 2>&1 &
pid=$!
i=0
while [ "$i" -lt 100 ] && ! grep -qs "edit-during started" "$store"/store/.tmp-*/log; do sleep 0.1; i=$((i + 1)); done
printf 'changed\n' >"$recipes/edit-during/files/data"
wait "$pid"
expect "a build whose recipe folder is edited while it runs finishes" "0" "$?"
entry=$(tail -n 1 "$TMPDIR/edit.out")
expect "...having read the folder as it was hashed" "original original" \
	"$(cat "$entry/out/data" "$entry/out/source" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
expect_match "...which is what its inputs.json says" \
	"*\"/files/data\"*\"sha256\": \"$(printf 'original\n' | sha256sum | cut -d' ' -f1)\"*" "$(cat "$entry/inputs.json")"
printf 'original\n' >"$recipes/edit-during/files/data"

# the snapshot keeps a checkout's modes: a build may copy /recipe with cp -a
# and write into the copy
recipe copies-recipe <<'EOF'
umask 022
mkdir -p "$OUT"
cp -a /recipe/files/. "$OUT/"
mkdir "$OUT/etc/more"
echo ok > "$OUT/etc/more/file"
EOF
mkdir -p "$recipes/copies-recipe/files/etc"
echo x >"$recipes/copies-recipe/files/etc/x"
out=$(cb build -r copies-recipe 2>&1; echo "status=$?")
expect "a build that copies /recipe with cp -a can write into the copy" "status=0" "$(echo "$out" | tail -n 1)"

# the wrapper and build A's environment are inputs, with their values
j=$(cat "$hello/inputs.json")
expect_match "inputs.json has the wrapper's digest" '*"wrapper_sha256": "[0-9a-f]*"*' "$j"
expect_match "...and build A's environment, every variable with its value" \
	'*"environment": \[*"PATH=/*"*"CFLAGS=-O2"*"SOURCE_DATE_EPOCH=1686355200"*' "$j"
expect_match "...and its conditions" '*"conditions": {"hostname": "cloister", "uid": 1000*' "$j"
out=$(cb build -r hello -j 1 2>&1)
expect "the job count is not an input (build B runs with one)" "$hello" "$(echo "$out" | tail -n 1)"

# --- concurrent users ----------------------------------------------------

# a stage belongs to the build that holds its lock, for the stage's whole
# life: gc in a loop, or other builds starting on the same store, must
# never take one from under a running build
recipe takes-a-while <<'EOF'
umask 022
sleep 2
mkdir -p "$OUT/usr/share"
echo done > "$OUT/usr/share/takes-a-while"
EOF
rm -f "$TMPDIR/stop"
( while [ ! -e "$TMPDIR/stop" ]; do "$CLOISTER" gc -q --store "$store" >/dev/null 2>&1; done ) &
gc_loop=$!
ok=0
for i in 1 2 3; do
	cb check -r takes-a-while >"$TMPDIR/check.out" 2>&1 && ok=$((ok + 1))
done
touch "$TMPDIR/stop"
wait "$gc_loop"
expect "3 double builds while gc runs in a loop all succeed" "3" "$ok"
[ "$ok" = 3 ] || cat "$TMPDIR/check.out"
cb check -r takes-a-while >"$TMPDIR/check.out" 2>&1 &
long=$!
starts=0
while kill -0 "$long" 2>/dev/null; do
	cb build -r hello >/dev/null 2>&1
	starts=$((starts + 1))
done
wait "$long"
expect "...and one while other builds start on the same store ($starts of them)" "0" "$?"
expect "no stage is left behind" "" "$(ls -A "$store/store" | grep '^\.tmp-')"

# --- what interrupted builds leave -----------------------------------------

# gc removes the folders of killed downloads and dead stages, even with
# directories a build made unreadable (mode 0300), and only dead ones
mkdir -p "$store/tmp/source.dead01" "$store/tmp/source.live01" "$store/store/.tmp-dead01/build/d/e" \
	"$store/store/.tmp-live01/out"
echo x >"$store/store/.tmp-dead01/build/d/e/f"
chmod 0300 "$store/store/.tmp-dead01/build/d"
chmod 0000 "$store/store/.tmp-dead01/build/d/e"
flock "$store/tmp/source.live01" flock "$store/store/.tmp-live01" sleep 3 &
holder=$!
sleep 0.5
out=$("$CLOISTER" gc --store "$store" 2>&1; echo "status=$?")
expect_match "gc removes a dead stage with mode-0300 directories, and a killed download's folder" \
	"*1 dead stage, 1 dead download folder*status=0" "$out"
expect "...and leaves the live ones" ".tmp-live01 source.live01" \
	"$(ls -A "$store/store" | grep '^\.tmp-') $(ls "$store/tmp" | grep '^source\.')"
wait "$holder"
out=$("$CLOISTER" gc --store "$store" 2>&1; echo "status=$?")
expect_match "...until their owner is gone" "*1 dead stage, 1 dead download folder*status=0" "$out"

# a build that leaves a mode-0300 directory in /build succeeds: its
# stage is removed whole
recipe unreadable-dir <<'EOF'
umask 022
mkdir -p locked/inner
echo x > locked/inner/file
chmod 0300 locked
chmod 0000 locked/inner
mkdir -p "$OUT/usr/share"
echo ok > "$OUT/usr/share/unreadable-dir"
EOF
out=$(cb build -r unreadable-dir 2>&1; echo "status=$?")
expect "a build that leaves a mode-0300 directory in /build is published" "status=0" "$(echo "$out" | tail -n 1)"
expect "...and leaves no stage behind" "" "$(ls -A "$store/store" | grep '^\.tmp-')"

# source archives keep their own mtimes (part of the pinned source): an
# autotools package whose generated files must stay newer than their
# inputs, stored before them in the tarball
s=$(scratch)
"$MKDEB" --tar "$s/auto.tar.xz" "d:./auto-1/@1500000000:0755" \
	"f:./auto-1/configure@1500000200:0755:#!/bin/sh" "f:./auto-1/Makefile.in@1500000200:0644:all:" \
	"f:./auto-1/configure.ac@1500000100:0644:AC_INIT" "f:./auto-1/Makefile.am@1500000100:0644:#"
recipe autotools-like "source: cache auto-1.tar.xz sha256:$(sha256sum <"$s/auto.tar.xz" | cut -d' ' -f1)" <<'EOF'
umask 022
mkdir -p "$OUT/usr/share"
stat -c '%n %Y' configure configure.ac Makefile.in Makefile.am > "$OUT/usr/share/mtimes"
[ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] || {
	echo "a generated file is not newer than its input: make would regenerate it"; exit 1; }
EOF
mkdir -p "$store/downloads/sha256"
cp "$s/auto.tar.xz" "$store/downloads/sha256/$(sha256sum <"$s/auto.tar.xz" | cut -d' ' -f1)"
out=$(cb build -r autotools-like 2>&1; echo "status=$?")
expect "an autotools-style source builds twice: its generated files stay newer" "status=0" "$(echo "$out" | tail -n 1)"
expect "...with the archive's own mtimes" "configure 1500000200 configure.ac 1500000100 Makefile.in 1500000200 Makefile.am 1500000100" \
	"$(cat "$(echo "$out" | tail -n 2 | head -n 1)/out/usr/share/mtimes" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
