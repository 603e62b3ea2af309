// SPDX-License-Identifier: MIT
/*
 * mdevfs-record: write a host file for the keyfile backend (mdevfs.conf(5))
 * from what a real /sys shows, so that mdevfs can replay the host.
 *
 *   mdevfs-record [--root DIR] [-o FILE]
 *
 * Every link in DIR/sys/class/mdev_bus is a parent.  Its device directory
 * gives the placement (parent_path, the basenames of the `subsystem` and
 * `driver` link targets, the uevent variables) and its
 * mdev_supported_types/ the types (name, description, device_api,
 * available_instances).
 *
 * available_instances becomes each type's `max`.  One snapshot shows a
 * figure per type but not how types share capacity: the figures differ
 * between types (mtty 24 and 12, a T4's 16/8/4...), which one parent
 * counter could not show, while a per-type max replays every figure
 * exactly as recorded.  Shared budgets (pool/cost, homogeneous,
 * max_instances) are for the user to add.
 *
 * Links are resolved by their text, as the kernel writes them (relative,
 * between real directories), so a copied tree need not hold every target.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#define PROG "mdevfs-record"

struct recorder {
	char *sys;          /* DIR/sys */
	GKeyFile *out;
};

static G_GNUC_PRINTF(1, 2) gboolean fail(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return FALSE;
}

/* ------------------------------------------------------------------ */
/* Files and links                                                     */

/* A file's text without one trailing newline; NULL with errno set. */
static char *read_value(const char *path)
{
	FILE *f = fopen(path, "re");
	GString *text;
	char chunk[4096];
	size_t n;
	int err;

	if (!f)
		return NULL;
	text = g_string_new(NULL);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		g_string_append_len(text, chunk, (gssize)n);
	err = ferror(f) ? errno : 0;
	fclose(f);
	if (err) {
		g_string_free(text, TRUE);
		errno = err;
		return NULL;
	}
	if (text->len && text->str[text->len - 1] == '\n')
		g_string_truncate(text, text->len - 1);
	return g_string_free(text, FALSE);
}

/* A file that must be there. */
static char *must_read(const char *path)
{
	char *text = read_value(path);

	if (!text)
		fail("%s: %s", path, g_strerror(errno));
	return text;
}

/* An optional file: NULL if absent, *ok = FALSE if unreadable. */
static char *may_read(const char *path, gboolean *ok)
{
	char *text = read_value(path);

	if (!text && errno != ENOENT)
		*ok = fail("%s: %s", path, g_strerror(errno));
	return text;
}

/*
 * Where a relative link below sys points, as a path below sys: dir is the
 * link's directory ("class/mdev_bus"); NULL if the text leaves sys.
 */
static char *resolve(const char *dir, const char *target)
{
	g_auto(GStrv) from = g_strsplit(dir, "/", -1);
	g_auto(GStrv) steps = g_strsplit(target, "/", -1);
	g_autoptr(GPtrArray) parts = g_ptr_array_new();

	if (target[0] == '/')
		return NULL;
	for (char **p = from; *p; p++)
		if (**p)
			g_ptr_array_add(parts, *p);
	for (char **p = steps; *p; p++) {
		if (!**p || strcmp(*p, ".") == 0)
			continue;
		if (strcmp(*p, "..") == 0) {
			if (!parts->len)
				return NULL;
			g_ptr_array_set_size(parts, (gint)parts->len - 1);
		} else {
			g_ptr_array_add(parts, *p);
		}
	}
	g_ptr_array_add(parts, NULL);
	return g_strjoinv("/", (char **)parts->pdata);
}

