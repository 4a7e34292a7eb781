/* ELF files in the structural view: which sections differ, and in which
 * symbols.  Read with the structures of <elf.h>, every offset checked
 * against the file's size (the file was written by a build). */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "explain_internal.h"

struct sec {
	const char *name;
	uint32_t type;
	uint64_t flags, addr, off, size;
};

struct sym {
	const char *name;
	uint64_t value, size;
	uint16_t shndx;
};

struct elf {
	const unsigned char *p;
	size_t n;
	bool is64, rel;            /* ET_REL: symbol values are offsets in their section */
	uint64_t phoff, shoff;
	size_t phsize, shsize, ehsize;
	struct sec *sec;
	size_t nsec;
	struct sym *sym;
	size_t nsym;
};

bool xelf_is(const unsigned char *p, size_t n)
{
	/* little-endian, 32 or 64 bits: what cloister's targets are */
	return n >= sizeof(Elf32_Ehdr) && !memcmp(p, ELFMAG, SELFMAG) && p[EI_DATA] == ELFDATA2LSB &&
	       (p[EI_CLASS] == ELFCLASS32 || (p[EI_CLASS] == ELFCLASS64 && n >= sizeof(Elf64_Ehdr)));
}

static bool in_file(const struct elf *e, uint64_t off, uint64_t len)
{
	return off <= e->n && len <= e->n - off;
}

/* A NUL-terminated string at off in the file, or "?". */
static const char *str_at(const struct elf *e, uint64_t off)
{
	if (off >= e->n || !memchr(e->p + off, '\0', e->n - off))
		return "?";
	return (const char *)e->p + off;
}

static void elf_free(struct elf *e)
{
	free(e->sec);
	free(e->sym);
}

static bool read_symbols(struct elf *e, const struct sec *tab, const struct sec *strtab)
{
	size_t esz = e->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	if (!in_file(e, tab->off, tab->size) || !in_file(e, strtab->off, strtab->size))
		return false;
	size_t n = tab->size / esz;
	e->sym = calloc(n ? n : 1, sizeof *e->sym);
	if (!e->sym)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct sym *s = &e->sym[e->nsym];
		uint32_t name;
		unsigned char type;
		if (e->is64) {
			Elf64_Sym y;
			memcpy(&y, e->p + tab->off + i * esz, sizeof y);
			name = y.st_name, s->value = y.st_value, s->size = y.st_size, s->shndx = y.st_shndx;
			type = ELF64_ST_TYPE(y.st_info);
		} else {
			Elf32_Sym y;
			memcpy(&y, e->p + tab->off + i * esz, sizeof y);
			name = y.st_name, s->value = y.st_value, s->size = y.st_size, s->shndx = y.st_shndx;
			type = ELF32_ST_TYPE(y.st_info);
		}
		if (type == STT_SECTION || type == STT_FILE || !name || name >= strtab->size)
			continue;
		s->name = str_at(e, strtab->off + name);
		e->nsym++;
	}
	return true;
}

static bool elf_parse(struct elf *e, const unsigned char *p, size_t n)
{
	memset(e, 0, sizeof *e);
	e->p = p, e->n = n, e->is64 = p[EI_CLASS] == ELFCLASS64;
	uint64_t shoff;
	size_t shentsize, shnum, shstrndx;
	if (e->is64) {
		Elf64_Ehdr h;
		memcpy(&h, p, sizeof h);
		e->rel = h.e_type == ET_REL, e->phoff = h.e_phoff, e->phsize = (size_t)h.e_phnum * h.e_phentsize;
		e->ehsize = h.e_ehsize, shoff = h.e_shoff, shentsize = h.e_shentsize, shnum = h.e_shnum;
		shstrndx = h.e_shstrndx;
		if (shentsize != sizeof(Elf64_Shdr))
			shnum = 0;
	} else {
		Elf32_Ehdr h;
		memcpy(&h, p, sizeof h);
		e->rel = h.e_type == ET_REL, e->phoff = h.e_phoff, e->phsize = (size_t)h.e_phnum * h.e_phentsize;
		e->ehsize = h.e_ehsize, shoff = h.e_shoff, shentsize = h.e_shentsize, shnum = h.e_shnum;
		shstrndx = h.e_shstrndx;
		if (shentsize != sizeof(Elf32_Shdr))
			shnum = 0;
	}
	e->shoff = shoff, e->shsize = shnum * shentsize;
	if (!shnum || !in_file(e, shoff, (uint64_t)shnum * shentsize) || shstrndx >= shnum)
		return true; /* no section headers: the file is compared as bytes */
	e->sec = calloc(shnum, sizeof *e->sec);
	if (!e->sec)
		return false;
	for (size_t i = 0; i < shnum; i++) {
		struct sec *s = &e->sec[i];
		uint32_t name;
		if (e->is64) {
			Elf64_Shdr h;
			memcpy(&h, p + shoff + i * shentsize, sizeof h);
			name = h.sh_name, s->type = h.sh_type, s->flags = h.sh_flags, s->addr = h.sh_addr;
			s->off = h.sh_offset, s->size = h.sh_size;
		} else {
			Elf32_Shdr h;
			memcpy(&h, p + shoff + i * shentsize, sizeof h);
			name = h.sh_name, s->type = h.sh_type, s->flags = h.sh_flags, s->addr = h.sh_addr;
			s->off = h.sh_offset, s->size = h.sh_size;
		}
		s->name = (const char *)(uintptr_t)name; /* resolved below */
	}
	e->nsec = shnum;
	const struct sec *names = &e->sec[shstrndx];
	for (size_t i = 0; i < shnum; i++) {
		uint32_t name = (uint32_t)(uintptr_t)e->sec[i].name;
		e->sec[i].name = name < names->size ? str_at(e, names->off + name) : "?";
	}
	/* the full symbol table where there is one, else the dynamic one */
	for (int pass = 0; pass < 2 && !e->sym; pass++)
		for (size_t i = 0; i < shnum && !e->sym; i++) {
			struct sec *s = &e->sec[i];
			uint32_t link;
			if (s->type != (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM))
				continue;
			if (e->is64) {
				Elf64_Shdr h;
				memcpy(&h, p + shoff + i * shentsize, sizeof h);
				link = h.sh_link;
			} else {
				Elf32_Shdr h;
				memcpy(&h, p + shoff + i * shentsize, sizeof h);
				link = h.sh_link;
			}
			if (link < shnum && !read_symbols(e, s, &e->sec[link]))
				return false;
		}
	return true;
}

