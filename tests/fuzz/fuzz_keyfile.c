// SPDX-License-Identifier: MIT
/*
 * The keyfile backend: the input is a host file (mdevfs.conf(5)), loaded
 * as `keyfile:PATH` on a fresh host.  A first line "#profile=KVER" (a
 * comment to GKeyFile) picks the kernel era; the default is the newest.
 *
 *   - loading must never crash or leak, whatever the text; a refused file
 *     must leave the tree as a host without the backend has it;
 *   - a loaded file's tree can be read in full (every listed entry looks
 *     up, every readable file reads, every link is relative);
 *   - on each type (at most 8 per parent) of the newest era, a create
 *     succeeds exactly when available_instances is above 0, the new
 *     device's files read, a write to each writable vendor file either
 *     fails or reads back as written, and removing the device restores
 *     the counter.
 *
 * The file is a memfd, named by its /proc/self/fd path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int conf_fd = -1;

/* The listings a host without the backend has, per profile name. */
static GHashTable *baselines;

static char *snapshot(struct fh *fh)
{
	static const char *const dirs[] = { "devices", "devices/virtual", "class",
					    "bus", "bus/mdev/drivers",
					    "class/mdev_bus", "kernel/iommu_groups" };
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		char **names = fh_list(fh, dirs[i]);
		char *joined = g_strjoinv(" ", names);

		g_string_append_printf(s, "%s: %s\n", dirs[i], joined);
		g_free(joined);
		g_strfreev(names);
	}
	return g_string_free(s, FALSE);
}

static const char *baseline(const char *profile)
{
	const char *key = profile ? profile : "";
	char *snap = g_hash_table_lookup(baselines, key);
	struct fh fh;

	if (snap)
		return snap;
	fh_start(&fh, profile);
	snap = snapshot(&fh);
	fh_stop(&fh);
	g_hash_table_insert(baselines, g_strdup(key), snap);
	return snap;
}

static long read_long(struct fh *fh, const char *path, bool *ok)
{
	int err = 0;
	char *text = fh_read(fh, path, &err, NULL);
	char *end;
	long v;

	*ok = false;
	if (!text)
		return 0;
	v = strtol(text, &end, 10);
	*ok = end != text && !strcmp(end, "\n");
	g_free(text);
	return v;
}

/* Write to every writable vendor file of a device directory. */
static void write_vendor_files(struct fh *fh, const char *dir, int depth)
{
	char **names = fh_list(fh, dir);

	for (char **n = names; *n; n++) {
		g_autofree char *path = g_strdup_printf("%s/%s", dir, *n);
		unsigned int mode = fh_mode(fh, path);
		int ret, err = 0;
		char *back;

		if (S_ISDIR(mode) && depth == 0 && strcmp(*n, "power") &&
		    strcmp(*n, "vfio-dev"))
			write_vendor_files(fh, path, 1);
		if (!S_ISREG(mode) || !(mode & 0222) || !strcmp(*n, "remove") ||
		    !strcmp(*n, "uevent"))
			continue;
		ret = fh_write_str(fh, path, "fuzz\n");
		if (ret || !(mode & 0444))
			continue;
		back = fh_read(fh, path, &err, NULL);
		FH_ASSERT(back && !strcmp(back, "fuzz\n"),
			  "%s: stored 'fuzz' but reads '%s'", path,
			  back ? back : g_strerror(err));
		g_free(back);
	}
	g_strfreev(names);
}

static void exercise_types(struct fh *fh)
{
	char **parents = fh_list(fh, "class/mdev_bus");
	unsigned int serial = 0;

	for (char **p = parents; *p; p++) {
		g_autofree char *tdir = g_strdup_printf("class/mdev_bus/%s/"
							"mdev_supported_types", *p);
		char **types = fh_list(fh, tdir);

		for (char **t = types; *t && t - types < 8; t++) {
			g_autofree char *avail = g_strdup_printf("%s/%s/available_instances",
								 tdir, *t);
			g_autofree char *create = g_strdup_printf("%s/%s/create", tdir, *t);
			char uuid[37];
			g_autofree char *dev = NULL;
			bool ok;
			long before = read_long(fh, avail, &ok), after;
			int ret;

			FH_ASSERT(ok, "%s does not read as a number", avail);
			snprintf(uuid, sizeof(uuid),
				 "f0f0f0f0-0000-4000-8000-%012x", ++serial);
			dev = g_strdup_printf("bus/mdev/devices/%s", uuid);
			ret = fh_write_str(fh, create, uuid);
			FH_ASSERT((ret == 0) == (before > 0),
				  "%s: available_instances %ld but create gave %s",
				  *t, before, ret ? g_strerror(ret) : "success");
			if (ret)
				continue;
			FH_ASSERT(fh_exists(fh, dev), "%s not listed", uuid);
			after = read_long(fh, avail, &ok);
			FH_ASSERT(ok && after < before, "%s: %ld available after a "
				  "create, %ld before", *t, after, before);
			fh_read_all(fh, dev);
			write_vendor_files(fh, dev, 0);
			g_free(dev);
			dev = g_strdup_printf("bus/mdev/devices/%s/remove", uuid);
			ret = fh_write_str(fh, dev, "1");
			FH_ASSERT(ret == 0, "remove %s: %s", uuid, g_strerror(ret));
			after = read_long(fh, avail, &ok);
			FH_ASSERT(ok && after == before, "%s: %ld available after the "
				  "remove, %ld before", *t, after, before);
		}
		g_strfreev(types);
	}
	g_strfreev(parents);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *profile = NULL;
	g_autofree char *spec = NULL;
	struct fh fh;
	char *msg;

	if (conf_fd < 0) {
		fh_init();
		conf_fd = memfd_create("fuzz-keyfile.conf", MFD_CLOEXEC);
		FH_ASSERT(conf_fd >= 0, "memfd_create: %s", g_strerror(errno));
		baselines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						  g_free);
	}
	if (size > 9 && !memcmp(data, "#profile=", 9)) {
		const char *nl = memchr(data, '\n', size);

		if (nl) {
			profile = g_strndup((const char *)data + 9,
					    (size_t)(nl - (const char *)data) - 9);
			if (!mdev_profile_find(profile))
				g_clear_pointer(&profile, g_free);
		}
	}
	FH_ASSERT(ftruncate(conf_fd, 0) == 0 &&
		  pwrite(conf_fd, data, size, 0) == (ssize_t)size,
		  "cannot write the host file");
	spec = g_strdup_printf("keyfile:/proc/self/fd/%d", conf_fd);

	fh_start(&fh, profile);
	msg = fh_load(&fh, spec);
	if (msg) {
		char *now = snapshot(&fh);

		FH_ASSERT(!strcmp(now, baseline(profile)),
			  "a refused host file left things behind:\n%swhere a "
			  "fresh host has\n%s", now, baseline(profile));
		FH_ASSERT(mdev_host_device_count(fh.host) == 0, "mdevs left");
		g_free(now);
		g_free(msg);
	} else {
		fh_read_all(&fh, "");
		if (!profile || !strcmp(profile, "newest") ||
		    mdev_profile_find(profile) == &mdev_profile_default)
			exercise_types(&fh);
	}
	fh_stop(&fh);
	return 0;
}
