/* Writes a Debian package with the entries given, hostile ones included,
 * for the tests of cloister's unpacking.
 *
 *   mkdeb OUT.deb ENTRY...
 *     f:PATH:MODE:CONTENT   regular file (MODE octal, e.g. 0644 or 4755)
 *     F:PATH:MODE:FILE      regular file with FILE's content
 *     d:PATH:MODE           directory
 *     l:PATH:TARGET         symlink
 *     h:PATH:TARGET         hard link to TARGET
 *     c:PATH[:MAJOR:MINOR]  character device (default 1,3)
 *     p:PATH                FIFO
 * PATH is written as given ("../x", "/abs" and "./x" alike); PATH@SECONDS
 * gives the entry that mtime (default 1).
 *
 *   mkdeb --tar OUT.tar.xz ENTRY...   the same entries as a plain source tarball
 *   mkdeb --cpio OUT.cpio ENTRY...    as an uncompressed newc cpio (an initramfs)
 *   mkdeb --zip OUT.zip ENTRY...      as a zip archive */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void die(struct archive *a, const char *what)
{
	fprintf(stderr, "mkdeb: %s: %s\n", what, a ? archive_error_string(a) : "");
	exit(1);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) < 0) {
		perror(path);
		exit(1);
	}
	long n = ftell(f);
	char *buf = malloc((size_t)n + 1);
	rewind(f);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

enum format { TAR_XZ, CPIO, ZIP };

/* A tar.xz (or a newc cpio, or a zip) of the entries, in memory. */
static void *make_data(int n, char **specs, size_t *len, enum format format)
{
	size_t cap = 64 << 20;
	void *buf = malloc(cap);
	struct archive *a = archive_write_new();
	if (format == ZIP) {
		archive_write_set_format_zip(a);
	} else if (format == CPIO) {
		archive_write_set_format_cpio_newc(a);
	} else {
		archive_write_set_format_pax_restricted(a);
		archive_write_add_filter_xz(a);
	}
	if (archive_write_open_memory(a, buf, cap, len) != ARCHIVE_OK)
		die(a, "open");
	for (int i = 0; i < n; i++) {
		char *s = strdup(specs[i]);
		char type = s[0];
		char *path = s + 2, *rest = strchr(path, ':');
		if (rest)
			*rest++ = '\0';
		struct archive_entry *e = archive_entry_new();
		long long mtime = 1;
		char *at = strrchr(path, '@');
		if (at && at[1] && strspn(at + 1, "0123456789") == strlen(at + 1)) {
			mtime = strtoll(at + 1, NULL, 10);
			*at = '\0';
		}
		archive_entry_set_pathname(e, path);
		archive_entry_set_mtime(e, (time_t)mtime, 0);
		archive_entry_set_size(e, 0);
		const char *content = "";
		char *loaded = NULL;
		size_t clen = 0;
		switch (type) {
		case 'f':
		case 'F': {
			char *c = strchr(rest, ':');
			*c++ = '\0';
			content = c;
			clen = strlen(c);
			if (type == 'F')
				content = loaded = slurp(c, &clen);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, (mode_t)strtol(rest, NULL, 8));
			archive_entry_set_size(e, (la_int64_t)clen);
			break;
		}
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, (mode_t)strtol(rest, NULL, 8));
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, rest);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, rest);
			break;
		case 'c': {
			unsigned maj = 1, min = 3;
			if (rest && sscanf(rest, "%u:%u", &maj, &min) != 2) {
				fprintf(stderr, "mkdeb: bad device %s\n", specs[i]);
				exit(2);
			}
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_perm(e, 0600);
			archive_entry_set_rdev(e, makedev(maj, min));
			break;
		}
		case 'p':
			archive_entry_set_filetype(e, AE_IFIFO);
			archive_entry_set_perm(e, 0644);
			break;
		default:
			fprintf(stderr, "mkdeb: bad entry %s\n", specs[i]);
			exit(2);
		}
		if (archive_write_header(a, e) != ARCHIVE_OK)
			die(a, path);
		if ((type == 'f' || type == 'F') && archive_write_data(a, content, clen) < 0)
			die(a, path);
		archive_entry_free(e);
		free(loaded);
		free(s);
	}
	archive_write_close(a);
	archive_write_free(a);
	return buf;
}

static void *make_control(size_t *len)
{
	static const char control[] = "Package: hostile\nVersion: 1\nArchitecture: amd64\n"
				      "Maintainer: tests\nDescription: a test package\n";
	size_t cap = 1 << 16;
	void *buf = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_xz(a);
	archive_write_open_memory(a, buf, cap, len);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "./control");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, sizeof control - 1);
	archive_write_header(a, e);
	archive_write_data(a, control, sizeof control - 1);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	return buf;
}

static void ar_member(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 1, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK || archive_write_data(a, data, len) < 0)
		die(a, name);
	archive_entry_free(e);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkdeb OUT.deb ENTRY...\n");
		return 2;
	}
	size_t dlen, clen;
	if (!strcmp(argv[1], "--tar") || !strcmp(argv[1], "--cpio") || !strcmp(argv[1], "--zip")) {
		void *tar = make_data(argc - 3, argv + 3, &dlen,
				      !strcmp(argv[1], "--cpio") ? CPIO : !strcmp(argv[1], "--zip") ? ZIP : TAR_XZ);
		FILE *f = fopen(argv[2], "wb");
		if (!f || fwrite(tar, 1, dlen, f) != dlen || fclose(f) != 0) {
			perror(argv[2]);
			return 1;
		}
		return 0;
	}
	void *data = make_data(argc - 2, argv + 2, &dlen, TAR_XZ);
	void *control = make_control(&clen);
	struct archive *a = archive_write_new();
	archive_write_set_format_ar_svr4(a);
	if (archive_write_open_filename(a, argv[1]) != ARCHIVE_OK)
		die(a, argv[1]);
	ar_member(a, "debian-binary", "2.0\n", 4);
	ar_member(a, "control.tar.xz", control, clen);
	ar_member(a, "data.tar.xz", data, dlen);
	archive_write_close(a);
	archive_write_free(a);
	return 0;
}
