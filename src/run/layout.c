// SPDX-License-Identifier: MIT
/*
 * Showing one tree over another inside a private mount namespace.
 *
 * mdevfs-run wants tools to find the emulated mdev tree at /sys without
 * losing the rest of the real /sys.  Mounting the tree over /sys hides
 * everything; what clients.md §5.4 found to work, as root and inside an
 * unprivileged user namespace, is:
 *
 *  - bind mount each emulated subtree at the same relative path, so that
 *    the relative links between them still resolve;
 *  - where the real directory that should hold such a subtree lacks the
 *    mount point, mount a read-only overlay on that directory whose top
 *    lower layer is a small skeleton (the missing mount points and the
 *    emulated links) and whose bottom layer is the real directory;
 *  - put overlays only on directories without submounts when in a user
 *    namespace: inherited submounts are locked and overlayfs refuses a
 *    lower layer that has them.  As root the submounts are saved with a
 *    recursive bind before the overlay covers them and moved back after.
 *
 * The walk below decides, entry by entry of the emulated tree, whether to
 * bind it, copy it into a skeleton or descend into it.
 */
#define _GNU_SOURCE
#include "layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* An entry dst lacks and an overlay has to add. */
struct skel {
	char *rel;
	mode_t type;            /* S_IFDIR, S_IFLNK or S_IFREG */
	char *link;             /* the text of an S_IFLNK */
};

struct plan {
	GPtrArray *binds;       /* char *rel: src/rel is mounted on dst/rel */
	GPtrArray *skels;       /* struct skel * */
	GPtrArray *roots;       /* char *rel: directories that get an overlay */
};

static void skel_free(gpointer data)
{
	struct skel *s = data;

	g_free(s->rel);
	g_free(s->link);
	g_free(s);
}

static void plan_init(struct plan *p)
{
	p->binds = g_ptr_array_new_with_free_func(g_free);
	p->skels = g_ptr_array_new_with_free_func(skel_free);
	p->roots = g_ptr_array_new_with_free_func(g_free);
}

static void plan_clear(struct plan *p)
{
	g_ptr_array_unref(p->binds);
	g_ptr_array_unref(p->skels);
	g_ptr_array_unref(p->roots);
}

/* ------------------------------------------------------------------ */
/* Paths; "" is the top of a tree                                      */

static char *under(const char *base, const char *rel)
{
	return rel[0] ? g_build_filename(base, rel, NULL) : g_strdup(base);
}

static char *parent_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? g_strndup(rel, slash - rel) : g_strdup("");
}

/* Whether rel is top or lies below it. */
static bool is_below(const char *rel, const char *top)
{
	size_t n = strlen(top);

	if (n == 0)
		return true;
	return strncmp(rel, top, n) == 0 && (rel[n] == '/' || rel[n] == '\0');
}

static bool fail_errno(GError **error, int err, const char *what,
		       const char *path)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
		    "%s %s: %s", what, path, g_strerror(err));
	return false;
}

/* ------------------------------------------------------------------ */
/* Mounting, with a log to undo it                                     */

void mount_log_init(struct mount_log *log)
{
	log->paths = g_ptr_array_new_with_free_func(g_free);
}

void mount_log_undo(struct mount_log *log)
{
	while (log->paths->len > 0) {
		guint last = log->paths->len - 1;

		umount2(log->paths->pdata[last], MNT_DETACH);
		g_ptr_array_remove_index(log->paths, last);
	}
}

void mount_log_clear(struct mount_log *log)
{
	g_ptr_array_unref(log->paths);
	log->paths = NULL;
}

static bool do_mount(struct mount_log *log, const char *src, const char *dst,
		     const char *type, unsigned long flags, const char *data,
		     GError **error)
{
	if (mount(src, dst, type, flags, data) != 0) {
		int err = errno;
		const char *what = flags & MS_MOVE ? "move a mount to" :
				   flags & MS_BIND ? "bind mount on" :
						     "mount overlay on";

		return fail_errno(error, err, what, dst);
	}
	if (log)
		g_ptr_array_add(log->paths, g_strdup(dst));
	return true;
}

