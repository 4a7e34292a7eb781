/* Ctrl-C and SIGTERM for the commands that build: the work runs in a
 * child, and the parent, which does nothing else, is the one place that
 * handles the signals.  So no stage, thread or sandbox of the build has to
 * be signal-safe: on SIGINT or SIGTERM the parent kills the child (whose
 * workers and sandboxes die with it: PDEATHSIG and pid namespaces), waits
 * until their stages are dead, removes them, says what was interrupted and
 * exits 128 + the signal. */
#ifndef CLOISTER_INTERRUPT_H
#define CLOISTER_INTERRUPT_H

/* Forks.  In the child returns -1: carry on (it dies with the parent).
 * In the parent returns, once the child is gone, the exit status to exit
 * with: the child's, or 130/143 after an interrupt.  what names the work
 * in the message ("cloister build -r busybox"); home is CLOISTER_HOME. */
int interrupt_guard(const char *home, const char *what);

#endif
