# personality(2) can only query, or set what cloister set.
# tests/run: also as root

attack "personality(PER_LINUX32) is refused" EPERM personality 0x0008
attack "personality query still works" OK personality 0xffffffff
attack "personality(PER_LINUX), the value cloister set, works" OK personality 0
expect "with --no-aslr, ADDR_NO_RANDOMIZE is the allowed value" OK \
	"$(sb --no-aslr -- /probe personality 0x0040000)"
expect "with --no-aslr, turning ASLR back on is refused" EPERM \
	"$(sb --no-aslr -- /probe personality 0)"
expect "with --no-aslr, the command runs without ASLR" "00040000" \
	"$(sb --no-aslr -- sh -c 'cat /proc/self/personality')"
expect "personality(PER_LINUX32) (control: works outside the sandbox)" OK "$(outside personality 0x0008)"