/* ------------------------------------------------------------------ */
/* The walk                                                            */

const char *const graft_sys_replace[] = {
	"bus/mdev", "class/mdev_bus", "kernel/iommu_groups", NULL
};

static bool plan_dir(const struct graft *g, struct plan *p, const char *rel,
		     GError **error);

/* Whether src's directory rel takes the place of dst's. */
static bool replaces(const struct graft *g, const char *rel)
{
	g_autofree char *uevent = NULL;
	struct stat st;

	for (const char *const *r = g->replace; r && *r; r++)
		if (strcmp(*r, rel) == 0)
			return true;
	if (!g->devices || !g_str_has_prefix(rel, "devices/"))
		return false;
	/* An emulated device is shown whole, never mixed with a real one. */
	uevent = g_build_filename(g->src, rel, "uevent", NULL);
	return lstat(uevent, &st) == 0 && S_ISREG(st.st_mode);
}

static void add_skel(struct plan *p, const char *rel, mode_t type, char *link)
{
	struct skel *s = g_new0(struct skel, 1);

	s->rel = g_strdup(rel);
	s->type = type;
	s->link = link;
	g_ptr_array_add(p->skels, s);
}

static bool plan_link(const struct graft *g, struct plan *p, const char *rel,
		      const struct stat *d, bool have, GError **error)
{
	g_autofree char *spath = under(g->src, rel);
	g_autofree char *dpath = under(g->dst, rel);
	g_autofree char *text = g_file_read_link(spath, error);
	g_autofree char *old = NULL;

	if (!text)
		return false;
	if (have && S_ISLNK(d->st_mode))
		old = g_file_read_link(dpath, NULL);
	/* The same link is there already: nothing to add. */
	if (old && strcmp(old, text) == 0)
		return true;
	add_skel(p, rel, S_IFLNK, g_steal_pointer(&text));
	return true;
}

static bool plan_entry(const struct graft *g, struct plan *p, const char *rel,
		       GError **error)
{
	g_autofree char *spath = under(g->src, rel);
	g_autofree char *dpath = under(g->dst, rel);
	struct stat s, d;
	bool have = lstat(dpath, &d) == 0;

	if (lstat(spath, &s) != 0)
		return fail_errno(error, errno, "lstat", spath);
	switch (s.st_mode & S_IFMT) {
	case S_IFDIR:
		if (have && S_ISDIR(d.st_mode) && !replaces(g, rel))
			return plan_dir(g, p, rel, error);
		g_ptr_array_add(p->binds, g_strdup(rel));
		if (!have || !S_ISDIR(d.st_mode))
			add_skel(p, rel, S_IFDIR, NULL);
		return true;
	case S_IFLNK:
		return plan_link(g, p, rel, &d, have, error);
	case S_IFREG:
		/* A file dst has too is covered by a bind of its own. */
		g_ptr_array_add(p->binds, g_strdup(rel));
		if (!have || !S_ISREG(d.st_mode))
			add_skel(p, rel, S_IFREG, NULL);
		return true;
	}
	return true;  /* sysfs has no other kinds of entries */
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory both trees have: look at each of src's entries. */
static bool plan_dir(const struct graft *g, struct plan *p, const char *rel,
		     GError **error)
{
	g_autofree char *path = under(g->src, rel);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *de;
	DIR *dir = opendir(path);

	if (!dir)
		return fail_errno(error, errno, "opendir", path);
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			g_ptr_array_add(names, g_strdup(de->d_name));
	closedir(dir);
	/* Sorted, so that the mounts are made in the same order each time. */
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *child = rel[0] ?
			g_build_filename(rel, names->pdata[i], NULL) :
			g_strdup(names->pdata[i]);

		if (!plan_entry(g, p, child, error))
			return false;
	}
	return true;
}

