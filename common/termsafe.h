/* Text a build chose, made safe to show on a terminal (termsafe.c).
 *
 * A build's output, the tail of a failed build's log and the file names in
 * a report all reach the user's terminal; a terminal acts on control
 * characters and escape sequences (set the title, move the cursor, clear
 * the screen, report or reprogram keys).  Everything a terminal could act
 * on is shown as \xNN text instead: C0 controls but newline and tab (and,
 * in names, those too), DEL, the C1 controls U+0080..U+009F (a UTF-8
 * terminal reads U+009B as CSI), the bidirectional overrides that reorder
 * what is shown (Trojan Source), and bytes that are not valid UTF-8. */
#ifndef CLOISTER_TERMSAFE_H
#define CLOISTER_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>

/* A stream: a UTF-8 sequence cut by a chunk boundary is kept for the next. */
struct termsafe {
	unsigned char pend[4];
	size_t n_pend;
	bool name;            /* also escape newline and tab */
};

/* Escapes n bytes into out, which must hold termsafe_room(n) bytes;
 * returns how many it wrote (no terminating NUL).  With last, what is
 * left pending is escaped too. */
size_t termsafe_chunk(struct termsafe *st, const char *in, size_t n, char *out, bool last);
#define termsafe_room(n) (4 * ((n) + 4))

/* An escaped, NUL-terminated copy of s in buf, cut to fit len; returns buf.
 * For one name or one line. */
const char *termsafe_str(const char *s, char *buf, size_t len);

/* Writes n bytes of a stream to fd, escaped. */
void termsafe_write(struct termsafe *st, int fd, const char *in, size_t n, bool last);

#endif
