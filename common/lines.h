/* The line reader shared by cloister's text formats (recipe, seed.lock,
 * packages.list): '#' starts a comment, surrounding blanks are ignored,
 * blank lines are skipped, and each line keeps its number for messages. */
#ifndef CLOISTER_LINES_H
#define CLOISTER_LINES_H

struct lines {
	char *next;  /* the rest of the text, edited in place */
	int line;    /* number of the line last returned, from 1 */
};

static inline void lines_init(struct lines *it, char *text)
{
	it->next = text;
	it->line = 0;
}

/* The next line with content, trimmed and without its comment, or NULL
 * at the end.  The text is cut in place. */
char *lines_next(struct lines *it);

#endif
