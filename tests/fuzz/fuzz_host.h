/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz harnesses share: an in-process host with a sysfs tree and
 * backends loaded from the instrumented copies this directory builds, and
 * access to the tree's files by path, as FUSE would do it (lookups that
 * follow symlinks, open, one read or write, release).  Nothing here uses
 * Check or exits on a mere error: harnesses decide what is a bug, and
 * call fh_bug() (which aborts, so libFuzzer keeps the input) when it is.
 */
#ifndef MDEVFS_FUZZ_HOST_H
#define MDEVFS_FUZZ_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.h"
#include "sysfs.h"

struct fh {
	struct mdevfs_host *host;
	struct sysfs_tree *tree;
	/* Files read and written by inode, as under -o no_open (set after
	 * fh_start()); reads then also check that a file's size is the
	 * length of what a read of it gives. */
	bool by_inode;
};

/* The instrumented backend directory, for control_execute() and loads. */
extern const char *const fh_backend_dirs[];

/*
 * Once per process: dlopen the instrumented backends with RTLD_NODELETE,
 * so that loading and unloading them per input never maps a module (and
 * its coverage counters) anew.
 */
void fh_init(void);

/* A host of the given profile (NULL: the newest) with a tree. */
void fh_start(struct fh *fh, const char *profile);
/* Load "NAME[:ARGS]"; NULL if loaded, else the message (g_free). */
char *fh_load(struct fh *fh, const char *spec);
void fh_stop(struct fh *fh);

/* The files, by path below the mount root.  Errors are positive errnos. */
bool fh_exists(struct fh *fh, const char *path);
/* st_mode of path (a final link not followed), 0 if missing. */
unsigned int fh_mode(struct fh *fh, const char *path);
/* Read the whole value (up to a page); NULL and *err on failure. */
char *fh_read(struct fh *fh, const char *path, int *err, size_t *len);
/* One write() of len bytes (NULs allowed); 0 or the errno. */
int fh_write(struct fh *fh, const char *path, const void *buf, size_t len);
int fh_write_str(struct fh *fh, const char *path, const char *text);
/* The link text, or NULL (g_free). */
char *fh_readlink(struct fh *fh, const char *path);
/* The names in a directory (a final link is followed), sorted,
 * NULL-terminated (g_strfreev); an empty vector if it does not exist. */
char **fh_list(struct fh *fh, const char *path);
/* Visit every file below the directory path (a final link is followed,
 * none below it) and read it; returns how many read without error. */
unsigned int fh_read_all(struct fh *fh, const char *path);

/* Report an invariant violation and abort. */
void fh_bug(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define FH_ASSERT(cond, ...)                                               \
	do {                                                               \
		if (!(cond))                                               \
			fh_bug(__VA_ARGS__);                               \
	} while (0)

#endif
