/* combine.d: every type, overrides, ${NAME} substitution and its errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/image/combine.h"
#include "test.h"

#define S(where, text) { where, text, sizeof(text) - 1 }

static char *run(combine_fn *fn, const struct snippet *s, size_t n, int *rc, struct cl_err *err)
{
	char *out = NULL;
	size_t len = 0;
	*rc = fn(s, n, &out, &len, err);
	return out;
}

static void nosort_concatenates_in_order_and_ends_each_line(void)
{
	struct snippet s[] = { S("a", "zeta\nalpha"), S("b", "mid\n") };
	struct cl_err err = { 0 };
	int rc;
	char *out = run(combine_nosort, s, 2, &rc, &err);
	CHECK(rc == 1);
	CHECK_STR(out, "zeta\nalpha\nmid\n");
	free(out);
	out = run(combine_nosort, s, 0, &rc, &err);
	CHECK(rc == 1);  /* an empty file, not none */
	CHECK_STR(out, "");
	free(out);
}

static void default_sorts_every_line_by_bytes(void)
{
	struct snippet s[] = { S("a", "b 2\nZ 1\n"), S("b", "a 3\nb 1") };
	struct cl_err err = { 0 };
	int rc;
	char *out = run(combine_default, s, 2, &rc, &err);
	CHECK(rc == 1);
	CHECK_STR(out, "Z 1\na 3\nb 1\nb 2\n");
	free(out);
}

static void hasfiles_makes_nothing_without_a_snippet(void)
{
	struct snippet s[] = { S("a", "ext4\n") };
	struct cl_err err = { 0 };
	int rc;
	char *out = run(combine_hasfiles, s, 0, &rc, &err);
	CHECK(rc == 0);
	CHECK(out == NULL);
	out = run(combine_hasfiles, s, 1, &rc, &err);
	CHECK(rc == 1);
	CHECK_STR(out, "ext4\n");
	free(out);
}

static void nocombine_never_makes_the_file(void)
{
	struct snippet s[] = { S("a", "export A=1\n") };
	struct cl_err err = { 0 };
	int rc;
	char *out = run(combine_nocombine, s, 1, &rc, &err);
	CHECK(rc == 0);
	CHECK(out == NULL);
	CHECK(!combine_type("nocombine")->substitute);
}

static void passwd_merges_by_name_later_overrides(void)
{
	struct snippet s[] = {
		S("/etc/passwd.d/00.passwd (from package filesystem)",
		  "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\n"),
		S("/etc/passwd.d/50.passwd (from machines/m/settings/initramfs)",
		  "# the machine's own\nraph:x:1000:1000::/home/raph:/bin/sh\nroot:x:0:0:admin:/root:/bin/ash\n"),
	};
	struct cl_err err = { 0 };
	int rc;
	char *out = run(combine_passwd, s, 2, &rc, &err);
	CHECK(rc == 1);
	/* root keeps its place; its entry is the later one */
	CHECK_STR(out, "root:x:0:0:admin:/root:/bin/ash\ndaemon:x:1:1::/:/bin/false\nraph:x:1000:1000::/home/raph:/bin/sh\n");
	free(out);
}

static void passwd_errors_name_the_snippet_and_line(void)
{
	struct cl_err err = { 0 };
	int rc;
	struct snippet few[] = { S("/etc/passwd.d/x", "root:x:0:0:root:/root:/bin/sh\nbad:x:0:0\n") };
	CHECK(run(combine_passwd, few, 1, &rc, &err) == NULL);
	CHECK(rc == -EINVAL);
	CHECK_STR(err.msg, "/etc/passwd.d/x:2: a passwd entry is name:password:uid:gid:gecos:home:shell; found 4 fields");
	struct snippet uid[] = { S("/etc/passwd.d/y", "root:x:zero:0:root:/root:/bin/sh\n") };
	CHECK(run(combine_passwd, uid, 1, &rc, &err) == NULL);
	CHECK(strstr(err.msg, "/etc/passwd.d/y:1: field 3 of the passwd entry 'root' must be a number") == err.msg);
	struct snippet twice[] = { S("/etc/passwd.d/z", "a:x:1:1::/:/bin/sh\na:x:2:2::/:/bin/sh\n") };
	CHECK(run(combine_passwd, twice, 1, &rc, &err) == NULL);
	CHECK(strstr(err.msg, "/etc/passwd.d/z:2: 'a' is already defined in this snippet") == err.msg);
	struct snippet noname[] = { S("/etc/passwd.d/n", ":x:1:1::/:/bin/sh\n") };
	CHECK(run(combine_passwd, noname, 1, &rc, &err) == NULL);
	CHECK(strstr(err.msg, "/etc/passwd.d/n:1: the passwd entry has no name") == err.msg);
}

