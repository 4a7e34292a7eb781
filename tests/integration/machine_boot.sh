# End to end: a test machine (machines/example with its own hostname and
# root password) built like `cloister build example` (every package twice,
# compared, then the initramfs), booted under QEMU (TCG) with Debian's
# kernel (tests/fixtures/test-kernel/kernel.lock, fetched into the
# download cache by the runner's preflight) on a serial console driven
# through FIFOs: banner, login prompt, a refused wrong password, root's
# login, what the machine promises, its network once the NIC driver is
# loaded, and poweroff ending QEMU by itself.

# the persistent store of the image tests: busybox for the example's
# settings is built once per machine, here or by machine_image.sh
store=$TEST_STORE
mkdir -p "$store/downloads/sha256"
for f in "$SEED_CACHE"/downloads/sha256/*; do
	[ -e "$store/downloads/sha256/${f##*/}" ] || cp "$f" "$store/downloads/sha256/"
done
machines=$(scratch)
work=$(scratch)
cp -r "$REPO/machines/example" "$machines/boot-test"
m="$machines/boot-test"
sed -i "s/^machine_hostname=.*/machine_hostname='boot-test'/" "$m/settings/networking.config"
password="test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
hash=$(openssl passwd -6 "$password")
printf "# the boot test's root password, made for this run\nroot_password_hash='%s'\n" "$hash" \
	> "$m/package-configurations/filesystem.config"

# Debian's kernel has its NIC drivers as modules: the test machine carries
# e1000's, so that the network rcS and udhcpc's hook set up is tested too
lock="$REPO/tests/fixtures/test-kernel/kernel.lock"
ksha=$(awk '!/^#/ && NF { print $4; exit }' "$lock")
deb="$SEED_CACHE/downloads/sha256/$ksha"
# (verified: the cache is trusted only through its digest)
expect "the pinned test kernel is in the download cache, intact" "$ksha" \
	"$(sha256sum "$deb" 2>/dev/null | cut -d' ' -f1)"
mkdir -p "$m/settings/initramfs/lib/modules"
dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards './lib/modules/*/e1000.ko' \
	>"$m/settings/initramfs/lib/modules/e1000.ko"

out=$(cd "$work" && "$CLOISTER" build --initramfs-only boot-test --store "$store" --recipes "$REPO/recipes" --machines "$machines" \
	--seed-lock "$REPO/rootfs-seed/seed.lock" --seed-skeleton "$REPO/rootfs-seed/skeleton" 2>&1; echo "status=$?")
expect_match "build MACHINE builds the machine" "*status=0" "$out"
# (or stored by an earlier run: checked then, published only if identical)
expect "...busybox twice, identical" "yes" \
	"$(echo "$out" | grep -qE 'busybox 1\.35\.0 (built twice, identical|cached)' && echo yes)"
expect_match "...filesystem (a new password each run) twice, identical" "*filesystem 1 built twice, identical*" "$out"
expect_match "...then the initramfs" "*boot-test initramfs assembled*" "$out"
cpio="$work/output/machines/boot-test/initramfs.cpio"
list="$work/output/machines/boot-test/initramfs.list"
expect "the initramfs and its listing are written" "yes" "$([ -s "$cpio" ] && [ -s "$list" ] && echo yes)"
expect "the listing has no setuid or setgid entry" "" \
	"$(awk '$1 != "slink" { m = $1 == "file" ? $4 : $3; if (m ~ /^[0-7]*$/ && length(m) == 4 && substr(m, 1, 1) ~ /[2-7]/) print }' "$list")"
busybox=$(echo "$out" | grep -- '-busybox-1.35.0$')/out/usr/bin/busybox
expect_match "busybox is a static PIE (host flags -static, so -static-pie)" "*DYN (Position-Independent*" \
	"$(readelf -h "$busybox" 2>&1)"
