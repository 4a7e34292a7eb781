/* Dropping every capability, in every set, for good.  This runs in the
 * child between clone and exec: system calls only (libcap's prctl and
 * capset wrappers; the empty set was allocated before the clone). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>

int sandbox_drop_capabilities(cap_t empty, struct cl_err *err)
{
	/* Locked securebits first, while CAP_SETPCAP is still held: an
	 * execve() as inner uid 0 must not hand the capabilities back, and
	 * nothing may later raise ambient capabilities (crun CVE-2022-27650
	 * came from leaving inheritable/ambient sets populated). */
	unsigned bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
			SECBIT_KEEP_CAPS_LOCKED |
			SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	if (cap_set_secbits(bits) < 0)
		return cl_err_set(err, errno, "setting securebits");

	/* Every capability the running kernel knows (cap_max_bits(): found
	 * once by libcap when cloister starts), not just the ones libcap was
	 * compiled with. */
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		if (cap_drop_bound(c) < 0)
			return cl_err_set(err, errno, "dropping capability %d from the bounding set", c);
	}

	/* Clearing the permitted and inheritable sets clears the ambient set
	 * with them (capabilities(7): no capability is ambient unless it is
	 * both permitted and inheritable), without a query per capability;
	 * SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED keeps it empty. */
	if (cap_set_proc(empty) < 0)
		return cl_err_set(err, errno, "clearing the capability sets");

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cl_err_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}
