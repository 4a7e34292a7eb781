# cloister boot and boot --pxe, unattended, with a kernel that exists
# before the machine image does: Debian's own (pinned in
# tests/fixtures/test-kernel/kernel.lock, fetched into the download cache like a
# seed package) and a small initramfs whose /init prints a marker, echoes
# a typed line when asked, and powers off.  QEMU runs with TCG here (the
# tests run as an unprivileged user; KVM only when the CPU has it).

lock="$REPO/tests/fixtures/test-kernel/kernel.lock"
"$CLOISTER" seed fetch --lock "$lock" --store "$SEED_CACHE" -q
expect "the pinned test kernel is fetched into the download cache" "0" "$?"
deb="$SEED_CACHE/downloads/sha256/$(awk '!/^#/ { print $4 }' "$lock")"

w=$(scratch)
mkdir -p "$w/k" "$w/initramfs" "$w/machines/t/qemu" "$w/output/machines/t"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$w/k" ./boot
cp "$w"/k/boot/vmlinuz-* "$w/output/machines/t/t.vmlinuz"
expect "the test kernel is a bzImage (the boot protocol's HdrS at 0x202)" "HdrS" \
	"$(dd if="$w/output/machines/t/t.vmlinuz" bs=1 skip=514 count=4 status=none)"

