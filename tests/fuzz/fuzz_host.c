// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "fuzz_host.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

const char *const fh_backend_dirs[] = { FUZZ_BACKEND_DIR, NULL };

void fh_bug(const char *fmt, ...)
{
	va_list ap;

	fputs("\nINVARIANT VIOLATED: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fh_init(void)
{
	static const char *const names[] = { "mtty", "mdpy", "vfio_ap", "keyfile" };
	static bool done;

	if (done)
		return;
	done = true;
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *path = g_strdup_printf("%s/%s.so", FUZZ_BACKEND_DIR,
							names[i]);

		/* Deliberately never closed. */
		if (!dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE))
			fprintf(stderr, "fuzz: cannot pin %s: %s\n", path, dlerror());
	}
}

void fh_start(struct fh *fh, const char *profile)
{
	const struct mdev_profile *p = NULL;

	if (profile) {
		p = mdev_profile_find(profile);
		if (!p)
			fh_bug("no profile %s", profile);
	}
	fh->host = mdev_host_new(p);
	fh->tree = sysfs_tree_new(fh->host);
	fh->by_inode = false;
}

char *fh_load(struct fh *fh, const char *spec)
{
	GError *error = NULL;
	char *msg;

	if (mdev_backend_load(fh->host, spec, fh_backend_dirs, &error))
		return NULL;
	msg = g_strdup(error->message);
	g_error_free(error);
	return msg;
}

void fh_stop(struct fh *fh)
{
	mdev_backends_unload(fh->host);
	sysfs_tree_free(fh->tree);
	mdev_host_free(fh->host);
	fh->host = NULL;
	fh->tree = NULL;
}

/* ------------------------------------------------------------------ */
/* Walking paths                                                        */

/*
 * The inodes a walk looked up, each holding one lookup reference, as the
 * kernel would; they are forgotten when the operation is over so that a
 * long-lived host frees removed nodes.
 */
struct walk {
	struct fh *fh;
	GArray *looked;     /* uint64_t */
	struct stat st;
};

static void walk_init(struct walk *w, struct fh *fh)
{
	w->fh = fh;
	w->looked = g_array_new(FALSE, FALSE, sizeof(uint64_t));
}

static void walk_done(struct walk *w)
{
	for (guint i = 0; i < w->looked->len; i++)
		node_forget(&w->fh->tree->nodes,
			    g_array_index(w->looked, uint64_t, i), 1);
	g_array_free(w->looked, TRUE);
}

/* Resolve path from the root, following symlinks met on the way but not a
 * final one; 0 if missing. */
static uint64_t walk(struct walk *w, const char *path)
{
	struct node_tree *nodes = &w->fh->tree->nodes;
	GQueue todo = G_QUEUE_INIT;
	GArray *at = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	gchar **parts = g_strsplit(path, "/", -1);
	uint64_t ino = 1;
	int hops = 0;

	for (gchar **p = parts; *p; p++)
		if (**p)
			g_queue_push_tail(&todo, g_strdup(*p));
	memset(&w->st, 0, sizeof(w->st));
	w->st.st_mode = S_IFDIR;
	while (ino && !g_queue_is_empty(&todo)) {
		char *name = g_queue_pop_head(&todo);

		if (strcmp(name, ".") == 0) {
			/* stay */
		} else if (strcmp(name, "..") == 0) {
			if (at->len) {
				ino = g_array_index(at, uint64_t, at->len - 1);
				g_array_set_size(at, at->len - 1);
			} else {
				ino = 1;
			}
		} else if (node_lookup(nodes, ino, name, &w->st, NULL)) {
			ino = 0;
		} else {
			uint64_t child = w->st.st_ino;

			g_array_append_val(w->looked, child);
			if (S_ISLNK(w->st.st_mode) && !g_queue_is_empty(&todo)) {
				char *target = NULL;
				gchar **tparts;

				if (++hops > 40 || node_readlink(nodes, child, &target)) {
					ino = 0;
				} else {
					tparts = g_strsplit(target, "/", -1);
					for (guint i = g_strv_length(tparts); i > 0; i--)
						if (*tparts[i - 1])
							g_queue_push_head(&todo,
									  g_strdup(tparts[i - 1]));
					g_strfreev(tparts);
				}
				g_free(target);
			} else {
				g_array_append_val(at, ino);
				ino = child;
			}
		}
		g_free(name);
	}
	g_queue_clear_full(&todo, g_free);
	g_array_free(at, TRUE);
	g_strfreev(parts);
	return ino;
}