static gint shorter_first(gconstpointer a, gconstpointer b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

/*
 * One overlay per directory that gains entries, except where an overlay
 * on one of its ancestors adds them anyway: overlays are not stacked.
 */
static void plan_roots(struct plan *p)
{
	g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < p->skels->len; i++) {
		struct skel *s = p->skels->pdata[i];

		g_ptr_array_add(dirs, parent_of(s->rel));
	}
	g_ptr_array_sort(dirs, shorter_first);
	for (guint i = 0; i < dirs->len; i++) {
		bool covered = false;

		for (guint j = 0; j < p->roots->len && !covered; j++)
			covered = is_below(dirs->pdata[i], p->roots->pdata[j]);
		if (!covered)
			g_ptr_array_add(p->roots, g_strdup(dirs->pdata[i]));
	}
}

/* ------------------------------------------------------------------ */
/* Overlays                                                            */

static bool make_skel_entry(const struct skel *s, const char *path,
			    GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	int fd;

	if (g_mkdir_with_parents(dir, 0755) != 0)
		return fail_errno(error, errno, "mkdir", dir);
	switch (s->type) {
	case S_IFDIR:
		if (mkdir(path, 0755) != 0)
			return fail_errno(error, errno, "mkdir", path);
		return true;
	case S_IFLNK:
		if (symlink(s->link, path) != 0)
			return fail_errno(error, errno, "symlink", path);
		return true;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail_errno(error, errno, "create", path);
	close(fd);
	return true;
}

/* The top lower layer of the overlay on root: what dst lacks below it. */
static bool build_skeleton(const struct plan *p, const char *root,
			   const char *lower, GError **error)
{
	size_t skip = root[0] ? strlen(root) + 1 : 0;

	if (g_mkdir_with_parents(lower, 0755) != 0)
		return fail_errno(error, errno, "mkdir", lower);
	for (guint i = 0; i < p->skels->len; i++) {
		const struct skel *s = p->skels->pdata[i];
		g_autofree char *path = NULL;

		if (!is_below(s->rel, root))
			continue;
		path = g_build_filename(lower, s->rel + skip, NULL);
		if (!make_skel_entry(s, path, error))
			return false;
	}
	return true;
}

/* Mount points strictly below dir, the topmost ones only. */
static GPtrArray *submounts(const char *dir)
{
	GPtrArray *subs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	size_t n = strlen(dir);

	if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		return subs;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", 6);

		/* Field 5 is the mount point, with \ooo escapes. */
		if (g_strv_length(f) < 5)
			continue;
		if (strncmp(f[4], dir, n) == 0 && f[4][n] == '/')
			g_ptr_array_add(all, g_strcompress(f[4]));
	}
	g_ptr_array_sort(all, shorter_first);
	for (guint i = 0; i < all->len; i++) {
		bool nested = false;

		for (guint j = 0; j < subs->len && !nested; j++)
			nested = is_below(all->pdata[i], subs->pdata[j]);
		if (!nested)
			g_ptr_array_add(subs, g_strdup(all->pdata[i]));
	}
	return subs;
}

/* Keep a copy of each submount in keep/<i> while the overlay hides them. */
static bool save_submounts(GPtrArray *subs, const char *keep,
			   struct mount_log *saved, GError **error)
{
	for (guint i = 0; i < subs->len; i++) {
		g_autofree char *name = g_strdup_printf("%u", i);
		g_autofree char *copy = g_build_filename(keep, name, NULL);
		struct skel point = { .type = S_IFDIR };
		struct stat st;

		if (stat(subs->pdata[i], &st) == 0 && !S_ISDIR(st.st_mode))
			point.type = S_IFREG;
		if (!make_skel_entry(&point, copy, error) ||
		    !do_mount(saved, subs->pdata[i], copy, NULL,
			      MS_BIND | MS_REC, NULL, error))
			return false;
	}
	return true;
}

static bool restore_submounts(GPtrArray *subs, struct mount_log *saved,
			      struct mount_log *log, GError **error)
{
	for (guint i = 0; i < subs->len; i++)
		if (!do_mount(log, saved->paths->pdata[i], subs->pdata[i], NULL,
			      MS_MOVE, NULL, error))
			return false;
	return true;
}

