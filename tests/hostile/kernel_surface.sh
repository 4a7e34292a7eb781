# Kernel interfaces a build never needs: keyrings, bpf, perf, userfaultfd,
# io_uring (which would bypass the filter), handles, the machine's state.
# tests/run: also as root

for t in keyctl bpf perf_event_open userfaultfd io_uring open_by_handle_at kexec_load \
	init_module reboot swapon acct settimeofday clock_settime syslog quotactl; do
	attack "$t is refused" EPERM "$t"
done
# Controls where an unprivileged process outside may do the same.
expect "add_key (control: works outside the sandbox)" OK "$(outside keyctl)"
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ]; then
	expect "io_uring_setup (control: reaches the kernel outside)" EFAULT "$(outside io_uring)"
fi