expect "...with no program interpreter" "" "$(readelf -l "$busybox" 2>&1 | grep -i interpreter)"
expect_match "...built with the machine's flags (full RELRO: BIND_NOW)" "*BIND_NOW*" "$(readelf -d "$busybox" 2>&1)"
expect_match "...installed with its applets as links" \
	"*file /usr/bin/busybox *slink /usr/bin/sh busybox *slink /usr/sbin/init ../bin/busybox *" \
	"$(sort "$list" | tr '\n' ' ')"
expect "there is no su" "" "$(grep -E '/su ' "$list")"

# the boot: raw QEMU, nothing of cloister's runs in it
plain_only "the boot of the machine under QEMU" || return 0

# the test kernel
kname=$(awk '!/^#/ && NF { print $2; exit }' "$lock")
kdir=$(scratch)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir" --wildcards './boot/vmlinuz-*'
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -n 1)
expect_match "its vmlinuz" "*/boot/vmlinuz-${kname#linux-image-}" "$vmlinuz"

# the serial console: QEMU reads serial.in and writes serial.out
d=$(scratch)
mkfifo "$d/serial.in" "$d/serial.out"
timeout 600 qemu-system-x86_64 -accel tcg -m 256 -nodefaults -display none -no-reboot \
	-chardev pipe,id=s0,path="$d/serial" -serial chardev:s0 \
	-netdev user,id=n0 -device e1000,netdev=n0,romfile= \
	-kernel "$vmlinuz" -initrd "$cpio" -append "console=ttyS0 panic=-1" >"$d/qemu.log" 2>&1 &
qemu=$!
timeout 600 cat "$d/serial.out" >"$d/console" &
exec 3<>"$d/serial.in"
started=$(date +%s)

# waits until the console shows PATTERN (a fixed string) COUNT times, for
# at most SECONDS; false if it does not
console_has() {
	_n=0
	while [ "$(tr -d '\r' <"$d/console" | grep -cF -- "$1")" -lt "${3:-1}" ]; do
		_n=$((_n + 1))
		if [ "$_n" -gt $(($2 * 5)) ] || ! kill -0 "$qemu" 2>/dev/null; then
			return 1
		fi
		sleep 0.2
	done
}
say() { printf '%s\n' "$1" >&3; }

console_has 'boot-test login: ' 180
expect "the banner, then the login prompt" "yes" \
	"$(tr -d '\r' <"$d/console" | grep -q '^boot-test: a cloister machine (Linux ' && console_has 'boot-test login: ' 1 && echo yes)"
echo "booted to the login prompt in $(($(date +%s) - started)) s under TCG"

say root
console_has 'Password: ' 20
say "wrong-$password"
expect "a wrong password is refused" "yes" "$(console_has 'Login incorrect' 30 && echo yes)"
console_has 'boot-test login: ' 60 2
say root
console_has 'Password: ' 20 2
say "$password"
expect "root logs in on the console with the machine's password" "yes" \
	"$(console_has 'root@boot-test:~# ' 30 && echo yes)"
expect "...and is greeted by the motd" "yes" \
	"$(tr -d '\r' <"$d/console" | grep -q '^boot-test runs from RAM' && echo yes)"

