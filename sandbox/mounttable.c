/* Reading the mount table, with libmount, for error messages.
 *
 * libmount is opened with dlopen() only when a message needs it: linking
 * it normally makes the dynamic loader map and relocate libmount, libblkid,
 * libselinux and libpcre2 on every `cloister run`, about 0.3 ms of a
 * start-up that bench/sandbox-startup holds to 70% of bubblewrap's. */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct libmount_api {
	struct libmnt_table *(*new_table_from_file)(const char *);
	struct libmnt_iter *(*new_iter)(int);
	int (*table_next_fs)(struct libmnt_table *, struct libmnt_iter *, struct libmnt_fs **);
	struct libmnt_fs *(*table_find_mountpoint)(struct libmnt_table *, const char *, int);
	const char *(*fs_get_target)(struct libmnt_fs *);
	const char *(*fs_get_fstype)(struct libmnt_fs *);
	void (*free_iter)(struct libmnt_iter *);
	void (*unref_table)(struct libmnt_table *);
};

static void *load_libmount(struct libmount_api *api)
{
	void *h = dlopen("libmount.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return NULL;
#define SYM(field, name) *(void **)&api->field = dlsym(h, name)
	SYM(new_table_from_file, "mnt_new_table_from_file");
	SYM(new_iter, "mnt_new_iter");
	SYM(table_next_fs, "mnt_table_next_fs");
	SYM(table_find_mountpoint, "mnt_table_find_mountpoint");
	SYM(fs_get_target, "mnt_fs_get_target");
	SYM(fs_get_fstype, "mnt_fs_get_fstype");
	SYM(free_iter, "mnt_free_iter");
	SYM(unref_table, "mnt_unref_table");
#undef SYM
	void **slot = (void **)api;
	for (size_t i = 0; i < sizeof *api / sizeof(void *); i++) {
		if (!slot[i]) {
			dlclose(h);
			return NULL;
		}
	}
	return h;
}

void mounttable_explain_layer(const char *path, char *buf, size_t len)
{
	struct libmount_api mnt;
	char real[4096];

	buf[0] = '\0';
	if (!realpath(path, real))
		return;
	void *h = load_libmount(&mnt);
	if (!h)
		return;
	struct libmnt_table *tb = mnt.new_table_from_file("/proc/self/mountinfo");
	struct libmnt_iter *it = mnt.new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	size_t rl = strlen(real);

	/* In a user namespace overlayfs refuses a layer with other mounts
	 * below it: those mounts are locked to the host's tree. */
	while (tb && it && mnt.table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt.fs_get_target(fs);
		if (t && strncmp(t, real, rl) == 0 &&
		    (t[rl] == '/' || (rl == 1 && t[1] != '\0'))) {
			snprintf(buf, len, "%s has other filesystems mounted below it (%s is a %s "
				 "mount), which overlayfs refuses in a user namespace; use a "
				 "directory without submounts, or --ro-bind", path, t,
				 mnt.fs_get_fstype(fs) ? mnt.fs_get_fstype(fs) : "?");
			break;
		}
	}
	if (!buf[0] && tb && (fs = mnt.table_find_mountpoint(tb, real, MNT_ITER_BACKWARD)))
		snprintf(buf, len, "%s is on a %s filesystem mounted at %s", path,
			 mnt.fs_get_fstype(fs) ? mnt.fs_get_fstype(fs) : "?", mnt.fs_get_target(fs));
	if (it)
		mnt.free_iter(it);
	if (tb)
		mnt.unref_table(tb);
	dlclose(h);
}
