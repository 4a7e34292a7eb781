# Terminal injection: TIOCSTI pushes keystrokes into the terminal the user
# types in; TIOCLINUX can do the same on a virtual console.
# tests/run: also as root

attack "TIOCSTI is refused" EPERM tiocsti
attack "TIOCSTI with high bits set is refused (CVE-2019-10063)" EPERM tiocsti-high
attack "TIOCLINUX is refused (CVE-2023-28100)" EPERM tioclinux
