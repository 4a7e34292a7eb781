# No new namespaces from inside (a nested user namespace would hand the
# attacker a fresh set of capabilities), but threads and fork still work.
# tests/run: also as root

attack "unshare(CLONE_NEWUSER) is refused" EPERM unshare-user
attack "unshare(CLONE_NEWNS) is refused" EPERM unshare-mount
attack "unshare(CLONE_NEWNET) is refused" EPERM unshare-net
attack "clone(CLONE_NEWUSER) is refused" EPERM clone-newuser
attack "setns is refused" EPERM setns
attack "clone3 answers ENOSYS so libc falls back to clone" ENOSYS clone3
attack "threads still work" OK thread
attack "fork still works" OK fork
expect "unshare(CLONE_NEWUSER) (control: works outside the sandbox)" OK "$(outside unshare-user)"
expect "clone3 (control: works outside the sandbox)" OK "$(outside clone3)"
