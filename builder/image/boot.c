/* The QEMU command line of `cloister boot`. */
#define _GNU_SOURCE
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "qemu_config.h"

/* A /dev/kvm can answer without the processor's virtualization behind
 * it (some sandboxed hosts emulate it, and a guest then hangs at the
 * first instruction): the CPU's own vmx or svm flag is required too. */
static bool cpu_virtualizes(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "flags", 5) && (strstr(line, " vmx") || strstr(line, " svm")))
			return true;
	return false;
}

bool kvm_usable(char *why, size_t len)
{
	if (!cpu_virtualizes()) {
		snprintf(why, len, "the CPU shows no vmx or svm flag");
		return false;
	}
	_cleanup_close_ int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return false;
	}
	int v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm speaks API %d, not %d", v, KVM_API_VERSION);
		return false;
	}
	_cleanup_close_ int vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		snprintf(why, len, "/dev/kvm cannot create a VM: %s", strerror(errno));
		return false;
	}
	snprintf(why, len, "/dev/kvm is usable");
	return true;
}

static bool is(const char *w, const char *opt)
{
	/* QEMU takes -opt and --opt alike */
	return !strcmp(w, opt) || (w[0] == '-' && !strcmp(w + 1, opt));
}

/* The machine's settings choose the accelerator themselves? */
static bool sets_accel(const struct words *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (is(w->v[i], "-accel") || is(w->v[i], "-enable-kvm"))
			return true;
		if ((is(w->v[i], "-machine") || is(w->v[i], "-M")) && i + 1 < w->n && strstr(w->v[i + 1], "accel="))
			return true;
	}
	return false;
}

/* QEMU's option lists split at commas; a comma in a value is doubled. */
static int add_tftp_netdev(struct words *argv, const char *dir, struct cl_err *err)
{
	char escaped[2 * PATH_MAX];
	size_t o = 0;
	for (const char *c = dir; *c && o + 2 < sizeof escaped; c++) {
		escaped[o++] = *c;
		if (*c == ',')
			escaped[o++] = ',';
	}
	escaped[o] = '\0';
	return words_addf(argv, err, "user,id=n0,tftp=%s,bootfile=boot.ipxe", escaped);
}

/* --pxe: QEMU takes -append and -initrd only with -kernel, so the
 * settings' ones move into the iPXE script (the last of each wins, as
 * with QEMU).  The values are copied to taken, which owns them. */
static int take_kernel_args(struct words *settings, struct words *taken, const char *file,
			    const char **append, const char **initrd, struct cl_err *err)
{
	for (size_t i = 0; i < settings->n; i++) {
		bool a = is(settings->v[i], "-append"), d = is(settings->v[i], "-initrd");
		if (!a && !d)
			continue;
		if (i + 1 >= settings->n)
			return cl_err_msg(err, EINVAL, "%s: %s needs a value", file, settings->v[i]);
		TRY(words_add(taken, settings->v[++i], -1, err));
		*(a ? append : initrd) = taken->v[taken->n - 1];
	}
	size_t o = 0;
	for (size_t i = 0; i < settings->n; i++) {
		if (is(settings->v[i], "-append") || is(settings->v[i], "-initrd")) {
			free(settings->v[i]);
			free(settings->v[++i]);
		} else {
			settings->v[o++] = settings->v[i];
		}
	}
	settings->n = o;
	if (settings->v)
		settings->v[o] = NULL;
	return 0;
}

int boot_plan(const struct image_paths *p, const struct boot_opts *o, struct boot_plan *plan,
	      struct cl_err *err)
{
	char file[PATH_MAX];
	struct words settings = { 0 }, taken = { 0 };
	memset(plan, 0, sizeof *plan);
	const struct qemu_var vars[] = {
		{ "SETTINGS_PATH", p->settings_dir },
		{ "MACHINE_PATH", p->output_dir },
		{ "MACHINE_NAME", p->name },
	};
	TRY(pathf(err, file, sizeof file, "%s/%s", p->settings_dir, BOOT_SETTINGS_FILE));
	int r = qemu_config_read(file, vars, 3, &settings, err);
	for (size_t i = 0; r == 0 && i < settings.n; i++)
		if (is(settings.v[i], "-kernel"))
			r = cl_err_msg(err, EINVAL, "%s: sets -kernel, but the image is the machine's own "
				       "(%s): remove it", file, p->image);
	const char *append = NULL, *initrd = NULL;
	if (r == 0 && o->pxe)
		r = take_kernel_args(&settings, &taken, file, &append, &initrd, err);
	if (o->append)
		append = o->append;
	if (o->initrd)
		initrd = o->initrd;
	if (r == 0 && o->initrd && access(o->initrd, R_OK) < 0)
		r = cl_err_set(err, errno, "the initrd %s", o->initrd);

	struct words *argv = &plan->argv;
	if (r == 0)
		r = words_add(argv, BOOT_QEMU, -1, err);
	if (r == 0 && sets_accel(&settings)) {
		snprintf(plan->accel, sizeof plan->accel, "the accelerator of %s", file);
	} else if (r == 0) {
		char why[128];
		const char *accel = o->accel;
		if (!accel)
			accel = kvm_usable(why, sizeof why) ? "kvm" : "tcg";
		else
			snprintf(why, sizeof why, "as asked");
		snprintf(plan->accel, sizeof plan->accel, "%s (%s)", !strcmp(accel, "kvm") ? "KVM" : "TCG", why);
		r = words_add(argv, "-accel", -1, err);
		if (r == 0)
			r = words_add(argv, accel, -1, err);
	}
	/* -nographic: the serial console (muxed with QEMU's monitor, Ctrl-A
	 * c) on stdio; -no-reboot: a reboot of the guest ends QEMU */
	if (r == 0)
		r = words_add(argv, "-nographic", -1, err);
	if (r == 0)
		r = words_add(argv, "-no-reboot", -1, err);
	if (r == 0 && o->pxe) {
		r = pxe_folder(p, append, initrd, plan, err);
		const char *net[] = { "-boot", "n", "-netdev", NULL, "-device", "e1000,netdev=n0" };
		for (size_t i = 0; r == 0 && i < sizeof net / sizeof *net; i++)
			r = net[i] ? words_add(argv, net[i], -1, err) : add_tftp_netdev(argv, plan->tftp_dir, err);
	} else if (r == 0) {
		r = words_add(argv, "-kernel", -1, err);
		if (r == 0)
			r = words_add(argv, p->image, -1, err);
	}
	for (size_t i = 0; r == 0 && i < settings.n; i++)
		r = words_add(argv, settings.v[i], -1, err);
	/* after the settings: QEMU takes the last -append and -initrd */
	if (r == 0 && !o->pxe && o->append && (r = words_add(argv, "-append", -1, err)) == 0)
		r = words_add(argv, o->append, -1, err);
	if (r == 0 && !o->pxe && o->initrd && (r = words_add(argv, "-initrd", -1, err)) == 0)
		r = words_add(argv, o->initrd, -1, err);
	words_free(&settings);
	words_free(&taken);
	if (r < 0)
		boot_plan_free(plan);
	return r;
}

void boot_plan_free(struct boot_plan *plan)
{
	words_free(&plan->argv);
	if (plan->tftp_dir[0]) {
		struct cl_err ignored = { 0 };
		remove_tree(plan->tftp_dir, &ignored);
		plan->tftp_dir[0] = '\0';
	}
}
