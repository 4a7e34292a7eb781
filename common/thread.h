/* Starting a thread that never receives a signal.
 *
 * cloister handles signals in one place: the thread in sandbox_run()
 * reads them from a signalfd (and, around it, the interrupt guard of the
 * build commands catches them).  A thread inherits its creator's signal
 * mask, so one started with every signal blocked can never be the thread
 * the kernel picks for SIGINT or SIGTERM, not even before its first
 * instruction. */
#ifndef CLOISTER_THREAD_H
#define CLOISTER_THREAD_H

#include <pthread.h>

/* pthread_create() with every signal blocked in the new thread; returns
 * 0 or an errno. */
int cl_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
