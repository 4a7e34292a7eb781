/* The error classes and the one exit-status rule every command uses. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../builder/build/worker.h"
#include "../../common/err.h"
#include "../../sandbox/internal.h"
#include "test.h"

static void classes_give_exit_statuses(void)
{
	struct cl_err e = { 0 };
	cl_err_in(&e, CL_USAGE, EINVAL, "x");
	CHECK(cl_exit_status(&e) == 2);
	cl_err_in(&e, CL_BAD_INPUT, EIO, "x");
	CHECK(cl_exit_status(&e) == 2);
	cl_err_in(&e, CL_BUILD_FAILED, EIO, "x");
	CHECK(cl_exit_status(&e) == 1);
	cl_err_in(&e, CL_UNREPRODUCIBLE, EIO, "x");
	CHECK(cl_exit_status(&e) == 1);
	cl_err_in(&e, CL_IO, EBADMSG, "x");
	CHECK(cl_exit_status(&e) == 1);   /* the class wins over the errno */
	cl_err_in(&e, CL_RESOURCE, ENOSPC, "x");
	CHECK(cl_exit_status(&e) == 1);
	cl_err_in(&e, CL_INTERRUPTED, EINTR, "x");
	e.signal = 15;
	CHECK(cl_exit_status(&e) == 143);
	e.signal = 2;
	CHECK(cl_exit_status(&e) == 130);
}

static void the_sandbox_is_125_whatever_its_errno(void)
{
	struct cl_err e = { 0 };
	/* AppArmor refusing a user namespace: EPERM, yet not bad input */
	cl_err_set(&e, EPERM, "creating the user namespace");
	CHECK(cl_err_as(&e, CL_SANDBOX) == -EPERM);
	CHECK(cl_exit_status(&e) == 125);
	CHECK_STR(cl_class_name(cl_err_class(&e)), "sandbox setup");
}

static void unclassed_errors_follow_their_errno(void)
{
	struct cl_err e = { 0 };
	cl_err_msg(&e, EINVAL, "recipe:3: bad field");
	CHECK(cl_err_class(&e) == CL_BAD_INPUT && cl_exit_status(&e) == 2);
	cl_err_set(&e, ENOSPC, "writing");
	CHECK(cl_err_class(&e) == CL_RESOURCE && cl_exit_status(&e) == 1);
	cl_err_set(&e, EACCES, "opening");
	CHECK(cl_err_class(&e) == CL_IO && cl_exit_status(&e) == 1);
}

static void a_new_error_forgets_the_old_class(void)
{
	struct cl_err e = { 0 };
	cl_err_in(&e, CL_SANDBOX, EPERM, "x");
	cl_err_msg(&e, EINVAL, "y");
	CHECK(cl_err_class(&e) == CL_BAD_INPUT);
	/* cl_err_as does not overwrite a class already set */
	cl_err_in(&e, CL_UNREPRODUCIBLE, EIO, "z");
	cl_err_as(&e, CL_BUILD_FAILED);
	CHECK(cl_err_class(&e) == CL_UNREPRODUCIBLE);
	/* context keeps the class */
	cl_err_prefix(&e, "busybox");
	CHECK(cl_err_class(&e) == CL_UNREPRODUCIBLE);
}

static int fails_classed(void *arg, FILE *out, struct cl_err *err)
{
	(void)arg;
	(void)out;
	cl_err_in(err, CL_SANDBOX, EPERM, "no user namespace: %s", "kernel.unprivileged_userns_clone=0");
	err->signal = 0;
	return -EPERM;
}

static void the_class_crosses_a_worker(void)
{
	struct worker w;
	struct cl_err e = { 0 };
	char *result = NULL;
	CHECK(worker_start(&w, fails_classed, NULL, &e) == 0);
	CHECK(worker_wait(&w, "a test worker", &result, &e) == -EPERM);
	CHECK(cl_err_class(&e) == CL_SANDBOX);
	CHECK(cl_exit_status(&e) == 125);
	CHECK_STR(e.msg, "no user namespace: kernel.unprivileged_userns_clone=0");
}

/* A child's error keeps its errno and leaves the strerror() text to the
 * supervisor, which appends it last: the message reads as if it had been
 * set in one process. */
static void a_childs_strerror_is_appended_by_the_receiver(void)
{
	struct cl_err child = { .defer = CL_ERR_DEFER_STRERROR };
	CHECK(cl_err_set(&child, ENOENT, "opening %s", "/x") == -ENOENT);
	CHECK_STR(child.msg, "opening /x");
	CHECK(child.strerror_due == ENOENT);
	cl_err_prefix(&child, "mounting /usr");
	CHECK(child.strerror_due == ENOENT);
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(chan_send_error(sv[1], &child) == 0);
	char text[1100];
	int fd = -1;
	CHECK(chan_recv(sv[0], text, sizeof text, &fd) == CHAN_SETUP_ERROR);
	struct cl_err got = { 0 };
	CHECK(chan_take_error(text, &got) == -ENOENT);
	CHECK_STR(got.msg, "mounting /usr: opening /x: No such file or directory");
	/* without strerror: the message as it was */
	struct cl_err plain = { .defer = CL_ERR_DEFER_STRERROR };
	cl_err_msg(&plain, EPERM, "no id map");
	CHECK(chan_send_error(sv[1], &plain) == 0);
	CHECK(chan_recv(sv[0], text, sizeof text, &fd) == CHAN_SETUP_ERROR);
	CHECK(chan_take_error(text, &got) == -EPERM);
	CHECK_STR(got.msg, "no id map");
	/* in the parent, strerror comes at once */
	struct cl_err parent = { 0 };
	cl_err_set(&parent, ENOENT, "opening %s", "/x");
	CHECK_STR(parent.msg, "opening /x: No such file or directory");
	CHECK(chan_take_error("garbage", &got) == -EPROTO);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	RUN(a_childs_strerror_is_appended_by_the_receiver);
	RUN(classes_give_exit_statuses);
	RUN(the_sandbox_is_125_whatever_its_errno);
	RUN(unclassed_errors_follow_their_errno);
	RUN(a_new_error_forgets_the_old_class);
	RUN(the_class_crosses_a_worker);
	return test_failures ? 1 : 0;
}