static void shadow_takes_shadow_and_gshadow_entries(void)
{
	struct snippet s[] = {
		S("a", "root:*:19000:0:99999:7:::\n"),
		S("b", "root:$6$salt$hash:19000:0:99999:7:::\nwheel:!::root\n"),
	};
	struct cl_err err = { 0 };
	int rc;
	char *out = run(combine_shadow, s, 2, &rc, &err);
	CHECK(rc == 1);
	CHECK_STR(out, "root:$6$salt$hash:19000:0:99999:7:::\nwheel:!::root\n");
	free(out);
	struct snippet bad[] = { S("c", "justaname\n") };
	CHECK(run(combine_shadow, bad, 1, &rc, &err) == NULL);
	CHECK(strstr(err.msg, "c:1: a shadow entry is name:password:") == err.msg);
}

static void group_merges_by_name(void)
{
	struct snippet s[] = { S("a", "root:x:0:\naudio:x:29:alice\n"), S("b", "audio:x:29:bob\nusers:x:100:\n") };
	struct cl_err err = { 0 };
	int rc;
	char *out = run(combine_group, s, 2, &rc, &err);
	CHECK(rc == 1);
	CHECK_STR(out, "root:x:0:\naudio:x:29:bob\nusers:x:100:\n");
	free(out);
	struct snippet bad[] = { S("g", "audio:x:29\n") };
	CHECK(run(combine_group, bad, 1, &rc, &err) == NULL);
	CHECK_STR(err.msg, "g:1: a group entry is name:password:gid:members; found 3 fields");
	struct snippet gid[] = { S("h", "audio:x::\n") };
	CHECK(run(combine_group, gid, 1, &rc, &err) == NULL);
	CHECK(strstr(err.msg, "h:1: field 3 of the group entry 'audio' must be a number") == err.msg);
}

static void substitution_replaces_names_and_nothing_else(void)
{
	const struct kv kv[] = { { "machine_hostname", "alpha" }, { "domain", "example.org" },
				 { "machine_hostname", "beta" } };
	const char text[] = "${machine_hostname}.${domain} $HOME \\${literal} $ {x} $$\n";
	char *out = NULL;
	size_t len = 0;
	struct cl_err err = { 0 };
	CHECK(combine_substitute(text, sizeof text - 1, kv, 3, "w", &out, &len, &err) == 0);
	/* the last assignment of a name wins */
	CHECK_STR(out, "beta.example.org $HOME ${literal} $ {x} $$\n");
	CHECK(len == strlen(out));
	free(out);
}

static void substitution_errors_name_the_snippet_and_line(void)
{
	const struct kv kv[] = { { "a", "1" } };
	char *out = NULL;
	size_t len = 0;
	struct cl_err err = { 0 };
	const char undef[] = "one\ntwo ${a}\nthree ${nope}\n";
	CHECK(combine_substitute(undef, sizeof undef - 1, kv, 1, "/etc/hosts.d/10.hosts (from package x)", &out,
				 &len, &err) == -EINVAL);
	CHECK(out == NULL);
	CHECK(strstr(err.msg, "/etc/hosts.d/10.hosts (from package x):3: ${nope} is not defined; set nope in "
		      "settings/architecture.config or settings/networking.config") == err.msg);
	const char open[] = "x ${a\n";
	CHECK(combine_substitute(open, sizeof open - 1, kv, 1, "s", &out, &len, &err) == -EINVAL);
	CHECK(strstr(err.msg, "s:1: '${' must start a reference ${NAME}") == err.msg);
	const char digit[] = "\n\n${1x}";
	CHECK(combine_substitute(digit, sizeof digit - 1, kv, 1, "s", &out, &len, &err) == -EINVAL);
	CHECK(strstr(err.msg, "s:3: '${'") == err.msg);
	const char empty[] = "${}";
	CHECK(combine_substitute(empty, sizeof empty - 1, kv, 1, "s", &out, &len, &err) == -EINVAL);
}

