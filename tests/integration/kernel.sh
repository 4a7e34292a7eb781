# The kernel: the linux recipe compiled once (a checked package: built
# twice, compared), linked with one initramfs cpio and a built-in command
# line (twice, compared, no C compiled), and booted under QEMU.
#
# The compile takes minutes, so it is built once per machine into a
# persistent store, TEST_STORE (tests/run: $CLOISTER_TEST_STORE, default
# /var/tmp/cloister-test-store): the next run, the sanitized one in CI,
# finds it there by its input hash.  The links are cheap and made anew.

home=$TEST_STORE
mkdir -p "$home/downloads/sha256"
# the seed's packages the runner keeps, so that only the kbuild set and the
# kernel's source package come from the network, once
for f in "$SEED_CACHE"/downloads/sha256/*; do
	[ -e "$home/downloads/sha256/${f##*/}" ] || cp "$f" "$home/downloads/sha256/"
done
recipes=$(scratch)
cp -r "$REPO/recipes/." "$recipes/"
cb() {
	"$CLOISTER" "$@" --store "$home" --seed-lock "$REPO/rootfs-seed/seed.lock" \
		--seed-skeleton "$REPO/rootfs-seed/skeleton"
}
now() { date +%s.%N; }
since() { echo "$1 $(now)" | awk '{ printf "%.1f", $2 - $1 }'; }

# seed: a recipe gets the kernel-build set only when it asks
mkdir -p "$recipes/wants-kbuild"
printf 'name: wants-kbuild\nversion: 1\nlicense: MIT\nseed: base kbuild\n' > "$recipes/wants-kbuild/recipe"
cat > "$recipes/wants-kbuild/build" <<'EOF'
umask 022
mkdir -p "$OUT/usr/share"
{ flex --version; bison --version | head -n 1; echo '2^10' | bc; } > "$OUT/usr/share/tools"
EOF
out=$(cb build -r wants-kbuild --recipes "$recipes" 2>&1)
expect "seed: base kbuild gives flex, bison and bc" "flex 2.6.4|bison (GNU Bison) 3.8.2|1024" \
	"$(tr '\n' '|' < "$(echo "$out" | tail -n 1)/out/usr/share/tools" | sed 's/|$//')"
expect_match "...and its inputs name both sets" '*"seed_sets": \["base", "kbuild"\]*' \
	"$(cat "$(echo "$out" | tail -n 1)/inputs.json")"
sed -i '/^seed:/d' "$recipes/wants-kbuild/recipe"
out=$(cb build -r wants-kbuild --recipes "$recipes" 2>&1; echo "status=$?")
expect_match "without it, the build root has no flex" "*flex: not found*status=1" "$out"
printf 'seed: base extra\n' >> "$recipes/wants-kbuild/recipe"
out=$(cb build -r wants-kbuild --recipes "$recipes" 2>&1; echo "status=$?")
expect_match "an unknown seed set is refused at its line" \
	"*wants-kbuild/recipe:4: unknown seed set 'extra' (sets: base, kbuild*status=2" "$out"

# the pin is checked against the archive before the 132 MB are fetched
mkdir -p "$recipes/wrong-pin"
sed -e 's/^name: linux/name: wrong-pin/' -e 's/sha256:[0-9a-f]*/sha256:0000000000000000000000000000000000000000000000000000000000000000/' \
	"$recipes/linux/recipe" > "$recipes/wrong-pin/recipe"
cp "$recipes/linux/build" "$recipes/wrong-pin/"
out=$(cb fetch -r wrong-pin --recipes "$recipes" 2>&1; echo "status=$?")
expect_match "a deb-file pin the archive contradicts is refused, both digests named" \
	"*wrong-pin/recipe:*: the archive's linux-source-6.1 6.1.176-1 has sha256 9305d1a1*, the recipe says 0000*refusing it*status=2" "$out"

# a machine's preflight covers its kernel, which packages.list does not name
out=$(cb fetch --check example --machines "$REPO/machines" --recipes "$recipes" --json 2>/dev/null)
expect "fetch --check MACHINE covers the kernel: its source package and the kernel-build seed set" \
	"flex linux-source-6.1" \
	"$(echo "$out" | jq -r '[.. | objects | select(has("package")) | .package | select(. == "linux-source-6.1" or . == "flex")] | unique | join(" ")')"

# the compile: once per machine, then found by its input hash
t0=$(now)
out=$(cb build -r linux --for example --machines "$REPO/machines" --recipes "$recipes" 2>&1)
st=$?
expect "the linux recipe builds, twice and compared" "0" "$st"
[ "$st" = 0 ] || echo "$out" | tail -n 30
kernel=$(echo "$out" | tail -n 1)
echo "kernel compile (A and B, or found in the store): $(since "$t0") s: $(echo "$out" | grep 'linux 6.1')"
expect "its entry says it was checked and identical" "yes" \
	"$(grep -q '"checked": true' "$kernel/reproducibility.json" && grep -q '"identical": true' "$kernel/reproducibility.json" && echo yes)"
