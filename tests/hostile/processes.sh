# The sandbox's own init, and every process outside, are out of reach.
# tests/run: also as root

attack "ptrace attach to a process it forked is refused" EPERM ptrace-attach
attack "ptrace attach to pid 1 is refused" EPERM ptrace-attach 1
out=$(sb -- sh -c 'cat /proc/1/environ' 2>&1)
expect_match "pid 1's memory and environment are not readable" "*Permission denied*" "$out"
expect "ptrace attach (control: works outside the sandbox)" OK "$(outside ptrace-attach)"
attack "the host's processes cannot be signalled" ESRCH kill $$
expect "kill (control: the same pid outside)" OK "$(outside kill $$)"
