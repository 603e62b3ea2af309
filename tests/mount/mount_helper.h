/* SPDX-License-Identifier: MIT */
/*
 * Mounting mdevfs for tests: make a mount point, run `mdevfs -f DIR`, wait
 * until the kernel shows a fuse.mdevfs mount there, and take it all down
 * again.  Every mount is also kept in a process-local registry that an
 * atexit handler and fatal-signal handlers sweep, so nothing stays mounted
 * when the runner dies; daemons get PR_SET_PDEATHSIG for SIGKILLed runners.
 */
#ifndef MDEVFS_MOUNT_HELPER_H
#define MDEVFS_MOUNT_HELPER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* mh_start() result when FUSE is unusable here (EPERM/EACCES/ENODEV). */
#define MH_UNUSABLE 77

struct mh_mount {
	char dir[PATH_MAX];    /* the mount point (mkdtemp) */
	char log[PATH_MAX];    /* the daemon's stdout and stderr */
	pid_t pid;             /* the daemon, 0 when not running or reaped */
	int slot;              /* registry slot, -1 if none */
	int exit_status;       /* set by mh_teardown: the daemon's exit code
				  after SIGTERM, -1 if it did not exit */
};

/* The daemon binary: $MDEVFS_BIN (set by CTest) or what mh_set_daemon gave. */
void mh_set_daemon(const char *path);
const char *mh_daemon(void);

/* Install the atexit and signal handlers (once, in the runner). */
void mh_install_cleanup(void);

/* 0 if /dev/fuse opens read-write, else -errno. */
int mh_fuse_device_usable(void);

/* Make the mount point and log file and register them (no daemon yet). */
int mh_prepare(struct mh_mount *m, char *why, size_t whylen);

/*
 * Start `mdevfs -f DIR [extra...]` (extra is NULL-terminated, may be NULL)
 * and wait until the mount is live.  0 on success; MH_UNUSABLE if the mount
 * failed because FUSE is not permitted or not available; -1 otherwise.  why
 * gets a one-line reason on failure.
 */
int mh_start(struct mh_mount *m, const char *const *extra, char *why,
	     size_t whylen);

/* Whether a fuse.mdevfs mount is at dir (per /proc/self/mountinfo). */
bool mh_is_mounted(const char *dir);
/* Whether any mount is at dir, of any type. */
bool mh_is_mountpoint(const char *dir);

/*
 * Send sig to the daemon and wait up to timeout_ms for it to exit.  0 and
 * *status set if it was reaped, -1 if it did not exit in time (it is still
 * running then).  Only the process that started the daemon can reap it.
 */
int mh_signal_and_wait(struct mh_mount *m, int sig, int timeout_ms, int *status);

/* Wait for the daemon to exit by itself (e.g. after fusermount3 -u). */
int mh_wait(struct mh_mount *m, int timeout_ms, int *status);

/*
 * Tear down: stop the daemon if still running (SIGTERM, then SIGKILL after
 * a grace period), make sure the directory is unmounted (umount2
 * MNT_DETACH, then `fusermount3 -u -z`), remove it and the log.  Returns
 * true if everything was clean: the daemon (if this process started it and
 * it was running) exited on SIGTERM, without dying of a signal, and nothing
 * needed a forced unmount.  Its exit code goes to m->exit_status.
 */
bool mh_teardown(struct mh_mount *m, char *why, size_t whylen);

/* Print the daemon's log to stderr (for failure reports). */
void mh_dump_log(const struct mh_mount *m);

#endif
