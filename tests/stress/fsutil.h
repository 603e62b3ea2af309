/* SPDX-License-Identifier: MIT */
/*
 * Small file helpers for the stress and recovery programs, which talk to a
 * real mount through ordinary system calls.  Every helper returns 0 or a
 * positive errno and never exits, so callers decide what an error means.
 */
#ifndef MDEVFS_STRESS_FSUTIL_H
#define MDEVFS_STRESS_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t fs_now_ns(void);

/* open(O_WRONLY), one write() of text, close().  0 or the errno of the
 * first step that failed; *stage says which ('o', 'w', 'c', 's' = short). */
int fs_write(const char *path, const char *text, size_t len, char *stage);

/* Read a whole file (at most size - 1 bytes, NUL-terminated). */
int fs_read(const char *path, char *buf, size_t size);

/* Drop the kernel's cached pages of a file (POSIX_FADV_DONTNEED), so the
 * next read asks the daemon. */
int fs_drop_cache(const char *path);

/* Printable form of text for messages (\n and control bytes escaped),
 * in one of a few static buffers. */
const char *fs_esc(const char *text);

/* readlink(), NUL-terminated. */
int fs_readlink(const char *path, char *buf, size_t size);

/*
 * The names in a directory (without . and ..), sorted, each at most 63
 * bytes; *n is set to how many there are, of which at most max are
 * stored.  0 or the errno of opendir/readdir.
 */
int fs_list(const char *dir, char (*names)[64], int max, int *n);

/* Whether path exists (lstat). */
bool fs_exists(const char *path);

/* Run argv (NULL-terminated, looked up in PATH) with stdout and stderr
 * kept: its exit status, or -1 if it could not run or died of a signal. */
int fs_run(const char *const *argv);

#endif
