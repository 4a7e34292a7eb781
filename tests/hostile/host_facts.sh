# What a build can learn about the host from /proc: each of these would
# pass the double build (A and B run on the same host and agree) and only
# differ on another machine.
# tests/run: also as root

cmdline=$(sb -- sh -c 'tr "\0" " " < /proc/1/cmdline' | sed 's/ $//')
expect "pid 1's command line is fixed (no host path, no cloister arguments)" "cloister-init" "$cmdline"
host_model=$(grep -m1 '^model name' /proc/cpuinfo)
in_model=$(sb -- sh -c "grep -m1 '^model name' /proc/cpuinfo")
expect "/proc/cpuinfo names no host CPU model" "model name	: cloister virtual CPU" "$in_model"
expect "...and says how many processors the sandbox may use" "$(sb -- nproc)" \
	"$(sb -- sh -c 'grep -c ^processor /proc/cpuinfo')"
if [ -e /proc/config.gz ]; then
	expect "/proc/config.gz (the host kernel's configuration) is empty inside" "0" \
		"$(sb -- sh -c 'wc -c < /proc/config.gz')"
fi
expect "/proc/cmdline (the host's boot command line) is fixed" "BOOT_IMAGE=/boot/vmlinuz-6.1.0-cloister ro" \
	"$(sb -- cat /proc/cmdline)"
expect "the boot id is fixed" "00000000-0000-4000-8000-000000000000" \
	"$(sb -- cat /proc/sys/kernel/random/boot_id)"
expect "/proc/modules lists no host module" "0" "$(sb -- sh -c 'cat /proc/modules 2>/dev/null | wc -c')"
expect "no /sys: the host's devices and firmware are not described" "absent" \
	"$(sb -- sh -c 'test -e /sys/class || echo absent')"
