#define _GNU_SOURCE
#include "dynlib.h"

#include <dlfcn.h>
#include <errno.h>

int dynlib_load(const char *soname, const char *const *names, void **slots,
		size_t n, struct cl_err *err)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cl_err_msg(err, ENOENT, "cannot load %s: %s (run make deps)", soname, dlerror());
	for (size_t i = 0; i < n; i++) {
		slots[i] = dlsym(h, names[i]);
		if (!slots[i]) {
			dlclose(h);
			return cl_err_msg(err, ENOENT, "%s lacks %s: a newer version is needed",
					  soname, names[i]);
		}
	}
	/* The handle stays open for the life of the process: the table
	 * points into it. */
	return 0;
}

int dynlib_load_once(struct dynlib_once *once, const char *soname, const char *const *names, void **slots,
		     size_t n, void (*after)(void **slots), struct cl_err *err)
{
	if (atomic_load_explicit(&once->loaded, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&once->lock);
	int r = 0;
	if (!atomic_load_explicit(&once->loaded, memory_order_relaxed)) {
		r = dynlib_load(soname, names, slots, n, err);
		if (r == 0 && after)
			after(slots);
		if (r == 0)
			atomic_store_explicit(&once->loaded, 1, memory_order_release);
	}
	pthread_mutex_unlock(&once->lock);
	return r;
}
