# `cloister build MACHINE`: the packages, then the initramfs assembled into
# output/machines/MACHINE/ (cpio and listing), read back with GNU cpio.

store=$(new_store)
recipes=$(scratch)
machines=$(scratch)
work=$(scratch)
cp -r "$REPO/tests/fixtures/recipes/image-base" "$REPO/tests/fixtures/recipes/image-extra" "$recipes/"
cp -r "$REPO/tests/fixtures/machines/tiny" "$machines/"
cm() {
	(cd "$work" && "$CLOISTER" "$@" --store "$store" --recipes "$recipes" --machines "$machines" \
		--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton")
}
cpio_file="$work/output/machines/tiny/initramfs.cpio"
list_file="$work/output/machines/tiny/initramfs.list"
member() { cpio -i --quiet --to-stdout "$1" <"$cpio_file"; }

out=$(cm build --initramfs-only tiny 2>"$work/err"; echo "status=$?")
expect "build MACHINE builds its packages and prints the output folder last" \
	"output/machines/tiny status=0" "$(echo "$out" | tail -n 2 | tr '\n' ' ' | sed 's/ $//')"
expect_match "...after the store entry of each listed package" "$store/store/*-image-extra-1" \
	"$(echo "$out" | head -n 1)"
expect_match "...each package twice, the runtime depends included" \
	"*image-base 1 built twice, identical*" "$(cat "$work/err")"
expect_match "...and the one listed" "*image-extra 1 built twice, identical*" "$(cat "$work/err")"
expect_match "...then assembles the initramfs" "*\[image] tiny initramfs assembled: * entries, * bytes*" \
	"$(cat "$work/err")"
expect "the cpio and the listing are written relative to the working directory" "yes yes" \
	"$([ -f "$cpio_file" ] && echo yes) $([ -f "$list_file" ] && echo yes)"
expect "GNU cpio reads it as newc" "070701" "$(head -c 6 "$cpio_file")"

names=$(cpio -it --quiet <"$cpio_file")
expect "every name is in sorted order, parents first" "" \
	"$(printf '%s\n' "$names" | LC_ALL=C sort -c 2>&1)"
expect "/init, /dev/console and the contents' device node are there" "dev/console dev/ttyS0 init" \
	"$(printf '%s\n' "$names" | grep -x -e init -e dev/console -e dev/ttyS0 | tr '\n' ' ' | sed 's/ $//')"
expect "README, README.*, *.disabled and a package's initramfs.contents are never copied" "" \
	"$(printf '%s\n' "$names" | grep -e README -e disabled -e '^initramfs.contents$')"

# owners, modes and devices as cpio -itv shows them, without any chown or mknod
tv=$(cpio -itv --quiet --numeric-uid-gid <"$cpio_file")
expect_match "/dev/console is a character device 5,1 owned by root" \
	"crw-------*0*0*5,*1*dev/console" "$(printf '%s\n' "$tv" | grep ' dev/console$')"
expect_match "initramfs.contents sets /dev/ttyS0's group and numbers" \
	"crw-rw----*0*5*4,*64*dev/ttyS0" "$(printf '%s\n' "$tv" | grep ' dev/ttyS0$')"
expect_match "...a directory's owner (uid 1000)" "drwx------*1000*1000*home/user" \
	"$(printf '%s\n' "$tv" | grep ' home/user$')"
expect_match "...a package's own contents line (/tmp 1777)" "drwxrwxrwt*0*0*tmp" \
	"$(printf '%s\n' "$tv" | grep ' tmp$')"
expect_match "...a key from the machine's folder, 0400" "-r--------*0*0*etc/ssh/host.key" \
	"$(printf '%s\n' "$tv" | grep ' etc/ssh/host.key$')"
expect "every mtime is the epoch (the recipes' source-date-epoch, 2023-06-10)" "0" \
	"$(printf '%s\n' "$tv" | grep -vc 'Jun 10  2023')"
expect "the hard link stays one inode of two names" "2 2" \
	"$(printf '%s\n' "$tv" | grep -e ' usr/bin/tool$' -e ' usr/bin/tool-link$' | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"

# combining
expect "passwd: merged by name, the later package overrides" \
	"root:x:0:0:root:/root:/bin/ash daemon:x:1:1:daemon:/:/bin/false" "$(member etc/passwd | tr '\n' ' ' | sed 's/ $//')"
expect "default: lines sorted, \${NAME} from networking.config" \
	"127.0.0.1 localhost|127.0.1.1 tiny.example.test tiny|" "$(member etc/hosts | tr '\n' '|')"
expect "nosort: in name order; the machine overrides a package's snippet by its name" \
	"welcome to tiny|the machine overrides image-base snippet by its name|from image-extra|" \
	"$(member etc/motd | tr '\n' '|')"
expect_match "shadow: mode 0600" "-rw-------*etc/shadow" "$(printf '%s\n' "$tv" | grep ' etc/shadow$')"
expect "nocombine: no /etc/profile, the snippet as it is" "no export PS1=\"\${HOSTNAME}# \"" \
	"$(printf '%s\n' "$names" | grep -qx etc/profile && echo yes || echo no) $(member etc/profile.d/ps1.sh)"

# the listing
expect_match "the listing is gen_init_cpio syntax, every entry" \
	"*nod /dev/console 0600 0 0 c 5 1*file /etc/ssh/host.key etc/ssh/host.key 0400 0 0*slink /init sbin/init 0777 0 0*" \
	"$(cat "$list_file" | tr '\n' ' ')"
expect "...one line per inode" "$(printf '%s\n' "$names" | grep -vc '^usr/bin/tool-link$')" \
	"$(grep -vc '^#' "$list_file")"
expect "...naming nothing of the build host" "" "$(grep -e "$store" -e "$TMPDIR" "$list_file")"

# an unchanged machine assembles nothing; output identical, untouched
cp "$cpio_file" "$work/first.cpio"
before=$(ls -i "$cpio_file")
out=$(cm build --initramfs-only tiny 2>&1; echo "status=$?")
expect_match "a second build re-assembles nothing" "*image-base 1 cached*image-extra 1 cached*\[image] tiny initramfs cached*status=0" "$out"
expect "...and leaves the output as it was" "$before" "$(ls -i "$cpio_file")"
# the same inputs elsewhere, under another umask: bit for bit
rm -rf "$work/output"
out=$( (umask 077; cm build --initramfs-only tiny) 2>&1; echo "status=$?")
expect "installed again under umask 077: identical bytes" "same" "$(cmp -s "$work/first.cpio" "$cpio_file" && echo same)"
expect_match "...mode 0644 all the same" "-rw-r--r--*" "$(ls -l "$cpio_file")"

# a changed machine file is a new assembly
echo "extra line" >>"$machines/tiny/settings/initramfs/etc/motd.d/00.tiny.motd"
out=$(cm build --initramfs-only tiny 2>&1; echo "status=$?")
expect_match "a changed machine file re-assembles (packages cached)" "*image-extra 1 cached*\[image] tiny initramfs assembled*status=0" "$out"
expect "...and the image has it" "welcome to tiny|extra line|" "$(member etc/motd | head -n 2 | tr '\n' '|')"

# bad input: exit 2, the file and line, nothing written
cp "$cpio_file" "$work/good.cpio"
printf '${nope}\n' >"$machines/tiny/settings/initramfs/etc/hosts.d/60.bad.hosts"
out=$(cm build --initramfs-only tiny 2>&1; echo "status=$?")
expect_match "an undefined \${NAME} names the snippet and line: exit 2" \
	"*/etc/hosts.d/60.bad.hosts (from machines/tiny/settings/initramfs):1: \${nope} is not defined*status=2" "$out"
rm "$machines/tiny/settings/initramfs/etc/hosts.d/60.bad.hosts"
printf 'dir /x 0755 0\n' >>"$machines/tiny/settings/initramfs.contents"
out=$(cm build --initramfs-only tiny 2>&1; echo "status=$?")
expect_match "a bad contents line: FILE:LINE, exit 2" \
	"*tiny/settings/initramfs.contents:6: expected 'dir NAME MODE UID GID', found 3 fields*status=2" "$out"
sed -i '$d' "$machines/tiny/settings/initramfs.contents"
mkdir -p "$machines/tiny/settings/initramfs/usr/bin"
printf 'x\n' >"$machines/tiny/settings/initramfs/usr/bin/su"
chmod 4755 "$machines/tiny/settings/initramfs/usr/bin/su"
out=$(cm build --initramfs-only tiny 2>&1; echo "status=$?")
expect_match "a setuid file is refused by name: exit 2" \
	"*/usr/bin/su (from machines/tiny/settings/initramfs) is set-user-id (mode 4755)*status=2" "$out"
expect "...and the output is the last good one" "same" "$(cmp -s "$work/good.cpio" "$cpio_file" && echo same)"
rm "$machines/tiny/settings/initramfs/usr/bin/su"
rm "$machines/tiny/settings/networking.config"
out=$(cm build --initramfs-only tiny 2>&1; echo "status=$?")
expect_match "an image needs networking.config: exit 2" "*networking.config: missing*status=2" "$out"