static void combine_d_lines_parse_and_errors_have_file_line(void)
{
	struct combine_rule *rules = NULL;
	size_t n = 0;
	struct cl_err err = { 0 };
	const char good[] = "# ROOT FILE MODE TYPE\n/etc passwd 0644 passwd\n\n/etc  network/interfaces\t0644 nosort\n/ x 600 default\n";
	CHECK(combine_parse(good, sizeof good - 1, "c", &rules, &n, &err) == 0);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(rules[0].root, "/etc");
		CHECK_STR(rules[0].file, "passwd");
		CHECK(rules[0].mode == 0644);
		CHECK_STR(rules[0].type->name, "passwd");
		CHECK_STR(rules[0].where, "c:2");
		CHECK_STR(rules[1].file, "network/interfaces");
		CHECK_STR(rules[2].root, "");
		CHECK(rules[2].mode == 0600);
	}
	static const struct { const char *text, *msg; } bad[] = {
		{ "/etc passwd 0644\n", "c:1: expected ROOT FILE MODE TYPE" },
		{ "/etc passwd 0644 passwd extra\n", "c:1: expected ROOT FILE MODE TYPE" },
		{ "etc passwd 0644 passwd\n", "c:1: the ROOT 'etc' is not absolute" },
		{ "/etc/ passwd 0644 passwd\n", "c:1: the ROOT '/etc/' ends with '/'" },
		{ "/etc ../shadow 0644 passwd\n", "c:1: the FILE '../shadow' must be a relative path" },
		{ "/etc /passwd 0644 passwd\n", "c:1: the FILE '/passwd' must be a relative path" },
		{ "/etc passwd 0x644 passwd\n", "c:1: the MODE '0x644' must be octal" },
		{ "/etc passwd 0644 password\n", "c:1: unknown TYPE 'password'; one of nosort default hasfiles nocombine passwd shadow group" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct combine_rule *r = NULL;
		size_t m = 0;
		CHECK(combine_parse(bad[i].text, strlen(bad[i].text), "c", &r, &m, &err) == -EINVAL);
		if (!strstr(err.msg, bad[i].msg) || strstr(err.msg, bad[i].msg) != err.msg)
			printf("  case %zu: got '%s'\n", i, err.msg);
		CHECK(strstr(err.msg, bad[i].msg) == err.msg);
		free(r);
	}
	free(rules);
	for (const char *const *t = (const char *const[]){ "nosort", "default", "hasfiles", "nocombine", "passwd",
							   "shadow", "group", NULL }; *t; t++)
		CHECK(combine_type(*t) != NULL);
	CHECK(combine_type("password") == NULL);
}

/* The driver over a tree: snippets from several inputs, an override by
 * file name, the modes, and passwd's input order. */
static void put_file(struct fstree *t, const char *path, const char *text, unsigned layer)
{
	struct cl_err err = { 0 };
	struct fs_entry e = { .path = (char *)path, .type = FS_FILE, .perm = 0644, .data = (char *)text,
			      .size = strlen(text), .layer = layer };
	CHECK(fstree_parents(t, path, layer, &err) == 0);
	CHECK(fstree_put(t, &e, NULL, &err) == 0);
}

static char *content(struct fstree *t, const char *path)
{
	struct fs_entry *e = fstree_find(t, path);
	if (!e || e->type != FS_FILE)
		return NULL;
	char *d = NULL;
	size_t len;
	struct cl_err err = { 0 };
	return fstree_read(e, &d, &len, &err) == 0 ? d : NULL;
}

static void tree_combines_overrides_and_substitutes(void)
{
	struct fstree t;
	struct cl_err err = { 0 };
	fstree_init(&t);
	fstree_add_layer(&t, "package base", &err);
	fstree_add_layer(&t, "package extra", &err);
	fstree_add_layer(&t, "machines/m/settings/initramfs", &err);
	put_file(&t, "/etc/combine.d/base.combine",
		 "/etc passwd 0644 passwd\n/etc shadow 0600 shadow\n/etc hosts 0644 default\n"
		 "/etc filesystems 0644 hasfiles\n/etc profile 0644 nocombine\n/etc inittab 0644 nosort\n", 0);
	put_file(&t, "/etc/passwd.d/zz-base.passwd", "root:x:0:0:root:/root:/bin/sh\n", 0);
	/* a later input, an earlier name: it still overrides, by input order */
	put_file(&t, "/etc/passwd.d/aa-extra.passwd", "root:x:0:0:extra:/root:/bin/ash\n", 1);
	put_file(&t, "/etc/shadow.d/base.shadow", "root:!:1::::::\n", 0);
	put_file(&t, "/etc/hosts.d/10.hosts", "127.0.0.1 localhost\n", 0);
	put_file(&t, "/etc/hosts.d/20.hosts", "10.0.0.1 from-base\n", 0);
	/* the machine overrides a package's snippet by its name */
	put_file(&t, "/etc/hosts.d/20.hosts", "10.0.0.2 ${machine_hostname}\n", 2);
	put_file(&t, "/etc/profile.d/x.sh", "echo ${HOME}\n", 1);
	put_file(&t, "/etc/inittab.d/10.inittab", "::sysinit:/sbin/rcS\n", 0);
	put_file(&t, "/etc/inittab.d/00.inittab", "# first\n", 1);
	const struct kv kv[] = { { "machine_hostname", "alpha" } };
	CHECK(combine_tree(&t, kv, 1, &err) == 0);
	if (err.msg[0])
		printf("  %s\n", err.msg);
	char *s;
	CHECK_STR(s = content(&t, "/etc/passwd"), "root:x:0:0:extra:/root:/bin/ash\n");
	free(s);
	CHECK_STR(s = content(&t, "/etc/hosts"), "10.0.0.2 alpha\n127.0.0.1 localhost\n");
	free(s);
	CHECK_STR(s = content(&t, "/etc/inittab"), "# first\n::sysinit:/sbin/rcS\n");
	free(s);
	CHECK(fstree_find(&t, "/etc/filesystems") == NULL);  /* hasfiles, none */
	CHECK(fstree_find(&t, "/etc/profile") == NULL);      /* nocombine */
	/* nocombine snippets are left as they are, ${...} and all */
	CHECK_STR(s = content(&t, "/etc/profile.d/x.sh"), "echo ${HOME}\n");
	free(s);
	struct fs_entry *e = fstree_find(&t, "/etc/shadow");
	CHECK(e && e->perm == 0600 && e->uid == 0 && e->gid == 0);
	e = fstree_find(&t, "/etc/shadow.d/base.shadow");
	CHECK(e && e->perm == 0600);  /* the snippets take the mode too */
	fstree_free(&t);
}

