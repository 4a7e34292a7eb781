#include "inomap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct inomap_slot {
	dev_t dev;
	ino_t ino;
	char *path;  /* NULL: free */
};

static size_t slot_of(const struct inomap *m, dev_t dev, ino_t ino)
{
	/* splitmix64's finalizer: inode numbers are often sequential */
	unsigned long long h = (unsigned long long)ino ^ ((unsigned long long)dev << 32);
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	size_t k = (size_t)h & (m->cap - 1);
	while (m->slots[k].path && (m->slots[k].dev != dev || m->slots[k].ino != ino))
		k = (k + 1) & (m->cap - 1);
	return k;
}

static int grow(struct inomap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct inomap_slot *old = m->slots, *s = calloc(cap, sizeof *s);
	if (!s)
		return -ENOMEM;
	size_t old_cap = m->cap;
	m->slots = s;
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].path)
			m->slots[slot_of(m, old[i].dev, old[i].ino)] = old[i];
	free(old);
	return 0;
}

int inomap_leader(struct inomap *m, const struct stat *st, const char *path, const char **leader,
		  struct cl_err *err)
{
	*leader = NULL;
	if (st->st_nlink < 2 || !S_ISREG(st->st_mode))
		return 0;
	if (2 * (m->n + 1) > m->cap && grow(m) < 0)
		return cl_err_set(err, ENOMEM, "recording hard links");
	struct inomap_slot *s = &m->slots[slot_of(m, st->st_dev, st->st_ino)];
	if (s->path) {
		*leader = s->path;
		return 0;
	}
	if (!(s->path = strdup(path)))
		return cl_err_set(err, ENOMEM, "recording hard links");
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	m->n++;
	return 0;
}

void inomap_free(struct inomap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].path);
	free(m->slots);
	m->slots = NULL;
	m->n = m->cap = 0;
}
