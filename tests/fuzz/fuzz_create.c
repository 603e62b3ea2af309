// SPDX-License-Identifier: MIT
/*
 * The `create` parser and store.  The input is what a program writes to
 * mdev_supported_types/mtty-1/create on a host with the mtty backend:
 *
 *   - mdev_parse_uuid() must accept exactly what the kernel's create_store
 *     does (36 or 37 bytes, a valid UUID in the first 36 before any NUL,
 *     kref.h), and give that UUID;
 *   - the write through the tree must succeed exactly then, make the
 *     device named by the lowercase text (and nothing else), with its
 *     files readable, the type's counter one lower, the type's devices/
 *     and bus/mdev/devices listing it; a refused write changes nothing;
 *   - a second write of the same text gives EEXIST; removing the device
 *     brings everything back to the empty host.
 *
 * One host serves every input; each input leaves it empty again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "kref.h"
#include "parse.h"

#define TYPE "devices/virtual/mtty/mtty/mdev_supported_types/mtty-1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fh fh;

static long counter(void)
{
	int err = 0;
	char *text = fh_read(&fh, TYPE "/available_instances", &err, NULL);
	long v;

	FH_ASSERT(text, "available_instances: %s", g_strerror(err));
	v = strtol(text, NULL, 10);
	g_free(text);
	return v;
}

static void expect_empty(const char *when)
{
	char **names = fh_list(&fh, "bus/mdev/devices");

	FH_ASSERT(!names[0], "%s: %s listed", when, names[0]);
	g_strfreev(names);
	names = fh_list(&fh, TYPE "/devices");
	FH_ASSERT(!names[0], "%s: %s in the type's devices/", when, names[0]);
	g_strfreev(names);
	FH_ASSERT(mdev_host_device_count(fh.host) == 0, "%s: %u devices", when,
		  mdev_host_device_count(fh.host));
	FH_ASSERT(counter() == 24, "%s: available_instances %ld", when, counter());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	/* The tree hands a store at most a page. */
	size_t count = size < MDEVFS_ATTR_BUF_SIZE ? size : MDEVFS_ATTR_BUF_SIZE;
	char name[37], parsed[37];
	bool want;
	uuid_t uuid;
	int ret;

	if (!fh.host) {
		fh_init();
		fh_start(&fh, NULL);
		FH_ASSERT(!fh_load(&fh, "mtty"), "cannot load mtty");
	}

	/* The parser alone. */
	want = kref_create_ok(buf, size, name);
	ret = mdev_parse_uuid(buf, size, uuid);
	FH_ASSERT((ret == 0) == want && (ret == 0 || ret == -EINVAL),
		  "mdev_parse_uuid gave %d, the kernel would %s", ret,
		  want ? "accept" : "refuse");
	if (want) {
		uuid_unparse_lower(uuid, parsed);
		FH_ASSERT(strcmp(parsed, name) == 0, "parsed %s from %s", parsed,
			  name);
	}

	/* Through the tree: the same decision on what the store gets. */
	want = count > 0 && kref_create_ok(buf, count, name);
	ret = fh_write(&fh, TYPE "/create", data, size);
	if (!want) {
		FH_ASSERT(ret == (count ? EINVAL : 0), "create gave %s, want %s",
			  g_strerror(ret), count ? "EINVAL" : "success");
		expect_empty("after a refused create");
		return 0;
	}
	FH_ASSERT(ret == 0, "create of %s: %s", name, g_strerror(ret));
	{
		g_autofree char *dev = g_strdup_printf("bus/mdev/devices/%s", name);
		g_autofree char *type_link = g_strdup_printf("%s/mdev_type", dev);
		g_autofree char *remove = g_strdup_printf("%s/remove", dev);
		g_autofree char *target = fh_readlink(&fh, type_link);
		char **names = fh_list(&fh, "bus/mdev/devices");

		FH_ASSERT(names[0] && !strcmp(names[0], name) && !names[1],
			  "listing after creating %s starts with %s", name,
			  names[0] ? names[0] : "nothing");
		g_strfreev(names);
		names = fh_list(&fh, TYPE "/devices");
		FH_ASSERT(names[0] && !strcmp(names[0], name) && !names[1],
			  "type's devices/ after creating %s", name);
		g_strfreev(names);
		FH_ASSERT(target && !strcmp(target, "../mdev_supported_types/mtty-1"),
			  "mdev_type -> %s", target ? target : "(none)");
		FH_ASSERT(counter() == 23, "available_instances %ld", counter());
		FH_ASSERT(fh_read_all(&fh, dev) > 0, "no readable file in %s", dev);
		/* The same UUID again, in whatever case. */
		ret = fh_write(&fh, TYPE "/create", data, size);
		FH_ASSERT(ret == EEXIST, "second create: %s", g_strerror(ret));
		ret = fh_write_str(&fh, remove, "1");
		FH_ASSERT(ret == 0, "remove: %s", g_strerror(ret));
		FH_ASSERT(!fh_exists(&fh, dev), "%s still there", dev);
	}
	expect_empty("after the remove");
	return 0;
}
