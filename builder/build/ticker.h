#ifndef CLOISTER_TICKER_H
#define CLOISTER_TICKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "build.h"

/* On a terminal, a build's line counts the time while it runs
 * ("[2/5] busybox 1.35.0 building 0:42"): the reporter asks for it with
 * o->live and gets NOTE_TICK once a second, then NOTE_TICK_END. */
struct ticker {
	pthread_t thread;
	bool running;
	volatile bool stop;
	const struct build_opts *o;
	struct build_event ev;
	double t0;
};

/* Starts the ticker for step i of n (what: "building", ...); nothing
 * unless o->live.  Its thread is started with every signal blocked. */
void ticker_start(struct ticker *t, const struct build_opts *o, size_t i, size_t n,
		  const char *name, const char *version, const char *what);
/* Stops it and sends NOTE_TICK_END. */
void ticker_stop(struct ticker *t);

#endif
