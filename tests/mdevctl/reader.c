// SPDX-License-Identifier: MIT
/*
 * A reader of the mdev tree written the way Go programs (KubeVirt, the
 * NVIDIA device plugins, go-nvlib) read it: entries are classified by the
 * d_type that readdir returns, never by a stat, and links are parsed from
 * their text with readlink, not resolved.  It prints what it found in a
 * stable order and exits 1 if anything is off (an entry with a d_type that
 * lstat contradicts, DT_UNKNOWN, a link whose text does not resolve).
 *
 *   reader [ROOT]      ROOT defaults to /sys
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct entry {
	char name[NAME_MAX + 1];
	unsigned char type;
};

static const char *root = "/sys";
static int failed;

__attribute__((format(printf, 1, 2)))
static void complain(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "reader: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failed = 1;
}

/* "a/b", malloc()ed. */
static char *join(const char *a, const char *b)
{
	char *path;

	if (asprintf(&path, "%s/%s", a, b) < 0)
		abort();
	return path;
}

static unsigned char type_of_mode(mode_t mode)
{
	return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK :
	       S_ISREG(mode) ? DT_REG : DT_UNKNOWN;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
		      ((const struct entry *)b)->name);
}

/* d_type must be filled in, and must be what lstat says. */
static void check_type(const char *dir, const struct dirent *de)
{
	char *full = join(dir, de->d_name);
	struct stat st;

	if (de->d_type == DT_UNKNOWN)
		complain("%s: d_type is DT_UNKNOWN", full);
	else if (lstat(full, &st) == 0 && type_of_mode(st.st_mode) != de->d_type)
		complain("%s: d_type disagrees with lstat", full);
	free(full);
}

/* readdir(3), sorted like os.ReadDir. */
static struct entry *read_dir(const char *path, size_t *count)
{
	struct entry *list = NULL;
	struct dirent *de;
	DIR *dir = opendir(path);
	size_t n = 0;

	*count = 0;
	if (!dir) {
		complain("opendir %s: %s", path, strerror(errno));
		return NULL;
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		check_type(path, de);
		list = realloc(list, (n + 1) * sizeof(*list));
		if (!list)
			abort();
		memcpy(list[n].name, de->d_name, strlen(de->d_name) + 1);
		list[n].type = de->d_type;
		n++;
	}
	closedir(dir);
	qsort(list, n, sizeof(*list), by_name);
	*count = n;
	return list;
}

/* The first line of dir/name without its newline; "" if it is missing. */
static void read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char *path = join(dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	free(path);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* The text of dir/name, malloc()ed; NULL (and a complaint) if none. */
static char *read_link(const char *dir, const char *name)
{
	char *path = join(dir, name);
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		complain("readlink %s: %s", path, strerror(errno));
	free(path);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* Component i from the end of a link text (0 = the last one). */
static const char *component(char *text, int from_end)
{
	char *slash;

	while ((slash = strrchr(text, '/'))) {
		if (from_end-- == 0)
			return slash + 1;
		*slash = '\0';
	}
	return from_end == 0 ? text : "";
}

static void print_type(const char *types, const struct entry *t)
{
	char avail[64], api[64], name[256], desc[256];
	char *dir;

	if (t->type != DT_DIR) {
		complain("%s/%s: a type that is not a directory", types, t->name);
		return;
	}
	dir = join(types, t->name);
	read_line(dir, "available_instances", avail, sizeof(avail));
	read_line(dir, "device_api", api, sizeof(api));
	read_line(dir, "name", name, sizeof(name));
	read_line(dir, "description", desc, sizeof(desc));
	free(dir);
	printf("  type %s available_instances=%s device_api=%s name=\"%s\"",
	       t->name, avail, api, name);
	if (desc[0])
		printf(" description=\"%s\"", desc);
	printf("\n");
}

static void print_parent(const char *class, const struct entry *p)
{
	char *link = join(class, p->name);
	char *types = join(link, "mdev_supported_types");
	char *text = read_link(class, p->name);
	struct entry *list;
	size_t n;

	if (p->type != DT_LNK)
		complain("%s: not a link", link);
	printf("parent %s -> %s\n", p->name, text ? text : "?");
	list = read_dir(types, &n);
	for (size_t i = 0; i < n; i++)
		print_type(types, &list[i]);
	free(list);
	free(text);
	free(types);
	free(link);
}

static void print_parents(void)
{
	char *class = join(root, "class/mdev_bus");
	struct entry *list;
	size_t n;

	list = read_dir(class, &n);
	for (size_t i = 0; i < n; i++)
		print_parent(class, &list[i]);
	free(list);
	free(class);
}

/* The group's link text must lead to a group that lists the device. */
static void check_group(const char *gid, const char *uuid)
{
	char *member;
	struct stat st;

	if (asprintf(&member, "%s/kernel/iommu_groups/%s/devices/%s", root,
		     gid, uuid) < 0)
		abort();
	if (lstat(member, &st) != 0)
		complain("%s: %s", member, strerror(errno));
	free(member);
}

/* What KubeVirt takes from a device: parent and type from link texts. */
static void print_mdev(const char *bus, const struct entry *e)
{
	char *link = join(bus, e->name);
	char *text = read_link(bus, e->name);
	char *type = read_link(link, "mdev_type");
	char *group = read_link(link, "iommu_group");

	if (text && type && group) {
		const char *gid = component(group, 0);

		printf("mdev %s parent=%s type=%s iommu_group=%s\n", e->name,
		       component(text, 1), component(type, 0), gid);
		check_group(gid, e->name);
	}
	free(group);
	free(type);
	free(text);
	free(link);
}

static void print_mdevs(void)
{
	char *bus = join(root, "bus/mdev/devices");
	struct entry *list;
	size_t n;

	list = read_dir(bus, &n);
	for (size_t i = 0; i < n; i++) {
		/* KubeVirt skips whatever readdir does not call a link. */
		if (list[i].type != DT_LNK) {
			printf("skipped %s (not a link)\n", list[i].name);
			continue;
		}
		print_mdev(bus, &list[i]);
	}
	free(list);
	free(bus);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		root = argv[1];
	print_parents();
	print_mdevs();
	return failed;
}