bool fh_exists(struct fh *fh, const char *path)
{
	struct walk w;
	bool found;

	walk_init(&w, fh);
	found = walk(&w, path) != 0;
	walk_done(&w);
	return found;
}

unsigned int fh_mode(struct fh *fh, const char *path)
{
	struct walk w;
	unsigned int mode;

	walk_init(&w, fh);
	mode = walk(&w, path) ? (unsigned int)w.st.st_mode : 0;
	walk_done(&w);
	return mode;
}

/* As the kernel reads under -o no_open: GETATTR for the size, then the
 * page; the two must agree (one view, one length). */
static ssize_t read_by_inode(struct fh *fh, uint64_t ino, char *buf)
{
	struct node_tree *nodes = &fh->tree->nodes;
	struct stat st;
	ssize_t n;

	if (node_getattr(nodes, ino, &st, NULL))
		return -ENOENT;
	n = node_pread(nodes, ino, true, buf, MDEVFS_ATTR_BUF_SIZE, 0);
	if (n >= 0 && st.st_size != MDEVFS_ATTR_BUF_SIZE)
		FH_ASSERT(n == st.st_size, "inode %" G_GINT64_MODIFIER "x: size %jd, "
			  "read %zd bytes", ino, (intmax_t)st.st_size, n);
	if (n >= 0) {
		char extra[8];
		ssize_t more = node_pread(nodes, ino, true, extra, sizeof(extra), n);

		FH_ASSERT(more == 0, "read at offset %zd gave %zd more bytes", n,
			  more);
	}
	return n;
}

static char *read_ino(struct fh *fh, uint64_t ino, int *err, size_t *len)
{
	struct node_tree *nodes = &fh->tree->nodes;
	struct node_file *file;
	char *buf;
	ssize_t n;
	int ret;

	if (fh->by_inode) {
		buf = g_malloc0(MDEVFS_ATTR_BUF_SIZE + 1);
		n = read_by_inode(fh, ino, buf);
		goto done;
	}
	ret = node_open(nodes, ino, O_RDONLY, true, &file);
	if (ret) {
		*err = -ret;
		return NULL;
	}
	buf = g_malloc0(MDEVFS_ATTR_BUF_SIZE + 1);
	n = node_read(nodes, file, buf, MDEVFS_ATTR_BUF_SIZE, 0);
	/* A sysfs read past the value gives nothing more. */
	if (n >= 0) {
		char extra[8];
		ssize_t more = node_read(nodes, file, extra, sizeof(extra), n);

		FH_ASSERT(more == 0, "read at offset %zd gave %zd more bytes", n,
			  more);
	}
	node_release(nodes, file);
done:
	if (n < 0) {
		*err = (int)-n;
		g_free(buf);
		return NULL;
	}
	FH_ASSERT(n <= MDEVFS_ATTR_BUF_SIZE, "show gave %zd bytes", n);
	if (len)
		*len = (size_t)n;
	return buf;
}

char *fh_read(struct fh *fh, const char *path, int *err, size_t *len)
{
	struct walk w;
	uint64_t ino;
	char *text;

	walk_init(&w, fh);
	ino = walk(&w, path);
	if (!ino) {
		*err = ENOENT;
		walk_done(&w);
		return NULL;
	}
	text = read_ino(fh, ino, err, len);
	walk_done(&w);
	return text;
}

int fh_write(struct fh *fh, const char *path, const void *buf, size_t len)
{
	struct node_tree *nodes = &fh->tree->nodes;
	struct node_file *file;
	struct walk w;
	uint64_t ino;
	ssize_t n;
	int ret;

	walk_init(&w, fh);
	ino = walk(&w, path);
	if (!ino) {
		walk_done(&w);
		return ENOENT;
	}
	if (fh->by_inode) {
		bool drop_pages;

		n = node_pwrite(nodes, ino, true, buf, len, 0, &drop_pages);
	} else {
		ret = node_open(nodes, ino, O_WRONLY, true, &file);
		if (ret) {
			walk_done(&w);
			return -ret;
		}
		n = node_write(nodes, file, buf, len, 0);
		node_release(nodes, file);
	}
	walk_done(&w);
	FH_ASSERT(n <= (ssize_t)len, "write of %zu bytes returned %zd", len, n);
	return n < 0 ? (int)-n : 0;
}

int fh_write_str(struct fh *fh, const char *path, const char *text)
{
	return fh_write(fh, path, text, strlen(text));
}

