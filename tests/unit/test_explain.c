/* The structural view of differing files: each format cloister produces
 * or reads, made here with the host's tools, and the bounds. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../builder/check/explain.h"
#include "test.h"

static char base[] = "/tmp/cloister-explain-XXXXXX";

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char full[4200];
	snprintf(full, sizeof full, "cd %s && { %s; } >/dev/null 2>&1", base, cmd);
	if (system(full) != 0) {
		printf("  command failed: %s\n", cmd);
		test_current_failed = 1;
	}
}

/* The view of base/a against base/b; *lines gets the line count. */
static char *view(const char *a, const char *b, int *lines)
{
	char pa[300], pb[300], *text = NULL;
	size_t len = 0;
	snprintf(pa, sizeof pa, "%s/%s", base, a);
	snprintf(pb, sizeof pb, "%s/%s", base, b);
	FILE *f = open_memstream(&text, &len);
	struct cl_err err = { 0 };
	int n = explain_files(pa, pb, "> ", f, &err);
	fclose(f);
	if (n < 0)
		printf("  explain_files: %s\n", err.msg);
	if (lines)
		*lines = n;
	return text;
}

#define CHECK_HAS(text, want) do { \
	if (!strstr((text), (want))) { \
		printf("  %s:%d: no '%s' in:\n%s\n", __FILE__, __LINE__, (want), (text)); \
		test_current_failed = 1; \
	} \
} while (0)

static const char prog[] =
	"const char greeting[] = \"hello from %s\";\n"
	"int counter = %d;\n"
	"int main(void) { return greeting[0] + counter; }\n";

static void two_programs(void)
{
	sh("printf '%s' A 1 > a.c && printf '%s' B 2 > b.c && cc -O1 -o prog-a a.c && cc -O1 -o prog-b b.c", prog, prog);
}

static void elf_sections_and_symbols(void)
{
	two_programs();
	char *t = view("prog-a", "prog-b", NULL);
	CHECK_HAS(t, "> ELF: ");
	CHECK_HAS(t, "ELF section .rodata: 1 differing region: ");
	CHECK_HAS(t, "(in greeting+0xb)");
	CHECK_HAS(t, "ELF section .data: 1 differing region: ");
	CHECK_HAS(t, "(in counter)");
	free(t);
}

static void elf_strings(void)
{
	sh("printf 'int main(void){return 0;}' > s.c && mkdir -p one/x long-directory-name/x && "
	   "cp s.c one/x/ && cp s.c long-directory-name/x/ && (cd one/x && cc -g -c s.c -o ../../s1.o) && "
	   "(cd long-directory-name/x && cc -g -c s.c -o ../../s2.o)");
	char *t = view("s1.o", "s2.o", NULL);
	CHECK_HAS(t, "ELF section .debug_line_str: ");
	CHECK_HAS(t, "strings only in A: \"");
	CHECK_HAS(t, "/one/x\"; only in B: \"");
	CHECK_HAS(t, "/long-directory-name/x\"");
	free(t);
}

static void ar_members(void)
{
	sh("printf '%s' A 1 > a.c && printf '%s' B 2 > b.c && cp a.c same.c && cc -c a.c -o m.o && cc -c same.c -o s.o && "
	   "ar rcD lib-a.a m.o s.o && cc -c b.c -o m.o && ar rcD lib-b.a m.o s.o", prog, prog);
	char *t = view("lib-a.a", "lib-b.a", NULL);
	/* the symbol table is a member too, and the same */
	CHECK_HAS(t, "ar: 1 of 3 members differ");
	CHECK_HAS(t, "ar member m.o: ELF section .rodata: ");
	CHECK(!strstr(t, "member s.o"));
	free(t);
}

static void cpio_and_gzip(void)
{
	/* the same files but one, archived in another order and another
	 * time, then compressed with gzip's name and time */
	sh("rm -rf ca cb && mkdir ca cb && echo one > ca/x && echo one > cb/x && echo two > ca/y && echo TWO > cb/y && "
	   "touch -d @100 ca/* && touch -d @200 cb/y && touch -d @100 cb/x && "
	   "(cd ca && printf 'x\\ny\\n' | cpio -o -H newc > ../a.cpio) && (cd cb && printf 'y\\nx\\n' | cpio -o -H newc > ../b.cpio) && "
	   "touch -d @1000 a.cpio && touch -d @2000 b.cpio && gzip -k a.cpio b.cpio");
	char *t = view("a.cpio", "b.cpio", NULL);
	CHECK_HAS(t, "cpio: the members' order differs from member 1 on (A: x, B: y)");
	CHECK_HAS(t, "cpio member y: mtime 100 vs 200");
	CHECK_HAS(t, "cpio member y: 1 differing region: 0x0-0x2");
	CHECK(!strstr(t, "member x:"));
	free(t);
	t = view("a.cpio.gz", "b.cpio.gz", NULL);
	CHECK_HAS(t, "gzip header: mtime 1000 vs 2000");
	CHECK_HAS(t, "gzip header: file name \"a.cpio\" vs \"b.cpio\"");
	CHECK_HAS(t, "gzip-compressed cpio: 1 of 2 members differ");
	free(t);
}

