# The recipes a machine is made of, as their settings drive them: the
# filesystem's root password (a salted SHA-512 hash or no root login; a
# plain password never reaches /etc/shadow) and tree, and busybox's
# policy, which a machine's busybox.mk cannot undo.

store=$(new_store)
recipes=$(scratch)
machines=$(scratch)
work=$(scratch)
cp -r "$REPO/recipes/filesystem" "$REPO/recipes/busybox" "$recipes/"
# the filesystem's build alone: its run-time dependency on busybox would
# build busybox too
sed -i '/^depends:/d' "$recipes/filesystem/recipe"
cm() {
	(cd "$work" && "$CLOISTER" "$@" --store "$store" --recipes "$recipes" --machines "$machines" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton")
}
machine() {  # NAME RECIPE: a machine of one recipe, with an image's settings
	rm -rf "${machines:?}/$1"
	mkdir -p "$machines/$1/settings" "$machines/$1/package-configurations"
	echo "$2" >"$machines/$1/settings/packages.list"
	echo "machine_architecture='x86_64'" >"$machines/$1/settings/architecture.config"
	echo "machine_hostname='$1'" >"$machines/$1/settings/networking.config"
}
entry() { echo "$1" | grep -- "-$2-[0-9.]*\$" | tail -n 1; }

machine nopass filesystem
out=$(cm build --initramfs-only nopass 2>&1; echo "status=$?")
expect_match "a machine without root_password_hash builds" "*status=0" "$out"
fs=$(entry "$out" filesystem)
expect "...and root cannot log in (no password matches '!')" "root:!::0:99999:7:::" \
	"$(grep '^root:' "$fs/out/etc/shadow.d/00.filesystem.shadow")"
expect "...nor nobody" "nobody:!::0:99999:7:::" "$(grep '^nobody:' "$fs/out/etc/shadow.d/00.filesystem.shadow")"
expect "/init is busybox init" "usr/sbin/init" "$(readlink "$fs/out/init")"
expect "/bin and /sbin are /usr's" "usr/bin usr/sbin" "$(readlink "$fs/out/bin") $(readlink "$fs/out/sbin")"
expect "ifup's hook folders exist (busybox ifup fails an interface without them)" "4" \
	"$(ls -d "$fs/out/etc/network/if-"*.d | wc -l)"
expect "rcS and rcK are executable" "yes" "$([ -x "$fs/out/usr/sbin/rcS" ] && [ -x "$fs/out/usr/sbin/rcK" ] && echo yes)"
expect_match "rcS mounts /proc with hidepid=2" "*mount -t proc -o nosuid,nodev,noexec,hidepid=2 proc /proc*" \
	"$(cat "$fs/out/usr/sbin/rcS")"
expect_match "the combine rules cover passwd, shadow (0600), inittab and the interfaces" \
	"*/etc passwd 0644 passwd*/etc shadow 0600 shadow*/etc inittab 0644 nosort*/etc/network interfaces 0644 nosort*" \
	"$(tr '\n' ' ' <"$fs/out/etc/combine.d/filesystem.combine")"
expect "the host name is the machine's, substituted at assembly" '${machine_hostname}' \
	"$(cat "$fs/out/etc/hostname.d/00.filesystem.hostname")"
expect "the modes the store cannot keep are contents lines" "dir /tmp 1777 0 0|dir /root 0700 0 0|" \
	"$(grep -v '^#' "$fs/out/initramfs.contents" | tr '\n' '|')"
expect "TMOUT is read-only in login shells" "TMOUT=300|readonly TMOUT|" \
	"$(grep TMOUT "$fs/out/etc/profile" | grep -v '^#' | grep -v export | tr '\n' '|')"
expect "root logs in on consoles, never on a pseudo-terminal" "0" \
	"$(cat "$fs/out/etc/securetty.d/"* | grep -c pts)"
cpio="$work/output/machines/nopass/initramfs.cpio"
expect "the image's /etc/shadow is root's alone" "file /etc/shadow etc/shadow 0600 0 0" \
	"$(grep '^file /etc/shadow ' "$work/output/machines/nopass/initramfs.list")"
expect "...and says root cannot log in" "root:!::0:99999:7:::" \
	"$(cd "$(scratch)" && cpio -id --quiet etc/shadow <"$cpio" && grep '^root:' etc/shadow)"

machine withpass filesystem
hash='$6$boottestsalt$IR.KVjzmaxHR6p4MpvDjavtDVTQSjtc0ZQt3JVEy4QQvxIHSgO.u3thLtuKeJgSAOYWtWvNFsMtf8yVI1NEJK1'
printf "root_password_hash='%s'\n" "$hash" >"$machines/withpass/package-configurations/filesystem.config"
out=$(cm build --initramfs-only withpass 2>&1; echo "status=$?")
expect "a SHA-512 hash is root's password" "root:$hash::0:99999:7:::" \
	"$(grep '^root:' "$(entry "$out" filesystem)/out/etc/shadow.d/00.filesystem.shadow")"
printf "root_password_hash='\$6\$rounds=10000\$boottestsalt\$%s'\n" "${hash##*\$}" \
	>"$machines/withpass/package-configurations/filesystem.config"
out=$(cm build --initramfs-only withpass 2>&1; echo "status=$?")
expect_match "...with rounds= too" "*status=0" "$out"

refused() {  # NAME VALUE: the build must refuse root_password_hash=VALUE
	machine bad filesystem
	printf "root_password_hash='%s'\n" "$2" >"$machines/bad/package-configurations/filesystem.config"
	_before=$(ls "$store/store" | grep -c -- '-filesystem-1$')
	out=$(cm build --initramfs-only bad --no-check 2>&1; echo "status=$?")
	expect_match "$1 is refused" "*root_password_hash is not a salted SHA-512 crypt hash*openssl passwd -6*status=1" "$out"
	expect "...and nothing is stored" "$_before" "$(ls "$store/store" | grep -c -- '-filesystem-1$')"
}
refused "a plain text password" "hunter2"
refused "an MD5 crypt hash" '$1$salt$9GHNWvCB1UrDZjPi7uags0'
refused "a salt longer than 16" '$6$abcdefghijklmnopq$IR.KVjzmaxHR6p4MpvDjavtDVTQSjtc0ZQt3JVEy4QQvxIHSgO.u3thLtuKeJgSAOYWtWvNFsMtf8yVI1NEJK1'
refused "a truncated hash" '$6$boottestsalt$IR.KVjzmaxHR6p4MpvDjavtDVTQSjtc0ZQt3JVEy'
refused "a shadow field separator" '$6$boottestsalt$IR.KVjzmaxHR6p4MpvDjavtDVTQSjtc0ZQt3JVEy4QQvxIHSgO.u3thLtuKeJgSAOYWtWvNFsMtf8yVI1NEJ:.'

# busybox: the policy holds against the machine's fragment; a setting that
# does not hold names its line (the build stops before compiling)
machine bb busybox
printf '# the machine wants su back\nCONFIG_SU=y\n' >"$machines/bb/package-configurations/busybox.mk"
out=$(cm build --initramfs-only bb --no-check 2>&1; echo "status=$?")
expect_match "a busybox.mk cannot turn su back on" \
	"*/recipe/files/policy.mk:*# CONFIG_SU is not set*did not hold: the configuration has \"CONFIG_SU=y\"*status=1" "$out"
printf 'CONFIG_FEATURE_EDITING=y\nCONFIG_NO_SUCH_APPLET=y\n' >"$machines/bb/package-configurations/busybox.mk"
out=$(cm build --initramfs-only bb --no-check 2>&1; echo "status=$?")
expect_match "an unknown symbol in busybox.mk names its file and line" \
	"*/machine/busybox.mk:2: \"CONFIG_NO_SUCH_APPLET=y\" did not hold*status=1" "$out"
expect "...and nothing is stored" "" "$(ls "$store/store" | grep -- '-busybox-')"