static void tree_errors(void)
{
	struct cl_err err = { 0 };
	struct fstree t;
	const struct kv kv[] = { { "a", "1" } };

	fstree_init(&t);
	fstree_add_layer(&t, "package base", &err);
	put_file(&t, "/etc/combine.d/a.combine", "/etc hosts 0644 default\n", 0);
	put_file(&t, "/etc/hosts.d/10.hosts", "line\n${undefined}\n", 0);
	CHECK(combine_tree(&t, kv, 1, &err) == -EINVAL);
	CHECK(strstr(err.msg, "/etc/hosts.d/10.hosts (from package base):2: ${undefined} is not defined") == err.msg);
	fstree_free(&t);

	fstree_init(&t);
	fstree_add_layer(&t, "package base", &err);
	put_file(&t, "/etc/combine.d/a.combine", "/etc hosts 0644 default\n", 0);
	put_file(&t, "/etc/combine.d/b.combine", "# again\n/etc hosts 0600 nosort\n", 0);
	CHECK(combine_tree(&t, kv, 1, &err) == -EEXIST);
	CHECK(strstr(err.msg, "/etc/combine.d/b.combine (from package base):2: /etc/hosts is combined already by "
		      "/etc/combine.d/a.combine (from package base):1") == err.msg);
	fstree_free(&t);

	fstree_init(&t);
	fstree_add_layer(&t, "package base", &err);
	put_file(&t, "/etc/combine.d/a.combine", "/etc hosts 0644 default\n", 0);
	put_file(&t, "/etc/hosts.d/10.hosts", "x\n", 0);
	put_file(&t, "/etc/hosts", "shipped\n", 0);
	CHECK(combine_tree(&t, kv, 1, &err) == -EEXIST);
	CHECK(strstr(err.msg, "/etc/hosts is shipped by package base and also combined from /etc/hosts.d") == err.msg);
	fstree_free(&t);

	fstree_init(&t);
	fstree_add_layer(&t, "package base", &err);
	put_file(&t, "/etc/combine.d/a.combine", "/etc hosts 0644 bogus\n", 0);
	CHECK(combine_tree(&t, kv, 1, &err) == -EINVAL);
	CHECK(strstr(err.msg, "/etc/combine.d/a.combine (from package base):1: unknown TYPE 'bogus'") == err.msg);
	fstree_free(&t);
}

int main(void)
{
	RUN(nosort_concatenates_in_order_and_ends_each_line);
	RUN(default_sorts_every_line_by_bytes);
	RUN(hasfiles_makes_nothing_without_a_snippet);
	RUN(nocombine_never_makes_the_file);
	RUN(passwd_merges_by_name_later_overrides);
	RUN(passwd_errors_name_the_snippet_and_line);
	RUN(shadow_takes_shadow_and_gshadow_entries);
	RUN(group_merges_by_name);
	RUN(substitution_replaces_names_and_nothing_else);
	RUN(substitution_errors_name_the_snippet_and_line);
	RUN(combine_d_lines_parse_and_errors_have_file_line);
	RUN(tree_combines_overrides_and_substitutes);
	RUN(tree_errors);
	return test_failures ? 1 : 0;
}
