/* Running QEMU with its serial console: on the terminal (interactive), or
 * read by cloister, which waits for patterns, types lines and ends the
 * machine (a boot test, a login script).
 *
 * Either way QEMU dies with cloister (PR_SET_PDEATHSIG), and SIGINT,
 * SIGTERM or SIGHUP sent to cloister are passed on to QEMU as SIGTERM so
 * that it restores the terminal and cloister can clean up after it. */
#ifndef CLOISTER_IMAGE_CONSOLE_H
#define CLOISTER_IMAGE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"

enum console_step_kind {
	CONSOLE_EXPECT,  /* wait until text appears on the console, after what the
	                    previous expectation matched (bytes, no pattern syntax) */
	CONSOLE_SEND,    /* type text and Enter (a carriage return, as a terminal does) */
};

struct console_step {
	enum console_step_kind kind;
	const char *text;
	double seen_at;  /* out, for EXPECT: seconds after QEMU started; -1 if never */
};

struct console_opts {
	struct console_step *steps;
	size_t n_steps;
	bool wait_exit;  /* after the steps, wait for QEMU to end by itself (the
	                    guest powered off); otherwise cloister ends it */
	double timeout;  /* seconds for the whole run; 0: none */
	int out_fd;      /* the console goes here, control characters made visible */
	int err_fd;      /* QEMU's own messages, likewise */
};

enum console_end {
	CONSOLE_DONE,     /* the steps are done; cloister ended QEMU */
	CONSOLE_EXITED,   /* QEMU ended by itself (status holds how) */
	CONSOLE_TIMEOUT,  /* the timeout passed; cloister ended QEMU */
	CONSOLE_SIGNAL,   /* cloister got signal `signal`; it ended QEMU */
};

struct console_result {
	enum console_end end;
	size_t step;     /* the first step not done: n_steps when all were */
	int status;      /* QEMU's wait status */
	int signal;
	double elapsed;  /* seconds */
};

/* Runs argv (execvp) with the console read by cloister, as described by
 * o.  Returns 0 with res filled however the run ended, or a negative errno
 * when QEMU could not be started (err names it). */
int console_run(char *const argv[], const struct console_opts *o, struct console_result *res,
		struct cl_err *err);

/* Runs argv on cloister's own terminal; timeout as above. */
int console_attach(char *const argv[], double timeout, struct console_result *res, struct cl_err *err);

/* Making control characters visible, for a console that is not the
 * user's terminal (so a guest cannot send escape sequences to it):
 * printable ASCII, newline and tab pass; CR LF becomes LF; other control
 * characters become ^X (^[ for ESC, ^? for DEL); bytes from 0x80 up
 * become \xHH.  out needs room for 4 * n + 2 bytes. */
struct visible {
	bool cr;  /* a CR ended the last chunk */
};
size_t visible_chunk(struct visible *v, const unsigned char *in, size_t n, char *out);
/* What is still held back at the end (a lone CR). */
size_t visible_end(struct visible *v, char *out);

#endif
