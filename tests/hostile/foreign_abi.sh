# Syscalls through the i386 (int 0x80) and x32 tables would reach numbers
# the native rules do not cover: they kill the process (SIGSYS, 128+31).
# tests/run: also as root

expect "an i386 syscall (int 0x80) kills the process" 159 "$(inside int80 >/dev/null 2>&1; echo $?)"
expect "an x32 syscall kills the process" 159 "$(inside x32 >/dev/null 2>&1; echo $?)"
if [ "$(outside int80)" = OK ]; then
	pass "int 0x80 (control: works outside the sandbox)"
else
	echo "note: this kernel has no i386 emulation; the control does not apply"
fi
