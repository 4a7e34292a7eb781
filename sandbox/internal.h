/* Interfaces between the files of sandbox/; not for builder/. */
#ifndef CLOISTER_SANDBOX_INTERNAL_H
#define CLOISTER_SANDBOX_INTERNAL_H

#include <seccomp.h>
#include <sys/capability.h>
#include <stdbool.h>

#include "sandbox.h"

/* namespaces.c */
/* CLONE_NEWNET is not here: see network.c */
#define SANDBOX_CLONE_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | \
			     CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP)
/* fork()-like: returns the child's pid in the parent (with *pidfd set),
 * 0 in the child, negative errno on failure. */
pid_t sandbox_clone(int *pidfd, int cgroup_fd, struct cl_err *err);
/* Arranges SIGKILL when the parent dies; fails if it already has, which
 * the child learns from the parent's end of chan being closed. */
int sandbox_die_with_parent(int chan, struct cl_err *err);
/* Explains why unprivileged user namespaces are unavailable and how to
 * allow them, or returns NULL when no known restriction is in force. */
const char *sandbox_userns_diagnosis(char *buf, size_t len);

/* cgroup.c: a cgroup of its own for one sandbox, under cfg->cgroup_parent
 * (an O_PATH fd for CLONE_INTO_CGROUP, path in path), and its removal */
int sandbox_cgroup_create(const struct sandbox_config *cfg, char *path, size_t len, struct cl_err *err);
void sandbox_cgroup_remove(const char *path);

/* idmap.c */
/* Writes the maps of process pid (0: the caller itself). */
int sandbox_write_idmaps(pid_t pid, uid_t inner_uid, uid_t outer_uid, gid_t inner_gid,
			 gid_t outer_gid, struct cl_err *err);
/* When the parent wrote the maps: takes the inner ids, with no
 * supplementary group. */
int sandbox_become_ids(const struct sandbox_config *cfg, struct cl_err *err);

/* rootfs.c, mounts.c, devices.c, procfs.c: the filesystem view */
struct rootfs {
	int staging_fd;     /* private tmpfs holding scaffold/ and newroot/ */
	int scaffold_fd;    /* mountpoints for a read-only root, lowest layer */
	int root_fd;        /* the assembled new root, once mounted */
	int *layer_fds;     /* O_PATH fds of cfg->roots, opened before anything is shadowed */
	int *op_fds;        /* detached mount clones of bind sources, by op index */
	int dev_fds[6];     /* detached clones of the host's device nodes */
	char *lower;        /* room for the overlay's lowerdir option */
	size_t lower_cap;
};
/* rootfs_init() allocates, so the supervisor calls it before the clone
 * (the child of a threaded caller must not call malloc); the child closes
 * its descriptors with rootfs_release(), the supervisor frees the memory
 * with rootfs_free().  Returns -ENOMEM. */
int rootfs_init(struct rootfs *rf, const struct sandbox_config *cfg);
/* The context a failure to mount the layers gets in the child; the
 * supervisor then looks for the cause in the host's mount table. */
#define SANDBOX_LAYERS_FAILED "building the read-only root from the --root layers"
void sandbox_explain_layers(const struct sandbox_config *cfg, struct cl_err *err);
void rootfs_release(struct rootfs *rf, const struct sandbox_config *cfg);
void rootfs_free(struct rootfs *rf);
int sandbox_make_mounts_private(struct cl_err *err);
int sandbox_open_sources(const struct sandbox_config *cfg, struct rootfs *rf,
			 struct cl_err *err);
int sandbox_assemble_root(const struct sandbox_config *cfg, struct rootfs *rf,
			  struct cl_err *err);
int sandbox_mount_procfs(struct rootfs *rf, struct cl_err *err);
int sandbox_mount_devices(const struct sandbox_config *cfg, struct rootfs *rf, struct cl_err *err);
int sandbox_mount_tmp(const struct sandbox_config *cfg, struct rootfs *rf, struct cl_err *err);
int sandbox_apply_ops(const struct sandbox_config *cfg, struct rootfs *rf,
		      struct cl_err *err);
int sandbox_mask_procfs(const struct sandbox_config *cfg, struct rootfs *rf,
			struct cl_err *err);
int sandbox_seal_root(const struct sandbox_config *cfg, struct rootfs *rf,
		      struct cl_err *err);
int sandbox_pivot_root(struct rootfs *rf, struct cl_err *err);

