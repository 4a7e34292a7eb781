/* See ticker.h. */
#define _GNU_SOURCE
#include "ticker.h"

#include <unistd.h>

#include "../../common/clock.h"
#include "../../common/thread.h"

static void *ticker_main(void *arg)
{
	struct ticker *t = arg;
	while (!t->stop) {
		t->ev.step.secs = (double)(int)(clock_mono_s() - t->t0);
		build_note(t->o, &t->ev);
		for (int i = 0; i < 10 && !t->stop; i++)
			usleep(100000);
	}
	return NULL;
}

void ticker_start(struct ticker *t, const struct build_opts *o, size_t i, size_t n,
			 const char *name, const char *version, const char *what)
{
	t->running = false;
	t->stop = false;
	if (!o->live || !o->note)
		return;
	t->o = o;
	t->ev = (struct build_event){ .kind = NOTE_TICK,
				      .step = { .i = i, .n = n, .name = name, .version = version, .what = what } };
	t->t0 = clock_mono_s();
	/* signals are the main thread's business (the sandbox reads them) */
	t->running = cl_thread_start(&t->thread, ticker_main, t) == 0;
}

void ticker_stop(struct ticker *t)
{
	if (!t->running)
		return;
	t->stop = true;
	pthread_join(t->thread, NULL);
	build_note(t->o, &(struct build_event){ .kind = NOTE_TICK_END });
	t->running = false;
}