# every answer is on a line of its own after a tag the echoed command
# line cannot show (it shows the $(...), not its output).  One command
# line at a time, each waited for: lines typed ahead are echoed by the
# terminal while the previous one still prints, and can land inside its
# answers (an "ID:" line cut in two failed a CI run)
asked=0
ask() {
	asked=$((asked + 1))
	say "$1; echo \"DONE-\$(($asked * 7)).\""
	console_has "DONE-$((asked * 7))." 90
}
ask 'echo "ID:$(id)"; echo "UNAME:$(uname -a)"; echo "PID1:$(tr "\0" " " </proc/1/cmdline)"'
ask 'echo "PROC:$(grep " /proc proc " /proc/mounts)"; echo "SUID:$(find / -perm -4000 2>/dev/null | wc -l)"'
ask 'echo "SYSLOGD:$(pidof syslogd)"; echo "KLOG:$(grep -c " kernel: " /var/log/messages)"'
ask 'echo "RCS:$(grep -c "rcS: booted" /var/log/messages)"; echo "TMOUT:$TMOUT $( (unset TMOUT) 2>&1)"'
ask 'echo "LO:$(ip -4 addr show lo | grep -c "inet 127.0.0.1/8")"; echo "HOSTS:$(grep boot-test /etc/hosts)"'
ask 'echo "SECURETTY:$(grep -c pts /etc/securetty)"'
# eth0 once its driver is in: ifup (interfaces.d/50.example.interfaces,
# ${machine_interface}) runs udhcpc against QEMU's DHCP server
ask 'insmod /lib/modules/e1000.ko && ifup eth0 >/dev/null 2>&1; echo "ETH0:$(ip -4 addr show eth0 | grep -o "inet [0-9./]*")"'
ask 'echo "ROUTE:$(ip route | grep ^default)"; echo "DNS:$(grep nameserver /etc/resolv.conf)"; echo "END-$((6 * 7))"'
console_has 'END-42' 90
answer() { tr -d '\r' <"$d/console" | sed -n "s/^$1://p" | tail -n 1; }
expect_match "id" "uid=0(root) gid=0(root)*" "$(answer ID)"
expect_match "uname -a: the machine's hostname, the test kernel" "Linux boot-test 6.1.0-*-amd64 *x86_64*" "$(answer UNAME)"
expect_match "pid 1 is busybox init" "init*" "$(answer PID1)"
expect_match "/proc is mounted with hidepid=2" "proc /proc proc *hidepid=[2i]*" "$(answer PROC)"
expect "find / -perm -4000 finds nothing" "0" "$(answer SUID)"
expect_match "syslogd runs" "[0-9]*" "$(answer SYSLOGD)"
expect "...and the kernel's boot messages reached it" "yes" "$([ "$(answer KLOG)" -gt 10 ] 2>/dev/null && echo yes)"
expect "...and rcS's" "1" "$(answer RCS)"
expect_match "login shells time out after 5 minutes, read-only" "300 *TMOUT: is read only*" "$(answer TMOUT)"
expect "root logs in on consoles only (no pts in /etc/securetty)" "0" "$(answer SECURETTY)"
expect "ifup brought the loopback interface up (/etc/network/interfaces)" "1" "$(answer LO)"
expect "eth0 gets its address from QEMU's DHCP (udhcpc's hook)" "inet 10.0.2.15/24" "$(answer ETH0)"
expect_match "...the default route" "default via 10.0.2.2 dev eth0*" "$(answer ROUTE)"
expect "...and the resolver" "nameserver 10.0.2.3" "$(answer DNS)"
expect_match "/etc/hosts names the machine (\${machine_hostname} substituted)" "127.0.1.1*boot-test" "$(answer HOSTS)"

say poweroff
n=0
while kill -0 "$qemu" 2>/dev/null && [ "$n" -lt 300 ]; do
	sleep 0.2
	n=$((n + 1))
done
expect "poweroff ends QEMU by itself within 60 s" "gone" "$(kill -0 "$qemu" 2>/dev/null && echo running || echo gone)"
wait "$qemu"
expect "...with status 0" "0" "$?"
expect "...after rcK ran" "yes" "$(tr -d '\r' <"$d/console" | grep -q 'rcK: stopping the daemons' && echo yes)"
expect "...and the kernel powered the machine down" "yes" \
	"$(tr -d '\r' <"$d/console" | grep -q 'reboot: Power down' && echo yes)"
kill "$qemu" 2>/dev/null
exec 3>&-
# the console, for whoever reads a failure
tr -d '\r' <"$d/console" | tail -n 40 | sed 's/^/console: /'
