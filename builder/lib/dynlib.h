/* Loading a shared library's functions on first use.
 *
 * libarchive (with libxml2 and ICU behind it) and libcrypto cost every
 * process that links them 1 to 3 ms in the dynamic loader before main().
 * `cloister run` needs neither, and its start-up is held to 70% of
 * bubblewrap's (bench/sandbox-startup), so the commands that do need them
 * load them with dlopen() through a table of typed function pointers. */
#ifndef CLOISTER_DYNLIB_H
#define CLOISTER_DYNLIB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "../../common/err.h"

/* Opens soname and resolves names[i] into slots[i] for i < n.  Returns 0,
 * or a negative errno with a message naming the library or symbol. */
int dynlib_load(const char *soname, const char *const *names, void **slots,
		size_t n, struct cl_err *err);

/* The same, once per process, from any thread: the table is filled under
 * a lock the first time (then after(slots), if given, runs under it too)
 * and only read after that.  Two threads of one build (A's and B's output
 * passes) may ask for libcrypto at the same moment. */
struct dynlib_once {
	pthread_mutex_t lock;
	atomic_int loaded;
};
#define DYNLIB_ONCE_INIT { PTHREAD_MUTEX_INITIALIZER, 0 }
int dynlib_load_once(struct dynlib_once *once, const char *soname, const char *const *names, void **slots,
		     size_t n, void (*after)(void **slots), struct cl_err *err);

#endif
