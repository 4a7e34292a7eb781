# The example machine's busybox: this Kconfig fragment lies over
# recipes/busybox/files/config (defconfig, static) and files/policy.mk
# (no su, no setuid logic, no insecure daemons; a fragment cannot undo it).
# Libertine's "legacy cruft": floppies, modems, calendars, package tools.
# CONFIG_FDFORMAT is not set
# CONFIG_FDFLUSH is not set
# CONFIG_CHAT is not set
# CONFIG_CAL is not set
# CONFIG_DPKG is not set
# CONFIG_DPKG_DEB is not set
# CONFIG_RPM is not set
# CONFIG_RPM2CPIO is not set
# CONFIG_TELNET is not set
# CONFIG_FTPGET is not set
# CONFIG_FTPPUT is not set
# the kernel runs /init; no /linuxrc
# CONFIG_LINUXRC is not set
