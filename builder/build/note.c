/* The builder's notes go through the options' callback, never to a
 * stream of their own: the command decides what the user sees. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "build.h"

void build_notef(const struct build_opts *o, enum build_note kind, const char *fmt, ...)
{
	if (!o->note)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *text = NULL;
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		const struct build_event ev = { .kind = kind, .text = text, .len = (size_t)n };
		o->note(o->note_ctx, &ev);
		free(text);
	}
}

void build_note(const struct build_opts *o, const struct build_event *ev)
{
	if (o->note)
		o->note(o->note_ctx, ev);
}
