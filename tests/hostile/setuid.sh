# No setuid or setgid file, and no device node, can be made inside: a
# build's output must never carry one into the store or an image.
# tests/run: also as root

for how in open creat mknod chmod fchmod fchmodat fchmodat2; do
	attack "setuid by $how is refused" EPERM "suid-$how" /tmp
	attack "setgid by $how is refused" EPERM "sgid-$how" /tmp
done
d=$(scratch)
for how in open chmod fchmodat2; do
	expect "setuid by $how (control: works outside the sandbox)" OK "$(outside "suid-$how" "$d")"
done
attack "a character device node is refused" EPERM mknod-chr /tmp
attack "a FIFO is still allowed" OK mkfifo /tmp
attack "security.* xattrs are refused" ENOTSUP setxattr-security /tmp
attack "POSIX ACL xattrs are refused" ENOTSUP setxattr-acl /tmp
expect "an open() without O_CREAT is not judged by its mode argument" "ok" \
	"$(sb -- sh -c 'cat /usr/bin/true > /dev/null && echo ok')"