/* The link at sys/dir/name resolved below sys; NULL (and *ok) if absent. */
static char *follow(struct recorder *r, const char *dir, const char *name,
		    gboolean *ok)
{
	g_autofree char *path = g_build_filename(r->sys, dir, name, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *target = g_file_read_link(path, &error);
	char *where;

	if (!target) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			*ok = fail("%s: %s", path, error->message);
		return NULL;
	}
	where = resolve(dir, target);
	if (!where)
		*ok = fail("%s: link '%s' leads out of %s", path, target, r->sys);
	return where;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted; NULL after an error message. */
static char **list_dir(const char *path)
{
	DIR *dir = opendir(path);
	GPtrArray *names;
	struct dirent *e;

	if (!dir) {
		fail("%s: %s", path, g_strerror(errno));
		return NULL;
	}
	names = g_ptr_array_new();
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			g_ptr_array_add(names, g_strdup(e->d_name));
	closedir(dir);
	g_ptr_array_sort(names, by_name);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

/* ------------------------------------------------------------------ */
/* Types                                                               */

static gboolean record_available(struct recorder *r, const char *group,
				 const char *tdir)
{
	g_autofree char *path = g_build_filename(tdir, "available_instances", NULL);
	g_autofree char *text = must_read(path);
	g_autofree char *devices = g_build_filename(tdir, "devices", NULL);
	g_auto(GStrv) live = NULL;
	gint64 value;
	struct stat st;

	if (!text)
		return FALSE;
	if (!g_ascii_string_to_signed(g_strstrip(text), 10, G_MININT, G_MAXINT,
				      &value, NULL))
		return fail("%s: '%s' is not a number", path, text);
	/* Old kernels' samples could go negative; nothing is left then. */
	g_key_file_set_integer(r->out, group, "max", (int)MAX(value, 0));
	if (lstat(devices, &st) || !S_ISDIR(st.st_mode))
		return TRUE;
	live = list_dir(devices);
	if (!live)
		return FALSE;
	if (*live) {
		g_autofree char *note = g_strdup_printf(
			" available_instances when recorded, with %u mdev(s) of this type present",
			g_strv_length(live));

		g_key_file_set_comment(r->out, group, "max", note, NULL);
	}
	return TRUE;
}

static const char *const optional_type_files[] = { "name", "description",
						   NULL };

static gboolean record_type(struct recorder *r, const char *parent,
			    const char *prefix, const char *types,
			    const char *id)
{
	g_autofree char *tdir = g_build_filename(types, id, NULL);
	g_autofree char *group = NULL;
	g_autofree char *api_path = g_build_filename(tdir, "device_api", NULL);
	g_autofree char *api = NULL;
	gboolean ok = TRUE;
	size_t n = strlen(prefix);

	if (strncmp(id, prefix, n) || id[n] != '-' || !id[n + 1])
		return fail("%s: type id does not start with '%s-' (the parent's driver string)",
			    tdir, prefix);
	group = g_strdup_printf("type %s %s", parent, id + n + 1);
	for (const char *const *key = optional_type_files; *key; key++) {
		g_autofree char *path = g_build_filename(tdir, *key, NULL);
		g_autofree char *text = may_read(path, &ok);

		if (text)
			g_key_file_set_string(r->out, group, *key, text);
	}
	api = ok ? must_read(api_path) : NULL;
	if (!api)
		return FALSE;
	g_key_file_set_string(r->out, group, "device_api", api);
	return record_available(r, group, tdir);
}

/* ------------------------------------------------------------------ */
/* Parents                                                             */

/* bus=/class= from the `subsystem` link, driver= from `driver`. */
static gboolean record_subsystem(struct recorder *r, const char *group,
				 const char *devpath, char **prefix)
{
	gboolean ok = TRUE;
	g_autofree char *sub = follow(r, devpath, "subsystem", &ok);
	g_autofree char *drv = NULL;
	g_auto(GStrv) parts = NULL;

	if (!sub)
		return ok ? fail("%s/%s: no subsystem link", r->sys, devpath) : FALSE;
	parts = g_strsplit(sub, "/", -1);
	if (g_strv_length(parts) != 2 ||
	    (strcmp(parts[0], "bus") && strcmp(parts[0], "class")))
		return fail("%s/%s/subsystem: '%s' is neither bus/NAME nor class/NAME",
			    r->sys, devpath, sub);
	g_key_file_set_string(r->out, group, parts[0], parts[1]);
	*prefix = g_strdup(parts[1]);
	if (strcmp(parts[0], "bus"))
		return TRUE;
	drv = follow(r, devpath, "driver", &ok);
	if (drv) {
		g_free(*prefix);
		*prefix = g_path_get_basename(drv);
		g_key_file_set_string(r->out, group, "driver", *prefix);
	}
	return ok;
}

/* parent_path=, left out where a class device sits by default. */
static gboolean record_path(struct recorder *r, const char *group,
			    const char *devpath)
{
	g_autofree char *dir = g_path_get_dirname(devpath);
	g_autofree char *class_name = g_key_file_get_string(r->out, group,
							    "class", NULL);
	g_autofree char *usual = g_strdup_printf("devices/virtual/%s",
						 class_name ? class_name : "");

	if (!g_str_has_prefix(dir, "devices/") && strcmp(dir, "devices"))
		return fail("%s/%s: not below %s/devices", r->sys, devpath, r->sys);
	if (!class_name || strcmp(dir, usual))
		g_key_file_set_string(r->out, group, "parent_path", dir);
	return TRUE;
}

static gboolean record_uevent(struct recorder *r, const char *group,
			      const char *devdir)
{
	g_autofree char *path = g_build_filename(devdir, "uevent", NULL);
	gboolean ok = TRUE;
	g_autofree char *text = may_read(path, &ok);
	g_auto(GStrv) lines = text ? g_strsplit(text, "\n", -1) : NULL;
	g_autoptr(GPtrArray) vars = g_ptr_array_new();

	for (char **l = lines; l && *l; l++)
		if (**l && !g_str_has_prefix(*l, "DRIVER="))
			g_ptr_array_add(vars, *l);
	if (vars->len)
		g_key_file_set_string_list(r->out, group, "uevent",
					   (const char *const *)vars->pdata,
					   vars->len);
	return ok;
}

/* mdev_driver=, when an existing mdev shows one other than the default. */
static gboolean record_mdev_driver(struct recorder *r, const char *group,
				   const char *devpath, const char *prefix)
{
	g_autofree char *devdir = g_build_filename(r->sys, devpath, NULL);
	g_auto(GStrv) names = list_dir(devdir);
	gboolean ok = TRUE;

	for (char **n = names; n && *n && ok; n++) {
		g_autofree char *child = g_build_filename(devpath, *n, NULL);
		g_autofree char *full = g_build_filename(devdir, *n, NULL);
		struct stat st;
		g_autofree char *type = NULL;
		g_autofree char *drv = NULL;
		g_autofree char *name = NULL;

		if (lstat(full, &st) || !S_ISDIR(st.st_mode))
			continue;
		type = follow(r, child, "mdev_type", &ok);
		drv = type ? follow(r, child, "driver", &ok) : NULL;
		name = drv ? g_path_get_basename(drv) : NULL;

		if (!name)
			continue;
		if (strcmp(name, prefix))
			g_key_file_set_string(r->out, group, "mdev_driver", name);
		break;
	}
	return names && ok;
}

static gboolean record_types(struct recorder *r, const char *name,
			     const char *devdir, const char *prefix)
{
	g_autofree char *types = g_build_filename(devdir, "mdev_supported_types",
						  NULL);
	g_auto(GStrv) ids = list_dir(types);

	if (!ids)
		return FALSE;
	if (!*ids)
		return fail("%s: no types", types);
	for (char **id = ids; *id; id++)
		if (!record_type(r, name, prefix, types, *id))
			return FALSE;
	return TRUE;
}

/* config= for a PCI function: its whole config space, which only root
 * may read (others get its first 64 bytes, and the key is left out, with
 * a warning: the replay then builds one from the class). */
static gboolean record_config(struct recorder *r, const char *group,
			      const char *devdir)
{
	g_autofree char *bus = g_key_file_get_string(r->out, group, "bus", NULL);
	g_autofree char *path = g_build_filename(devdir, "config", NULL);
	g_autofree char *bytes = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	if (g_strcmp0(bus, "pci"))
		return TRUE;
	/* A host from before config was shown (or a hand-made /sys). */
	if (!g_file_get_contents(path, &bytes, &len, &error))
		return g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
		       fail("%s: %s", path, error->message);
	if (len != 256 && len != 4096) {
		fprintf(stderr, "mdevfs-record: %s: %zu bytes readable (not root?); not recorded\n",
			path, (size_t)len);
		return TRUE;
	}
	text = g_base64_encode((const guchar *)bytes, len);
	g_key_file_set_string(r->out, group, "config", text);
	return TRUE;
}

/* [parent-link NAME LINK] for an SR-IOV pair's physfn and virtfnN links
 * that join two parents (to a device not recorded, they are left out). */
static gboolean record_links(struct recorder *r, const char *name,
			     const char *devpath)
{
	g_autofree char *devdir = g_build_filename(r->sys, devpath, NULL);
	g_auto(GStrv) names = list_dir(devdir);
	gboolean ok = TRUE;

	for (char **n = names; n && *n && ok; n++) {
		g_autofree char *target = NULL, *other = NULL, *mdev_bus = NULL;
		g_autofree char *group = NULL;

		if (strcmp(*n, "physfn") && !g_str_has_prefix(*n, "virtfn"))
			continue;
		target = follow(r, devpath, *n, &ok);
		if (!target)
			continue;
		other = g_path_get_basename(target);
		mdev_bus = g_build_filename(r->sys, "class/mdev_bus", other, NULL);
		if (!g_file_test(mdev_bus, G_FILE_TEST_EXISTS))
			continue;
		group = g_strdup_printf("parent-link %s %s", name, *n);
		g_key_file_set_string(r->out, group, "target", other);
	}
	return names && ok;
}

static gboolean record_parent(struct recorder *r, const char *name)
{
	g_autofree char *link = g_build_filename(r->sys, "class/mdev_bus", name,
						 NULL);
	g_autofree char *group = g_strdup_printf("parent %s", name);
	g_autofree char *devpath = NULL;
	g_autofree char *devdir = NULL;
	g_autofree char *base = NULL;
	g_autofree char *prefix = NULL;
	gboolean ok = TRUE;
	struct stat st;

	if (lstat(link, &st) || !S_ISLNK(st.st_mode))
		return fail("%s: not a symbolic link", link);
	devpath = follow(r, "class/mdev_bus", name, &ok);
	if (!devpath)
		return FALSE;
	base = g_path_get_basename(devpath);
	if (strcmp(base, name))
		return fail("%s: points at a device named '%s'", link, base);
	devdir = g_build_filename(r->sys, devpath, NULL);
	return record_subsystem(r, group, devpath, &prefix) &&
	       record_path(r, group, devpath) &&
	       record_uevent(r, group, devdir) &&
	       record_config(r, group, devdir) &&
	       record_mdev_driver(r, group, devpath, prefix) &&
	       record_types(r, name, devdir, prefix) &&
	       record_links(r, name, devpath);
}

static gboolean record(struct recorder *r)
{
	g_autofree char *bus = g_build_filename(r->sys, "class/mdev_bus", NULL);
	g_auto(GStrv) names = list_dir(bus);
	g_autofree char *head = g_strdup_printf(
		" Recorded by " PROG " from %s; the format is in mdevfs.conf(5).\n"
		" Replay with: mdevfs -b keyfile:THIS_FILE MOUNTPOINT\n"
		" Each type's max is its available_instances when recorded.  How\n"
		" types share capacity (pool and cost, homogeneous, max_instances)\n"
		" does not show in one snapshot: add it where the host has it.",
		r->sys);

	if (!names)
		return FALSE;
	g_key_file_set_comment(r->out, NULL, NULL, head, NULL);
	for (char **n = names; *n; n++)
		if (!record_parent(r, *n))
			return FALSE;
	return TRUE;
}

/* ------------------------------------------------------------------ */

static gboolean write_out(GKeyFile *kf, const char *output)
{
	g_autoptr(GError) error = NULL;
	gsize len;
	g_autofree char *text = g_key_file_to_data(kf, &len, NULL);

	if (!output) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout))
			return fail("standard output: %s", g_strerror(errno));
		return TRUE;
	}
	if (!g_file_set_contents(output, text, (gssize)len, &error))
		return fail("%s", error->message);
	return TRUE;
}

int main(int argc, char **argv)
{
	g_autofree char *root = NULL;
	g_autofree char *output = NULL;
	const GOptionEntry entries[] = {
		{ "root", 0, 0, G_OPTION_ARG_FILENAME, &root,
		  "Read DIR/sys instead of /sys", "DIR" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
		  "Write the host file to FILE instead of standard output",
		  "FILE" },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autoptr(GError) error = NULL;
	struct recorder r = { 0 };
	gboolean ok;

	g_option_context_set_summary(ctx,
		"Write a host file for mdevfs's keyfile backend (mdevfs.conf(5))\n"
		"from the mdev parents and types a /sys shows.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fail("%s (see --help)", error->message);
		return 2;
	}
	if (argc > 1) {
		fail("unexpected argument '%s' (see --help)", argv[1]);
		return 2;
	}
	r.sys = g_build_filename(root ? root : "/", "sys", NULL);
	r.out = g_key_file_new();
	ok = record(&r) && write_out(r.out, output);
	g_key_file_free(r.out);
	g_free(r.sys);
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