static void tar_and_plain_gzip(void)
{
	sh("rm -rf ta tb && mkdir -p ta/d tb/d && echo same > ta/d/f && echo same > tb/d/f && ln -s f ta/d/l && "
	   "ln -s g tb/d/l && tar --mtime=@0 -cf a.tar -C ta d && tar --mtime=@0 -cf b.tar -C tb d && "
	   "printf 'line one\\nline two\\n' | gzip -n > a.txt.gz && printf 'line one\\nline 2\\n' | gzip -n > b.txt.gz");
	char *t = view("a.tar", "b.tar", NULL);
	CHECK_HAS(t, "tar member d/l: link -> f vs -> g");
	free(t);
	t = view("a.txt.gz", "b.txt.gz", NULL);
	CHECK_HAS(t, "gzip, decompressed: 1 differing region: 0xe-0xf");
	CHECK_HAS(t, "gzip, decompressed: A is longer by 2 bytes (from 0x10)");
	free(t);
}

/* A bzImage's header fields: HdrS at 0x202, the boot flag, setup_sects,
 * the protocol version and the payload's place. */
static void make_bzimage(const char *name, unsigned char payload_byte, unsigned char setup_byte)
{
	unsigned char img[8192] = { 0 };
	img[0x1f1] = 3;                      /* (3 + 1) * 512 = 2048 bytes of setup */
	img[0x1fe] = 0x55, img[0x1ff] = 0xaa;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f, img[0x207] = 0x02; /* protocol 2.15 */
	img[0x248] = 0x00, img[0x249] = 0x04; /* payload at 2048 + 1024 */
	img[0x24c] = 0x00, img[0x24d] = 0x08; /* 2048 bytes of it */
	img[0x300] = setup_byte;
	img[2048 + 1024 + 100] = payload_byte;
	char path[300];
	snprintf(path, sizeof path, "%s/%s", base, name);
	FILE *f = fopen(path, "w");
	fwrite(img, 1, sizeof img, f);
	fclose(f);
}

static void bzimage_parts(void)
{
	make_bzimage("k-a", 1, 7);
	make_bzimage("k-b", 2, 7);
	char *t = view("k-a", "k-b", NULL);
	CHECK_HAS(t, "bzImage compressed payload (vmlinux): 1 differing region: 0xc64");
	CHECK(!strstr(t, "setup"));
	free(t);
	make_bzimage("k-c", 1, 8);
	t = view("k-a", "k-c", NULL);
	CHECK_HAS(t, "bzImage setup (boot sector and real-mode code): 1 differing region: 0x300");
	CHECK(!strstr(t, "payload"));
	free(t);
}

static void bounded(void)
{
	/* every other byte differs: the regions are counted to a bound; a
	 * tar of many differing members is cut after a few lines */
	sh("head -c 400000 /dev/zero > z-a && head -c 400000 /dev/zero | tr '\\0' 'x' > z-b && "
	   "rm -rf ma mb && mkdir ma mb && for i in $(seq 1 40); do echo $i > ma/$i; echo x$i > mb/$i; done && "
	   "tar --mtime=@0 -cf ma.tar -C ma . && tar --mtime=@0 -cf mb.tar -C mb .");
	int lines;
	char *t = view("z-a", "z-b", &lines);
	CHECK_HAS(t, "1 differing region: 0x0-0x61a7f");
	free(t);
	sh("python3 -c \"import sys; sys.stdout.buffer.write(bytes(int(i %% 16 == 0) for i in range(400000)))\" > alt-a && "
	   "head -c 400000 /dev/zero > alt-b");
	t = view("alt-a", "alt-b", &lines);
	CHECK_HAS(t, "at least 10000 differing regions: 0x0, 0x10, 0x20, ...");
	free(t);
	t = view("ma.tar", "mb.tar", &lines);
	CHECK(lines == EXPLAIN_MAX_LINES + 1);
	CHECK_HAS(t, "(and more: the view is bounded to");
	free(t);
}

static void fast_on_a_large_file(void)
{
	/* 200 MB, equal but for the end: within the time bound */
	sh("head -c 200000000 /dev/zero > big-a && cp big-a big-b && printf y >> big-a && printf z >> big-b");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *t = view("big-a", "big-b", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK_HAS(t, "1 differing region: 0xbebc200");
	CHECK(s < EXPLAIN_MAX_SECONDS);
	free(t);
	sh("rm -f big-a big-b");
}

int main(void)
{
	if (!mkdtemp(base))
		return 1;
	RUN(elf_sections_and_symbols);
	RUN(elf_strings);
	RUN(ar_members);
	RUN(cpio_and_gzip);
	RUN(tar_and_plain_gzip);
	RUN(bzimage_parts);
	RUN(bounded);
	RUN(fast_on_a_large_file);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		return 1;
	return test_failures ? 1 : 0;
}
