# From inside, the filesystem view cannot be changed: the mount family is
# refused even though the sandbox has its own user and mount namespaces.
# tests/run: also as root

for t in mount umount fsopen open_tree move_mount mount_setattr pivot_root chroot; do
	attack "$t is refused" EPERM "$t"
done
control "mount" mount /tmp
control "fsopen" fsopen
control "open_tree" open_tree
