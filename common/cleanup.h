/* The one cleanup idiom of cloister: scope-bound release.
 *
 *   _cleanup_close_ int fd = open(...);   closed on every return path
 *   _cleanup_free_ char *s = strdup(...); freed on every return path
 *   return steal_fd(&fd);                 hands ownership to the caller
 *
 * close() is never retried on EINTR: on Linux the descriptor is gone
 * either way, and a retry could close a descriptor another thread just
 * got. */
#ifndef CLOISTER_CLEANUP_H
#define CLOISTER_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cl_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

static inline void cl_freep(void *p)
{
	free(*(void **)p);
}

static inline void cl_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_close_  __attribute__((cleanup(cl_closep)))
#define _cleanup_free_   __attribute__((cleanup(cl_freep)))
#define _cleanup_fclose_ __attribute__((cleanup(cl_fclosep)))

static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#define steal_ptr(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })

#endif