/* The k-th section named name, or NULL. */
static const struct sec *find_sec(const struct elf *e, const char *name, size_t k)
{
	for (size_t i = 0; i < e->nsec; i++)
		if (!strcmp(e->sec[i].name, name) && k-- == 0)
			return &e->sec[i];
	return NULL;
}

static size_t occurrence(const struct elf *e, size_t i)
{
	size_t k = 0;
	for (size_t j = 0; j < i; j++)
		k += !strcmp(e->sec[j].name, e->sec[i].name);
	return k;
}

struct sym_ctx {
	const struct elf *e;
	size_t index;     /* the section */
};

/* The symbol an offset of a section lies in: "main+0x1c". */
static const char *sym_name(void *arg, size_t offset, char *buf, size_t len)
{
	const struct sym_ctx *c = arg;
	const struct sec *s = &c->e->sec[c->index];
	uint64_t at = c->e->rel ? offset : s->addr + offset;
	/* a sized symbol that holds the offset (the innermost), else the
	 * nearest label before it */
	const struct sym *best = NULL;
	for (size_t i = 0; i < c->e->nsym; i++) {
		const struct sym *y = &c->e->sym[i];
		if (y->shndx != c->index || y->value > at)
			continue;
		if (y->size && at < y->value + y->size) {
			if (!best || !best->size || y->value > best->value)
				best = y;
		} else if (!y->size && (!best || (!best->size && y->value > best->value))) {
			best = y;
		}
	}
	if (!best)
		return "";
	if (at == best->value)
		snprintf(buf, len, "in %s", best->name);
	else
		snprintf(buf, len, "in %s+0x%llx", best->name, (unsigned long long)(at - best->value));
	return buf;
}

static bool sec_equal(const struct elf *a, const struct sec *sa, const struct elf *b, const struct sec *sb)
{
	if (sa->size != sb->size || sa->type != sb->type)
		return false;
	if (sa->type == SHT_NOBITS)
		return true;
	if (!in_file(a, sa->off, sa->size) || !in_file(b, sb->off, sb->size))
		return false;
	return !memcmp(a->p + sa->off, b->p + sb->off, sa->size);
}

/* In a section of strings (paths in debug information, names) the order
 * may change with the contents: the strings one side has and the other
 * lacks say more than offsets.  Bounded to sections of a few MiB. */
#define STRINGS_MAX (4u << 20)

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static const char **split_strings(const unsigned char *p, size_t n, size_t *count)
{
	*count = 0;
	size_t cap = 0;
	const char **v = NULL;
	for (size_t i = 0; i < n;) {
		size_t l = strnlen((const char *)p + i, n - i);
		if (l && i + l < n) {
			if (*count == cap) {
				cap = cap ? cap * 2 : 256;
				const char **nv = realloc(v, cap * sizeof *v);
				if (!nv) {
					free(v);
					return NULL;
				}
				v = nv;
			}
			v[(*count)++] = (const char *)p + i;
		}
		i += l + 1;
	}
	if (v)
		qsort(v, *count, sizeof *v, cmp_str);
	return v;
}

