/* SPDX-License-Identifier: MIT */
/*
 * Helpers for backend tests: a host with a sysfs tree and the backends a
 * test loads, and file access by path through the tree, so a test reads
 * and writes the emulated files as a user would (without a mount).
 */
#ifndef BACKEND_TEST_H
#define BACKEND_TEST_H

#include <check.h>
#include <stdbool.h>

#include "core.h"
#include "core_peek.h"
#include "sysfs.h"


struct bt {
	struct mdevfs_host *host;
	struct sysfs_tree *tree;
};

/* A host (default profile unless profile != NULL) with a tree. */
void bt_start(struct bt *bt, const char *profile);
/* Load "NAME[:ARGS]" from the build's backend dir; fails the test on error. */
void bt_load(struct bt *bt, const char *spec);
/* Like bt_load but returns the loader's message (g_free) or NULL if it loaded. */
char *bt_try_load(struct bt *bt, const char *spec);
void bt_stop(struct bt *bt);

/* Path below the mount root, e.g. "bus/mdev/devices". */
bool bt_exists(struct bt *bt, const char *path);
/* The file's text; NULL and *err = errno on failure (g_free the result). */
char *bt_read(struct bt *bt, const char *path, int *err);
/* The same, every byte (a binary file's first 4096). */
GBytes *bt_read_bytes(struct bt *bt, const char *path, int *err);
/* One write(); returns 0 or the errno. */
int bt_write(struct bt *bt, const char *path, const char *text);
/* readlink text, or NULL. */
char *bt_readlink(struct bt *bt, const char *path);
/* st_mode (type and permissions), or 0 if missing. */
unsigned int bt_mode(struct bt *bt, const char *path);
/* Names in a directory, sorted and joined by spaces ("" if empty). */
char *bt_list(struct bt *bt, const char *path);

/* Assert a file's exact content. */
#define bt_expect(bt, path, want)                                          \
	do {                                                               \
		int e_ = 0;                                                \
		char *got_ = bt_read((bt), (path), &e_);                   \
		ck_assert_msg(got_, "read %s: %s", (path), g_strerror(e_)); \
		ck_assert_str_eq(got_, (want));                            \
		g_free(got_);                                              \
	} while (0)

/* Assert a write fails with errno want (0 = succeeds). */
#define bt_expect_write(bt, path, text, want)                              \
	ck_assert_msg(bt_write((bt), (path), (text)) == (want),            \
		      "write '%s' to %s: want %s", (text), (path),         \
		      (want) ? g_strerror(want) : "success")

/* Assert a file's exact content, the path given printf-style. */
void bt_expectf(struct bt *bt, const char *want, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);
/* Assert a read fails with errno want. */
void bt_expect_read_error(struct bt *bt, const char *path, int want);
/* Assert path is a symlink whose text is want. */
void bt_expect_link(struct bt *bt, const char *path, const char *want);
/* Assert a directory's names, sorted and joined as bt_list() gives them. */
void bt_expect_list(struct bt *bt, const char *path, const char *want);
/* Assert a 6.1 type directory: its entries, their modes, texts, no devices. */
void bt_expect_type(struct bt *bt, const char *dir, const char *name,
		    const char *desc, const char *api);

/* Write uuid to TYPES/TYPE/create; assert the errno is want (0: made). */
void bt_expect_create(struct bt *bt, const char *types, const char *type,
		      const char *uuid, int want);
/* Write text to the mdev's remove file; assert the write succeeds. */
void bt_remove(struct bt *bt, const char *uuid, const char *text);

/* Run a suite with CK_NORMAL output; the exit status for main(). */
int bt_run(Suite *suite);

#endif
