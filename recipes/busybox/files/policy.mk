# What every busybox cloister builds is, whatever the machine's busybox.mk
# says (the build fails if a fragment turns one of these back on): no su
# and no setuid logic (the image has no setuid file), none of the daemons
# Libertine calls insecure or obsolete.
# CONFIG_SU is not set
# CONFIG_FEATURE_SUID is not set
# CONFIG_TELNETD is not set
# CONFIG_FTPD is not set
# CONFIG_TFTPD is not set
# CONFIG_INETD is not set
# CONFIG_FAKEIDENTD is not set
# What the filesystem recipe relies on: a static busybox cannot use
# glibc's NSS, so users, shadow and crypt (SHA-512) are busybox's own;
# login honours /etc/securetty and /etc/nologin; ash's TMOUT.
CONFIG_USE_BB_PWD_GRP=y
CONFIG_USE_BB_SHADOW=y
CONFIG_USE_BB_CRYPT=y
CONFIG_USE_BB_CRYPT_SHA=y
CONFIG_FEATURE_SECURETTY=y
CONFIG_FEATURE_NOLOGIN=y
CONFIG_ASH_IDLE_TIMEOUT=y