static void unshared_strings(struct xout *o, const char *prefix, const unsigned char *a, size_t na,
			     const unsigned char *b, size_t nb)
{
	if (na > STRINGS_MAX || nb > STRINGS_MAX)
		return;
	size_t ca, cb;
	const char **sa = split_strings(a, na, &ca), **sb = split_strings(b, nb, &cb);
	const char *only[2][2] = { { NULL, NULL }, { NULL, NULL } };
	size_t n_only[2] = { 0, 0 }, i = 0, j = 0;
	while (sa && sb && (i < ca || j < cb)) {
		int c = i == ca ? 1 : j == cb ? -1 : strcmp(sa[i], sb[j]);
		if (c == 0) {
			i++, j++;
			continue;
		}
		int side = c < 0 ? 0 : 1;
		if (n_only[side] < 2)
			only[side][n_only[side]] = side ? sb[j] : sa[i];
		n_only[side]++;
		c < 0 ? i++ : j++;
	}
	if (n_only[0] || n_only[1]) {
		char t[700];
		size_t l = 0;
		for (int side = 0; side < 2; side++) {
			l += (size_t)snprintf(t + l, sizeof t - l, "%s%s", side ? "; only in B:" : "strings only in A:",
					      n_only[side] ? "" : " none");
			for (size_t k = 0; k < n_only[side] && k < 2 && l < sizeof t; k++)
				l += (size_t)snprintf(t + l, sizeof t - l, "%s \"%.120s\"", k ? "," : "", only[side][k]);
			if (n_only[side] > 2 && l < sizeof t)
				l += (size_t)snprintf(t + l, sizeof t - l, " and %zu more", n_only[side] - 2);
		}
		xline(o, prefix, "%s", t);
	}
	free(sa);
	free(sb);
}

static void compare_bytes(struct xout *o, const char *prefix, const char *what, const struct elf *a, uint64_t aoff,
			  size_t alen, const struct elf *b, uint64_t boff, size_t blen)
{
	if (!in_file(a, aoff, alen) || !in_file(b, boff, blen))
		return;
	size_t n = alen < blen ? alen : blen;
	if (alen == blen && !memcmp(a->p + aoff, b->p + boff, n))
		return;
	char p[400];
	snprintf(p, sizeof p, "%sELF %s: ", prefix, what);
	if (alen != blen)
		xline(o, p, "%zu vs %zu bytes", alen, blen);
	xregions_line(o, p, a->p + aoff, b->p + boff, n, 0, NULL, NULL);
}

void xelf(struct xout *o, const char *prefix, const unsigned char *pa, size_t na, const unsigned char *pb,
	  size_t nb)
{
	struct elf a, b;
	if (!elf_parse(&a, pa, na) || !elf_parse(&b, pb, nb) || !a.nsec || !b.nsec || a.is64 != b.is64) {
		elf_free(&a);
		elf_free(&b);
		size_t n = na < nb ? na : nb;
		xregions_line(o, prefix, pa, pb, n, 0, NULL, NULL);
		return;
	}
	/* which sections differ, first in one line */
	size_t differ = 0;
	char list[300] = "";
	for (size_t i = 0; i < a.nsec; i++) {
		const struct sec *sb = find_sec(&b, a.sec[i].name, occurrence(&a, i));
		if (sb && sec_equal(&a, &a.sec[i], &b, sb))
			continue;
		size_t l = strlen(list);
		if (differ < 6)
			snprintf(list + l, sizeof list - l, "%s%s", differ ? ", " : "", a.sec[i].name);
		else if (differ == 6)
			snprintf(list + l, sizeof list - l, ", ...");
		differ++;
	}
	xline(o, prefix, "ELF: %zu of %zu sections differ%s%s%s", differ, a.nsec, differ ? " (" : "", list,
	      differ ? ")" : "");
	compare_bytes(o, prefix, "header", &a, 0, a.ehsize, &b, 0, b.ehsize);
	compare_bytes(o, prefix, "program headers", &a, a.phoff, a.phsize, &b, b.phoff, b.phsize);
	for (size_t i = 0; i < a.nsec && !xexpired(o); i++) {
		const struct sec *sa = &a.sec[i], *sb = find_sec(&b, sa->name, occurrence(&a, i));
		char p[400];
		snprintf(p, sizeof p, "%sELF section %s: ", prefix, sa->name);
		if (!sb) {
			xline(o, p, "only in A");
			continue;
		}
		if (sec_equal(&a, sa, &b, sb))
			continue;
		if (sa->size != sb->size)
			xline(o, p, "%llu vs %llu bytes", (unsigned long long)sa->size, (unsigned long long)sb->size);
		if (sa->type == SHT_NOBITS || !in_file(&a, sa->off, sa->size) || !in_file(&b, sb->off, sb->size))
			continue;
		struct sym_ctx c = { &a, i };
		size_t n = sa->size < sb->size ? sa->size : sb->size;
		xregions_line(o, p, a.p + sa->off, b.p + sb->off, n, 0, a.nsym ? sym_name : NULL, &c);
		if (sa->flags & SHF_STRINGS)
			unshared_strings(o, p, a.p + sa->off, sa->size, b.p + sb->off, sb->size);
	}
	for (size_t i = 0; i < b.nsec; i++)
		if (!find_sec(&a, b.sec[i].name, occurrence(&b, i))) {
			char p[400];
			snprintf(p, sizeof p, "%sELF section %s: ", prefix, b.sec[i].name);
			xline(o, p, "only in B");
		}
	elf_free(&a);
	elf_free(&b);
}
