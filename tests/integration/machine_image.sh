# The main job end to end: machines/example, exactly as committed, built
# into one signed kernel image with its initramfs and command line built
# in, verified, and booted under QEMU (TCG) from the image alone: directly
# and over PXE; the bootloader's command line and initrd cannot change the
# machine.  The packages, the kernel compile and the link live in the
# persistent TEST_STORE, so CI's second (sanitized) run builds nothing.

home=$TEST_STORE
mkdir -p "$home/downloads/sha256"
for f in "$SEED_CACHE"/downloads/sha256/*; do
	[ -e "$home/downloads/sha256/${f##*/}" ] || cp "$f" "$home/downloads/sha256/"
done
machines=$(scratch)
work=$(scratch)
cp -r "$REPO/machines/example" "$machines/"
rm -rf "$machines/example/code-signing"
cm() {
	(cd "$work" && "$CLOISTER" "$@" --machines "$machines" --output "$work/output")
}
cb() {
	cm "$@" --store "$home" --recipes "$REPO/recipes" --seed-lock "$REPO/rootfs-seed/seed.lock" \
		--seed-skeleton "$REPO/rootfs-seed/skeleton"
}

out=$(cb build example 2>&1; echo "status=$?")
expect_match "cloister build example builds the image" "*status=0" "$out"
o="$work/output/machines/example"
expect_match "...the kernel linked twice, identical (or found by its input hash)" \
	"*example kernel link* *" "$(echo "$out" | grep 'kernel link')"
expect_match "...and signed" "*\[image\] example signed: sha256 *" "$out"
for f in example.vmlinuz example.vmlinuz.sig example.vmlinuz.sha256 initramfs.cpio initramfs.list \
	kernel.config reproducibility.json; do
	expect "output: $f" "yes" "$([ -s "$o/$f" ] && echo yes || echo no)"
done
expect "the image is one bzImage" "HdrS" "$(dd if="$o/example.vmlinuz" bs=1 skip=514 count=4 2>/dev/null)"
sha=$(sha256sum < "$o/example.vmlinuz" | cut -d' ' -f1)
expect "example.vmlinuz.sha256 is its digest" "$sha  example.vmlinuz" "$(cat "$o/example.vmlinuz.sha256")"
published=$(sed -n 's/^example\.vmlinuz sha256: \([0-9a-f]\{64\}\)$/\1/p' "$REPO/README.md")
expect "the image is the one README.md publishes: the same bytes on every machine" "$published" "$sha"
expect "reproducibility.json: every package and the kernel checked" "true true" \
	"$(jq -r '[.checked, ([.packages[].checked] | all)] | map(tostring) | join(" ")' "$o/reproducibility.json")"
expect "...the kernel, built for the machine" "linux" "$(jq -r '.packages[] | select(.role == "kernel") | .name' "$o/reproducibility.json")"
expect "kernel.config: 64-bit, the command line overriding the bootloader's, the initramfs forced" \
	"CONFIG_64BIT=y CONFIG_CMDLINE_OVERRIDE=y CONFIG_INITRAMFS_FORCE=y" \
	"$(grep -E '^CONFIG_(64BIT|CMDLINE_OVERRIDE|INITRAMFS_FORCE)=' "$o/kernel.config" | sort | tr '\n' ' ' | sed 's/ $//')"

out=$(cb build example 2>&1)
expect_match "an unchanged machine links nothing again" "*example initramfs cached*example kernel link cached*" "$out"

out=$(cm verify example 2>&1; echo "status=$?")
expect_match "cloister verify example: the signature and the store's image" "*status=0" "$out"
cert="$machines/example/code-signing/example.vmlinuz.certificate.pem"
expect "the standard check: openssl cms -verify ... -purpose any" "0" \
	"$(openssl cms -verify -binary -inform DER -in "$o/example.vmlinuz.sig" -content "$o/example.vmlinuz" \
		-CAfile "$cert" -purpose any -out /dev/null 2>/dev/null; echo $?)"

pw=cloister-example
boot_login() {
	# $1: a name for the assertions; the rest: boot options
	_what=$1
	shift
	cm boot example "$@" --timeout 300 \
		--expect "example login:" --send root --expect "Password:" --send "$pw" --expect "# " \
		--send 'echo "UNAME:$(uname -a)"; echo "CMDLINE:$(cat /proc/cmdline)"; echo "INIT:$(tr "\0" " " </proc/1/cmdline)"' \
		--send 'i=0; while [ $i -lt 60 ] && ! ip -4 addr show eth0 2>&1 | grep -q "inet "; do sleep 1; i=$((i+1)); done' \
		--send 'echo "ETH0:$(ip -4 addr show eth0 | grep -o "inet [0-9.]*")"; echo "SUID:$(find / -perm -4000 2>/dev/null | wc -l)"' \
		--send 'echo "EVIL:$(cat /evil 2>/dev/null)"; echo "END-$((6 * 7))"' \
		--expect "END-42" --send poweroff --expect-exit 2>&1
	echo "status=$?"
}
answer() { printf '%s\n' "$1" | tr -d '\r' | sed -n "s/^$2://p" | tail -n 1; }

started=$(date +%s)
out=$(boot_login direct)
expect_match "boot: the image alone reaches the banner and the login prompt, root logs in, poweroff ends QEMU" \
	"*example: a cloister machine*example login:*status=0" "$out"
echo "booted, logged in and powered off in $(($(date +%s) - started)) s under TCG"
expect_match "uname -a shows the machine's kernel" "Linux example 6.1.176 *x86_64*" "$(answer "$out" UNAME)"
expect_match "/proc/cmdline is the built-in one" "console=ttyS0*" "$(answer "$out" CMDLINE)"
expect_match "eth0 got its address from QEMU's DHCP" "inet 10.0.2.15" "$(answer "$out" ETH0)"
expect "no setuid file" "0" "$(answer "$out" SUID)"

if plain_only "the PXE boot and the bootloader's attacks on the image"; then
	out=$(boot_login pxe --pxe)
	expect_match "boot --pxe: DHCP, TFTP of the script and the image, the login prompt" "*example login:*status=0" "$out"
	expect_match "...and the same kernel" "Linux example 6.1.176 *" "$(answer "$out" UNAME)"

	# the bootloader's attempts to change the machine
	out=$(boot_login append --append "init=/bin/sh rdinit=/bin/sh")
	expect_match "-append init=/bin/sh: the machine's own init and login still run" "*example login:*status=0" "$out"
	expect "...and the command line is still the built-in one" "$(jq -r .link.command_line "$o/reproducibility.json")" \
		"$(answer "$out" CMDLINE)"
	evil=$(scratch)
	mkdir -p "$evil/root"
	printf '#!/bin/sh\necho EVIL-INIT-RAN\nexec /bin/sh\n' > "$evil/root/init"
	chmod 755 "$evil/root/init"
	echo planted > "$evil/root/evil"
	(cd "$evil/root" && find . | cpio -o -H newc --quiet > "$evil/evil.cpio")
	out=$(boot_login initrd --initrd "$evil/evil.cpio")
	expect_match "-initrd evil.cpio: the embedded initramfs wins, the machine's login runs" "*example login:*status=0" "$out"
	expect "...the evil /init never ran" "" "$(printf '%s\n' "$out" | grep -c 'EVIL-INIT-RAN' | sed 's/^0$//')"
	expect "...and none of its files was unpacked" "" "$(answer "$out" EVIL)"
fi