expect_match "its inputs hold the pinned package from the frozen suite, and both seed sets" \
	'*"kind": "deb-file", "package": "linux-source-6.1", "package_version": "6.1.176-1", "path_in_package": "usr/src/linux-source-6.1.tar.xz", "sha256": "9305d1a151b8e83dcb88aa11361e7b9513f0c252bdf7f5647e4542762d99c094"*' \
	"$(tr -d '\n' < "$kernel/inputs.json")"
cfg=$kernel/out/kernel.config
missing=
for want in CONFIG_64BIT=y CONFIG_PRINTK=y CONFIG_TTY=y CONFIG_SERIAL_8250=y CONFIG_SERIAL_8250_CONSOLE=y \
	CONFIG_BLK_DEV_INITRD=y CONFIG_INITRAMFS_FORCE=y CONFIG_BINFMT_ELF=y CONFIG_BINFMT_SCRIPT=y \
	CONFIG_DEVTMPFS=y CONFIG_DEVTMPFS_MOUNT=y CONFIG_PROC_FS=y CONFIG_SYSFS=y CONFIG_ACPI=y CONFIG_PCI=y \
	CONFIG_NET=y CONFIG_UNIX=y CONFIG_INET=y CONFIG_PACKET=y CONFIG_E1000=y CONFIG_VIRTIO_NET=y \
	CONFIG_CMDLINE_BOOL=y CONFIG_CMDLINE_OVERRIDE=y CONFIG_RANDSTRUCT_NONE=y CONFIG_DEBUG_INFO_NONE=y \
	"# CONFIG_MODULES is not set" "# CONFIG_FW_LOADER is not set"; do
	grep -qxF "$want" "$cfg" || missing="$missing [$want]"
done
expect "the resolved configuration is stored with it and has every option asked for" "" "$missing"
expect "the entry holds the configured object tree the link needs" "yes" \
	"$([ -f "$kernel/out/usr/src/linux/build/.config" ] && [ -x "$kernel/out/usr/src/linux/build/tools/objtool/objtool" ] && echo yes)"
echo "the compiled kernel's entry: $(du -sk "$kernel/out" | cut -f1) KiB"
[ "$st" = 0 ] || return 0

# a test initramfs: /init says which cpio it came from, then powers off
cc -static -Os -s -o "$TMPDIR/init" "$REPO/tests/fixtures/kernel/init.c"
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
mkcpio() { # OUT MARKER
	"$MKDEB" --cpio "$1" "d:dev:0755" "c:dev/console:5:1" "d:proc:0755" "F:init:0755:$TMPDIR/init" \
		"f:marker:0644:$2"
}
mkcpio "$TMPDIR/one.cpio" "embedded-one-$nonce"
mkcpio "$TMPDIR/two.cpio" "embedded-two-$nonce with a longer marker"
mkcpio "$TMPDIR/evil.cpio" "EVIL-INITRD-$nonce"
cmdline="console=ttyS0 cloister.test=$nonce"

t0=$(now)
out=$(cb link "$kernel" --initramfs "$TMPDIR/one.cpio" --cmdline "$cmdline" 2>&1)
expect "the kernel links with a cpio and a command line" "0" "$?"
link_s=$(since "$t0")
one=$(echo "$out" | tail -n 1)
expect_match "...linked twice and compared" "*kernel linked twice, identical*" "$out"
bz=$one/out/bzImage
expect "the link's entry has the image and its configuration" "yes" \
	"$([ -s "$bz" ] && [ -s "$one/out/kernel.config" ] && echo yes)"
expect "the configuration names the cpio by its digest" \
	"CONFIG_INITRAMFS_SOURCE=\"/initramfs/$(sha256sum < "$TMPDIR/one.cpio" | cut -d' ' -f1).cpio\"" \
	"$(grep '^CONFIG_INITRAMFS_SOURCE=' "$one/out/kernel.config")"
expect "...and holds the built-in command line" "CONFIG_CMDLINE=\"$cmdline\"" \
	"$(grep '^CONFIG_CMDLINE=' "$one/out/kernel.config")"
# (grep complains, and so fails the check, when there is no log)
expect "the link compiled no C" "" "$(grep -E '^  (CC|HOSTCC|CXX) ' "$one/log" 2>&1)"
expect_match "...but did embed the new initramfs and link vmlinux" "*AS*usr/initramfs_data.o*LD*vmlinux*BUILD*bzImage*" \
	"$(tr '\n' ' ' < "$one/log")"
