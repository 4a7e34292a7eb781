# The example machine's kernel configuration: this Kconfig fragment lies
# over the linux recipe's own (tinyconfig and what a bootable x86_64
# serial-console machine needs; see that recipe).  Nothing to add yet.