cat > "$w/init.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void)
{
	char cmdline[1024] = "", line[256] = "";
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mkdir("/proc", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, cmdline, sizeof cmdline - 1) : 0;
	if (n > 0)
		cmdline[n - 1] = '\0';
	int c = open("/dev/console", O_RDWR);
	dprintf(c, "CLOISTER-TEST-INIT-MARKER cmdline=[%s]\n", cmdline);
	dprintf(c, "an escape: \033[31mred\033[0m, a bell \a, a high byte \351.\n");
	if (strstr(cmdline, " ask")) {
		dprintf(c, "type a line: ");
		n = read(c, line, sizeof line - 1);
		if (n > 0 && line[n - 1] == '\n')
			n--;
		line[n > 0 ? n : 0] = '\0';
		dprintf(c, "GOT-LINE [%s]\n", line);
	}
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
EOF
cc -static -Os -o "$w/initramfs/init" "$w/init.c"
expect "a static test /init compiles" "0" "$?"
(cd "$w/initramfs" && echo init | cpio -o -H newc --quiet > "$w/machines/t/qemu/init.cpio")
expect "...and goes into a newc cpio" "0" "$?"
cat > "$w/machines/t/qemu/qemu-command-line.config" <<'EOF'
# the test machine: Debian's kernel needs its console named, and an initrd
-m 256
-append "console=ttyS0 panic=-1 quiet mn=${MACHINE_NAME} mp=${MACHINE_PATH}"
-initrd ${SETTINGS_PATH}/init.cpio
EOF
boot() { "$CLOISTER" boot t --machines "$w/machines" --output "$w/output" "$@" </dev/null; }
esc=$(printf '\033')

# A: direct, the machine's settings, until the guest powers off
out=$(boot --expect CLOISTER-TEST-INIT-MARKER --expect-exit --timeout 240 2>"$w/err")
st=$?
err=$(cat "$w/err")
expect "boot: the init's marker is seen and the machine powers off (exit 0)" "0" "$st"
expect_match "...with TCG (no usable KVM for this user)" "*t.vmlinuz with TCG (*" "$err"
expect_match "...QEMU's -kernel path, the settings' -append with \${MACHINE_NAME} and \${MACHINE_PATH} replaced" \
	"*CLOISTER-TEST-INIT-MARKER cmdline=\[console=ttyS0 panic=-1 quiet mn=t mp=$w/output/machines/t\]*" "$out"
expect_match "...the initrd found through \${SETTINGS_PATH}, the power-off reported" "*saw 'CLOISTER-TEST-INIT-MARKER' after *the machine powered off*" "$err"
expect_match "the console's escape sequences are made visible" "*an escape: ^[[31mred^[[0m, a bell ^G, a high byte \\\\xe9.*" "$out"
expect "...and none reaches the terminal" "" "$(printf '%s' "$out" | grep -c "$esc" | grep -v '^0$')"
t=$(echo "$err" | sed -n "s/.*saw 'CLOISTER-TEST-INIT-MARKER' after \([0-9.]*\) s.*/\1/p")
echo "boot time to the marker under TCG (Debian's 8 MB kernel, QEMU start to /init's output): $t s"

# B: the pattern never comes; the guest powers off first
out=$(boot --expect NEVER-PRINTED --timeout 240 2>&1)
expect "a pattern that never appears fails (exit 1)" "1" "$?"
expect_match "...saying QEMU ended first" "*QEMU ended (exit status 0) before 'NEVER-PRINTED' appeared*" "$out"

# C: a login-script step: wait, type, wait; cloister ends QEMU itself
out=$(boot --append "console=ttyS0 panic=-1 quiet ask" --expect 'type a line:' --send 'hello world' \
	--expect 'GOT-LINE [hello world]' --timeout 240 2>&1)
expect "--send types a line after its --expect (exit 0)" "0" "$?"
expect_match "...--append replaces the settings' command line" "*cmdline=\[console=ttyS0 panic=-1 quiet ask\]*" "$out"

# D: the timeout, while the guest waits for a line forever
out=$(boot --append "console=ttyS0 panic=-1 quiet ask" --expect 'NEVER-PRINTED' --timeout 20 2>&1)
expect "the timeout ends the run (exit 1)" "1" "$?"
expect_match "...saying what was not seen" "*'NEVER-PRINTED' did not appear within 20 s; QEMU ended*" "$out"
expect "...and QEMU is gone" "" "$(pgrep -f "$w/output/machines/t/t.vmlinuz")"

# E: a signal to cloister ends QEMU too
# (cloister itself in the background, not a function's subshell)
"$CLOISTER" boot t --machines "$w/machines" --output "$w/output" --append "console=ttyS0 panic=-1 quiet ask" --expect 'NEVER-PRINTED' \
	--timeout 240 </dev/null >"$w/e.out" 2>&1 &
pid=$!
i=0
while ! grep -q 'type a line:' "$w/e.out" 2>/dev/null && [ "$i" -lt 2400 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect "(the guest of the signal test is up)" "1" "$(grep -c 'type a line:' "$w/e.out")"
kill -TERM "$pid"
wait "$pid"
expect "SIGTERM to cloister boot: exit 128+15" "143" "$?"
expect "...and QEMU is gone" "" "$(pgrep -f "$w/output/machines/t/t.vmlinuz")"
expect_match "...saying so" "*interrupted (signal 15); QEMU ended*" "$(cat "$w/e.out")"

# F: over PXE: DHCP, TFTP of the script, the kernel and the settings' initrd
out=$(TMPDIR="$w" boot --pxe --append "console=ttyS0 panic=-1 quiet ask" --expect CLOISTER-TEST-INIT-MARKER \
	--expect 'type a line:' --send 'over pxe' --expect 'GOT-LINE [over pxe]' --expect-exit --timeout 300 2>&1)
expect "boot --pxe: the marker, the typed line, the power-off (exit 0)" "0" "$?"
expect_match "...through Debian's iPXE: DHCP, then TFTP of boot.ipxe, the kernel and the initrd" \
	"*iPXE*10.0.2.15*boot.ipxe*t.vmlinuz... ok*initrd... ok*GOT-LINE \[over pxe\]*" "$out"
expect_match "...with the command line from the iPXE script" "*cmdline=\[console=ttyS0 panic=-1 quiet ask\]*" "$out"
expect "...and the TFTP folder is removed afterwards" "" "$(ls -d "$w"/cloister-pxe.* 2>/dev/null)"
t=$(echo "$out" | sed -n "s/.*saw 'CLOISTER-TEST-INIT-MARKER' after \([0-9.]*\) s.*/\1/p")
echo "PXE boot time to the marker under TCG: $t s"

# bad usage and bad settings, refused before QEMU starts
boot --expect "$(printf 'a\001b')" 2>/dev/null
expect "--expect with a control character is bad usage (exit 2)" "2" "$?"
boot --expect x --send y 2>/dev/null
expect "a last --send without an --expect after it is bad usage (exit 2)" "2" "$?"
boot --timeout 0 2>/dev/null
expect "--timeout 0 is bad usage (exit 2)" "2" "$?"
boot --pxe --append 'a=${x}' --expect x 2>/dev/null
expect "--pxe refuses a command line iPXE would expand (exit 2)" "2" "$?"
"$CLOISTER" boot nosuch --machines "$w/machines" --output "$w/output" --expect x 2>/dev/null
expect "an unknown machine is bad usage (exit 2)" "2" "$?"
mkdir -p "$w/machines/u/qemu"
out=$("$CLOISTER" boot u --machines "$w/machines" --output "$w/output" --expect x 2>&1)
expect "a machine without an image is exit 2" "2" "$?"
expect_match "...saying to build it" "*u.vmlinuz*cloister build u*" "$out"
cp "$w/output/machines/t/t.vmlinuz" "$w/output/machines/u/u.vmlinuz" 2>/dev/null ||
	{ mkdir -p "$w/output/machines/u" && cp "$w/output/machines/t/t.vmlinuz" "$w/output/machines/u/u.vmlinuz"; }
printf -- '-m 256\n-name ${HOSTNAME}\n' > "$w/machines/u/qemu/qemu-command-line.config"
out=$("$CLOISTER" boot u --machines "$w/machines" --output "$w/output" --expect x 2>&1)
expect "a bad setting is exit 2..." "2" "$?"
expect_match "...with its file and line" "*qemu-command-line.config:2: unknown variable 'HOSTNAME'*" "$out"
printf -- '-m 256; touch %s/pwned\n' "$w" > "$w/machines/u/qemu/qemu-command-line.config"
out=$("$CLOISTER" boot u --machines "$w/machines" --output "$w/output" --expect x 2>&1)
expect "shell syntax in the settings is refused, never run (exit 2)" "2" "$?"
expect "...and nothing ran" "" "$(ls "$w/pwned" 2>/dev/null)"
printf -- '-kernel /evil\n' > "$w/machines/u/qemu/qemu-command-line.config"
out=$("$CLOISTER" boot u --machines "$w/machines" --output "$w/output" --expect x 2>&1)
expect "settings may not replace the image with -kernel (exit 2)" "2" "$?"
