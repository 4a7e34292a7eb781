/* libarchive, loaded on first use (see dynlib.h for why).  Call through
 * the table: `const struct archive_api *A = archive_api(err);
 * A->archive_read_new()`. */
#ifndef CLOISTER_ARCHIVE_API_H
#define CLOISTER_ARCHIVE_API_H

#include <archive.h>
#include <archive_entry.h>

#include "../../common/err.h"

#define ARCHIVE_API_FUNCTIONS(X) \
	X(archive_read_new) X(archive_read_free) X(archive_read_close) \
	X(archive_read_support_format_ar) X(archive_read_support_format_tar) X(archive_read_support_format_zip) \
	X(archive_read_support_filter_all) X(archive_read_open_fd) X(archive_read_open) \
	X(archive_read_next_header) X(archive_read_data) X(archive_read_data_block) \
	X(archive_error_string) X(archive_errno) X(archive_set_error) \
	X(archive_entry_pathname) X(archive_entry_filetype) X(archive_entry_mode) \
	X(archive_entry_size) X(archive_entry_symlink) X(archive_entry_hardlink) \
	X(archive_entry_set_pathname) X(archive_entry_set_hardlink) \
	X(archive_entry_set_symlink) X(archive_entry_set_perm) \
	X(archive_write_disk_new) X(archive_write_disk_set_options) \
	X(archive_write_header) X(archive_write_data_block) X(archive_write_finish_entry) \
	X(archive_write_close) X(archive_write_free) \
	X(archive_write_new) X(archive_write_set_format_cpio_newc) X(archive_write_set_bytes_per_block) \
	X(archive_write_set_bytes_in_last_block) X(archive_write_open_fd) X(archive_write_data) \
	X(archive_entry_new) X(archive_entry_free) X(archive_entry_clear) X(archive_entry_set_filetype) \
	X(archive_entry_set_uid) X(archive_entry_set_gid) X(archive_entry_set_mtime) X(archive_entry_set_size) \
	X(archive_entry_set_ino64) X(archive_entry_set_nlink) X(archive_entry_set_rdevmajor) \
	X(archive_entry_set_rdevminor) \
	X(archive_read_support_format_cpio) X(archive_read_open_memory) X(archive_entry_uid) \
	X(archive_entry_gid) X(archive_entry_mtime) X(archive_entry_nlink) X(archive_entry_ino64) \
	X(archive_entry_rdevmajor) X(archive_entry_rdevminor) X(archive_entry_perm) \
	X(archive_read_support_format_raw) X(archive_format_name) X(archive_filter_name)

struct archive_api {
#define X(f) __typeof__(&f) f;
	ARCHIVE_API_FUNCTIONS(X)
#undef X
};

/* The loaded table, or NULL with err set. */
const struct archive_api *archive_api(struct cl_err *err);

#endif
