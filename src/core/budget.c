// SPDX-License-Identifier: MIT
/*
 * The memory budget: how many mdevs this process can hold before an
 * allocation fails.  glib aborts on a failed allocation, so the core
 * refuses a create with ENOMEM (as the kernel does when kmalloc fails)
 * while there is still room for everything the devices it has may need.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "core.h"

/* Room for what is not per device: the daemon, its worker threads'
 * stacks, the libraries and the kernel's requests in flight. */
#define BUDGET_RESERVE ((guint64)128 << 20)

static guint64 smaller(guint64 a, guint64 b)
{
	return a && (!b || a < b) ? a : b;
}

static guint64 rlimit_of(int resource)
{
	struct rlimit lim;

	if (getrlimit(resource, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY)
		return 0;
	return (guint64)lim.rlim_cur;
}

/* A number from a cgroup file; 0 for "max", a missing file or junk. */
static guint64 cgroup_value(const char *dir, const char *file)
{
	g_autofree char *path = g_build_filename("/sys/fs/cgroup", dir, file,
						 NULL);
	g_autofree char *text = NULL;
	guint64 value;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	g_strstrip(text);
	if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT64, &value, NULL))
		return 0;
	return value;
}

static guint64 v1_limit(const char *path)
{
	g_autofree char *dir = g_build_filename("memory", path, NULL);

	return cgroup_value(dir, "memory.limit_in_bytes");
}

/* The memory limit of this process's cgroup (v2 "0::/path", or the
 * memory controller's line of v1), if it has one. */
static guint64 cgroup_limit(void)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	guint64 limit = 0;

	if (!g_file_get_contents("/proc/self/cgroup", &text, NULL, NULL))
		return 0;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, ":", 3);

		if (g_strv_length(f) != 3)
			continue;
		if (strcmp(f[0], "0") == 0 && !*f[1])
			limit = smaller(limit, cgroup_value(f[2], "memory.max"));
		else if (strstr(f[1], "memory"))
			limit = smaller(limit, v1_limit(f[2]));
	}
	/* v1 says "no limit" with a huge number. */
	return limit >= ((guint64)1 << 60) ? 0 : limit;
}

unsigned int mdev_memory_budget(size_t bytes_each)
{
	guint64 limit = smaller(smaller(rlimit_of(RLIMIT_AS),
					rlimit_of(RLIMIT_DATA)),
				cgroup_limit());

	if (!limit || !bytes_each)
		return 0;
	if (limit <= BUDGET_RESERVE)
		return 1;
	return (unsigned int)MIN((limit - BUDGET_RESERVE) / bytes_each,
				 (guint64)G_MAXUINT);
}