echo "link (A and B): $link_s s; bzImage: $(stat -c %s "$bz") bytes"

t0=$(now)
out=$(cb link "$kernel" --initramfs "$TMPDIR/one.cpio" --cmdline "$cmdline" 2>&1)
expect "the same kernel, cpio and command line link nothing again" "kernel link cached|$one" \
	"$(echo "$out" | tr '\n' '|' | sed 's/|$//')"
echo "a cached link: $(since "$t0") s"

t0=$(now)
out=$(cb link "$kernel" --initramfs "$TMPDIR/two.cpio" --cmdline "$cmdline" 2>&1)
expect "a changed cpio relinks" "0" "$?"
relink_s=$(since "$t0")
two=$(echo "$out" | tail -n 1)
expect "...into another entry" "yes" "$([ "$two" != "$one" ] && [ -s "$two/out/bzImage" ] && echo yes)"
expect "...compiling no C" "" "$(grep -E '^  (CC|HOSTCC|CXX) ' "$two/log" 2>&1)"
echo "relink after a cpio change (A and B): $relink_s s"

if plain_only "the boots of the linked kernel"; then
	# booting: QEMU's serial console, until the test's /init powers off
	boot() { # IMAGE [QEMU ARGS...]
		_img=$1
		shift
		timeout 120 qemu-system-x86_64 -accel tcg -m 128 -nographic -no-reboot -kernel "$_img" "$@" \
			< /dev/null > "$TMPDIR/boot.out" 2>&1
		_st=$?
		tr -d '\r' < "$TMPDIR/boot.out"
		echo "qemu-status=$_st"
	}
	t0=$(now)
	out=$(boot "$two/out/bzImage")
	echo "boot to the marker and power-off: $(since "$t0") s"
	expect "the image boots and runs the embedded /init" "cloister-test-init: embedded-two-$nonce with a longer marker" \
		"$(echo "$out" | grep '^cloister-test-init:')"
	expect "...with the built-in command line" "cloister-test-cmdline: $cmdline" "$(echo "$out" | grep '^cloister-test-cmdline:')"
	expect "...and poweroff ends QEMU (before the timeout)" "reboot: Power down|qemu-status=0" \
		"$(echo "$out" | grep -E '^reboot: Power down|^qemu-status=' | tr '\n' '|' | sed 's/|$//')"

	out=$(boot "$two/out/bzImage" -append "init=/bin/sh rdinit=/bin/sh")
	expect "a bootloader's command line changes nothing: the embedded /init runs" \
		"cloister-test-init: embedded-two-$nonce with a longer marker" "$(echo "$out" | grep '^cloister-test-init:')"
	expect "...and the kernel's command line is the built-in one" "cloister-test-cmdline: $cmdline" \
		"$(echo "$out" | grep '^cloister-test-cmdline:')"

	out=$(boot "$two/out/bzImage" -initrd "$TMPDIR/evil.cpio")
	expect "a bootloader's initrd cannot replace the embedded initramfs: the embedded /init runs, the initrd's never" \
		"cloister-test-init: embedded-two-$nonce with a longer marker|no EVIL" \
		"$(echo "$out" | grep '^cloister-test-init:')|$(echo "$out" | grep -q EVIL-INITRD && echo EVIL || echo no EVIL)"
fi

# bad input
out=$(cb link "$kernel" --initramfs "$TMPDIR/one.cpio" --cmdline 'console=ttyS0 x="y"' 2>&1; echo "status=$?")
expect_match "a command line the built-in one cannot hold is refused" "*holds a character the built-in command line cannot*status=2" "$out"
out=$(cb link "$kernel" --initramfs "$TMPDIR/one.cpio" --cmdline "$(head -c 2100 /dev/zero | tr '\0' x)" 2>&1; echo "status=$?")
expect_match "...and one too long for x86" "*has 2100 bytes; x86 takes at most 2047*status=2" "$out"
out=$(cb link "$kernel" --initramfs "$TMPDIR/none.cpio" 2>&1; echo "status=$?")
expect_match "a missing initramfs is named" "*none.cpio: No such file or directory*status=2" "$out"
out=$(cb link "$TMPDIR" --initramfs "$TMPDIR/one.cpio" 2>&1; echo "status=$?")
expect_match "a folder that is no compiled kernel is refused" "*not a compiled kernel*status=2" "$out"

# the persistent store keeps only what the next run can use: this
# kernel, not this run's links nor kernels of older recipes
for e in "$home"/store/*-linux-* "$home"/store/*-wants-kbuild-*; do
	[ -d "$e" ] && [ "$e" != "$kernel" ] || continue
	chmod -R u+w "$e" && rm -rf "$e"
done