/* Overlay options: backslash-escape what would split the option text. */
static void append_layer(GString *opts, const char *path)
{
	for (const char *c = path; *c; c++) {
		if (strchr("\\,:", *c))
			g_string_append_c(opts, '\\');
		g_string_append_c(opts, *c);
	}
}

static bool mount_overlay(const char *lower, const char *target,
			  struct mount_log *log, GError **error)
{
	g_autoptr(GString) opts = g_string_new("lowerdir=");

	append_layer(opts, lower);
	g_string_append_c(opts, ':');
	append_layer(opts, target);
	return do_mount(log, "mdevfs-run", target, "overlay",
			MS_NOSUID | MS_NODEV, opts->str, error);
}

static bool overlay_root(const struct graft *g, const struct plan *p, guint i,
			 struct mount_log *log, GError **error)
{
	const char *root = p->roots->pdata[i];
	g_autofree char *name = g_strdup_printf("%u", i);
	g_autofree char *lower = g_build_filename(g->scratch, "lower", name, NULL);
	g_autofree char *keep = g_build_filename(g->scratch, "keep", name, NULL);
	g_autofree char *target = under(g->dst, root);
	g_autoptr(GPtrArray) subs = submounts(target);
	struct mount_log saved;
	bool ok;

	if (!build_skeleton(p, root, lower, error))
		return false;
	mount_log_init(&saved);
	ok = save_submounts(subs, keep, &saved, error) &&
	     mount_overlay(lower, target, log, error) &&
	     restore_submounts(subs, &saved, log, error);
	if (!ok && subs->len > 0 && error && *error) {
		/* The usual cause: a user namespace cannot cover locked mounts. */
		g_autofree char *msg = g_strdup((*error)->message);

		g_clear_error(error);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "%s (%u mount%s below it)", msg, subs->len,
			    subs->len == 1 ? " is" : "s are");
	}
	/* Moved copies are gone from keep/ already; this drops the rest. */
	mount_log_undo(&saved);
	mount_log_clear(&saved);
	return ok;
}

/* ------------------------------------------------------------------ */

static void report(const struct graft *g, const struct plan *p)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < p->roots->len; i++) {
		const char *root = p->roots->pdata[i];

		g_string_append_printf(s, " %s", root[0] ? root : ".");
	}
	fprintf(stderr, "mdevfs-run: %s: overlay on:%s\n", g->dst,
		s->len ? s->str : " (none)");
	g_string_truncate(s, 0);
	for (guint i = 0; i < p->binds->len; i++)
		g_string_append_printf(s, " %s", (char *)p->binds->pdata[i]);
	fprintf(stderr, "mdevfs-run: %s: bind:%s\n", g->dst,
		s->len ? s->str : " (none)");
}

static bool apply(const struct graft *g, const struct plan *p,
		  struct mount_log *log, GError **error)
{
	for (guint i = 0; i < p->roots->len; i++)
		if (!overlay_root(g, p, i, log, error))
			return false;
	for (guint i = 0; i < p->binds->len; i++) {
		g_autofree char *src = under(g->src, p->binds->pdata[i]);
		g_autofree char *dst = under(g->dst, p->binds->pdata[i]);

		if (!do_mount(log, src, dst, NULL, MS_BIND | MS_REC, NULL, error))
			return false;
	}
	return true;
}

bool graft_merge(const struct graft *g, struct mount_log *log, GError **error)
{
	struct mount_log mine;
	struct plan p;
	bool ok;

	plan_init(&p);
	mount_log_init(&mine);
	ok = plan_dir(g, &p, "", error);
	if (ok) {
		plan_roots(&p);
		if (g->verbose)
			report(g, &p);
		ok = apply(g, &p, &mine, error);
	}
	if (ok) {
		for (guint i = 0; i < mine.paths->len; i++)
			g_ptr_array_add(log->paths, g_strdup(mine.paths->pdata[i]));
	} else {
		mount_log_undo(&mine);
	}
	mount_log_clear(&mine);
	plan_clear(&p);
	return ok;
}

bool graft_cover(const struct graft *g, struct mount_log *log, GError **error)
{
	return do_mount(log, g->src, g->dst, NULL, MS_BIND | MS_REC, NULL, error);
}
