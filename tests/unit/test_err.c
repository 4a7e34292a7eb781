/* The error classes and the one exit-status rule every command uses. */
#include <errno.h>
#include <stdio.h>

#include "../../builder/build/worker.h"
#include "../../common/err.h"
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

int main(void)
{
	RUN(classes_give_exit_statuses);
	RUN(the_sandbox_is_125_whatever_its_errno);
	RUN(unclassed_errors_follow_their_errno);
	RUN(a_new_error_forgets_the_old_class);
	RUN(the_class_crosses_a_worker);
	return test_failures ? 1 : 0;
}
