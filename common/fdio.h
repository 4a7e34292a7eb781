/* Reads and writes that finish or fail: short transfers and EINTR are
 * retried here, once, so no caller has to. */
#ifndef CLOISTER_FDIO_H
#define CLOISTER_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* 0 on success, negative errno on failure. */
int write_all(int fd, const void *buf, size_t len);

/* Bytes read (short only at end of file), or negative errno. */
ssize_t read_all(int fd, void *buf, size_t len);

/* Writes a whole small file relative to dirfd: O_WRONLY|O_CREAT|O_TRUNC.
 * 0 or negative errno. */
int write_file_at(int dirfd, const char *path, const char *content, int mode);

#endif