/* mounts.c helpers shared with devices.c and procfs.c */
/* An O_PATH fd for PATH (absolute or relative) resolved inside root_fd:
 * symlinks are followed but can never lead out of the new root. */
int resolve_in_root(int root_fd, const char *path, int flags, struct cl_err *err);
/* Makes PATH exist inside root_fd (directories, and a final empty file
 * when !dir) and returns an O_PATH fd to it. */
int make_path_in_root(int root_fd, const char *path, bool dir, struct cl_err *err);
/* Attaches a detached mount fd at target_fd. */
int attach_mount(int mount_fd, int target_fd, const char *what, struct cl_err *err);
/* A new detached filesystem instance: fstype with key=value options. */
int new_fs(const char *fstype, const char *const *options, unsigned attrs,
	   struct cl_err *err);

/* mounttable.c: reading the host's mount table (libmount, loaded on
 * demand).  Explains why overlayfs refused a --root layer, into buf; buf
 * is empty when there is nothing to say. */
void mounttable_explain_layer(const char *path, char *buf, size_t len);

/* namespaces.c: what else the new namespaces need */
int sandbox_set_hostname(const struct sandbox_config *cfg, struct cl_err *err);

/* network.c: the network namespace, made by a helper in parallel */
struct net_helper {
	pid_t pid;
	int sock;
};
int sandbox_net_start(struct net_helper *h, struct cl_err *err);
int sandbox_net_join(struct net_helper *h, struct cl_err *err);
/* On a failed setup: kills and reaps the helper if it is still there. */
void sandbox_net_abandon(struct net_helper *h);

/* caps.c: empty is a cap_init() the supervisor made before the clone */
int sandbox_drop_capabilities(cap_t empty, struct cl_err *err);

/* seccomp.c */
/* Builds the policy; the caller owns the context (seccomp_release). */
int sandbox_seccomp_build(const struct sandbox_config *cfg, scmp_filter_ctx *out,
			  struct cl_err *err);
/* Compiles it to BPF (libseccomp) and writes the program to fd.  The
 * supervisor does this while the child sets up its mounts, so compiling
 * costs the sandbox no start-up time.  Returns 1 when the child has
 * already closed the pipe (it failed its setup and will say why). */
int sandbox_seccomp_export(scmp_filter_ctx ctx, int fd, struct cl_err *err);
/* Reads a program written by sandbox_seccomp_export from bpf_fd and loads
 * it into the calling process, with no_new_privs; *notify_fd receives the
 * user-notification listener. */
int sandbox_seccomp_install(int bpf_fd, int *notify_fd, struct cl_err *err);

/* channel.c: the child's reports to the supervisor, over SOCK_SEQPACKET */
enum chan_msg {
	CHAN_NOTIFY_FD = 'F',  /* carries the seccomp listener */
	CHAN_SETUP_ERROR = 'E',
	CHAN_EXEC_ERROR = 'X',
	CHAN_EXIT_STATUS = 'S', /* "STATUS SIGNAL": the command's status, the signal that ended it
				   (0: it exited); every process is gone */
	CHAN_NETNS_FD = 'N',    /* from the network helper to pid 1 */
	CHAN_IDMAP_DONE = 'M',  /* from the supervisor: the id maps are written */
};
int chan_send(int sock, enum chan_msg type, const char *text, int fd);
/* Returns the message type (>0), 0 at end of stream, or negative errno. */
int chan_recv(int sock, char *text, size_t len, int *fd);
/* A setup error, from a child: CHAN_SETUP_ERROR with the errno and the
 * strerror() the child deferred.  chan_take_error() turns the text back
 * into err, strerror text appended; it returns -errno. */
int chan_send_error(int sock, const struct cl_err *err);
int chan_take_error(const char *text, struct cl_err *err);
/* The errno and deferred errno of such a text; the message after them,
 * or NULL when the text is not one. */
const char *chan_error_head(const char *text, int *code, int *due);

/* supervisor.c */
/* Supervises the sandbox until it ends; fills res (but its wall time). */
int sandbox_supervise(const struct sandbox_config *cfg, pid_t pid, int pidfd,
		      int chan, int sigfd, struct sandbox_result *res, struct cl_err *err);

/* init.c: pid 1 of the sandbox; never returns */
__attribute__((noreturn))
void sandbox_init_main(const struct sandbox_config *cfg, int chan);

#endif
