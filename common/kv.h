/* A name and its value: the machine's settings as the image stages use
 * them (${NAME} substitution in snippets). */
#ifndef CLOISTER_KV_H
#define CLOISTER_KV_H

struct kv {
	const char *name;
	const char *value;
};

#endif