char *fh_readlink(struct fh *fh, const char *path)
{
	struct walk w;
	uint64_t ino;
	char *target = NULL;

	walk_init(&w, fh);
	ino = walk(&w, path);
	if (ino && node_readlink(&fh->tree->nodes, ino, &target))
		target = NULL;
	walk_done(&w);
	return target;
}

struct collect {
	GPtrArray *names;
	GArray *inos;
	GArray *types;
};

static bool collect(void *ctx, const char *name, uint64_t ino, mode_t type,
		    off_t next_off)
{
	struct collect *c = ctx;

	(void)next_off;
	if (strcmp(name, ".") && strcmp(name, "..")) {
		g_ptr_array_add(c->names, g_strdup(name));
		if (c->inos)
			g_array_append_val(c->inos, ino);
		if (c->types)
			g_array_append_val(c->types, type);
	}
	return true;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **fh_list(struct fh *fh, const char *path)
{
	struct collect c = { .names = g_ptr_array_new() };
	struct walk w;
	uint64_t ino;

	/* "/." makes a final link a step to follow. */
	g_autofree char *dir = g_strdup_printf("%s/.", path);

	walk_init(&w, fh);
	ino = walk(&w, dir);
	if (ino && S_ISDIR(w.st.st_mode))
		node_readdir(&fh->tree->nodes, ino, 0, collect, &c);
	walk_done(&w);
	g_ptr_array_sort(c.names, by_name);
	g_ptr_array_add(c.names, NULL);
	return (char **)g_ptr_array_free(c.names, FALSE);
}

/* Read every file below the directory ino; depth-limited. */
static unsigned int read_tree(struct fh *fh, uint64_t ino, int depth)
{
	struct node_tree *nodes = &fh->tree->nodes;
	struct collect c = {
		.names = g_ptr_array_new_with_free_func(g_free),
		.inos = g_array_new(FALSE, FALSE, sizeof(uint64_t)),
		.types = g_array_new(FALSE, FALSE, sizeof(mode_t)),
	};
	unsigned int n = 0;

	if (depth > 32)
		fh_bug("directories nested deeper than 32");
	node_readdir(nodes, ino, 0, collect, &c);
	for (guint i = 0; i < c.names->len; i++) {
		const char *name = c.names->pdata[i];
		struct stat st;

		/* A lookup, as the kernel makes before it uses an entry. */
		if (node_lookup(nodes, ino, name, &st, NULL))
			fh_bug("readdir listed '%s' but lookup fails", name);
		/* By inode, a lookup may find that the value changed length and
		 * name a newer view of the same node than readdir did. */
		FH_ASSERT(fh->by_inode
				  ? node_base_ino(st.st_ino) ==
					    node_base_ino(g_array_index(c.inos, uint64_t, i))
				  : st.st_ino == g_array_index(c.inos, uint64_t, i),
			  "readdir and lookup disagree on the inode of '%s'", name);
		FH_ASSERT((st.st_mode & S_IFMT) == g_array_index(c.types, mode_t, i),
			  "readdir and lookup disagree on the type of '%s'", name);
		if (S_ISDIR(st.st_mode)) {
			n += read_tree(fh, st.st_ino, depth + 1);
		} else if (S_ISREG(st.st_mode) && (st.st_mode & 0444)) {
			int err = 0;
			char *text = read_ino(fh, st.st_ino, &err, NULL);

			n += text != NULL;
			g_free(text);
		} else if (S_ISLNK(st.st_mode)) {
			char *target = NULL;

			FH_ASSERT(node_readlink(nodes, st.st_ino, &target) == 0,
				  "link '%s' without a target", name);
			FH_ASSERT(target && target[0] && target[0] != '/',
				  "link '%s' -> '%s' is not relative", name,
				  target ? target : "(null)");
			g_free(target);
		}
		node_forget(nodes, st.st_ino, 1);
	}
	g_ptr_array_free(c.names, TRUE);
	g_array_free(c.inos, TRUE);
	g_array_free(c.types, TRUE);
	return n;
}

unsigned int fh_read_all(struct fh *fh, const char *path)
{
	struct walk w;
	uint64_t ino;
	unsigned int n = 0;

	g_autofree char *dir = g_strdup_printf("%s/.", path);

	walk_init(&w, fh);
	ino = walk(&w, dir);
	if (ino && S_ISDIR(w.st.st_mode))
		n = read_tree(fh, ino, 0);
	walk_done(&w);
	return n;
}
