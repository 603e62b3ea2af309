// SPDX-License-Identifier: MIT
/*
 * The `remove` parser and store.  The input is written to
 * bus/mdev/devices/UUID/remove of an mtty device:
 *
 *   - parse_ulong() must agree with the kernel's kstrtoul(buf, 0) on the
 *     NUL-terminated copy of what the store gets (kref.h);
 *   - text kstrtoul refuses gives EINVAL and leaves the device; 0 is
 *     accepted and does nothing; any other number removes the device, and
 *     with it its files, its IOMMU group and its place in every listing,
 *     and the type's counter goes back up.
 *
 * One host serves every input; the device is made again when needed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "kref.h"
#include "parse.h"

#define TYPE "devices/virtual/mtty/mtty/mdev_supported_types/mtty-2"
#define U "f022e000-0000-4000-8000-00000000000a"
#define DEV "bus/mdev/devices/" U

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

static void expect_state(bool present, const char *when)
{
	char **names = fh_list(&fh, "bus/mdev/devices");
	char **groups = fh_list(&fh, "kernel/iommu_groups");
	unsigned int n = g_strv_length(names);

	FH_ASSERT(n == (present ? 1u : 0u) &&
		  (!present || strcmp(names[0], U) == 0),
		  "%s: %u devices listed", when, n);
	FH_ASSERT(mdev_host_device_count(fh.host) == n, "%s: core has %u, listed %u",
		  when, mdev_host_device_count(fh.host), n);
	FH_ASSERT(g_strv_length(groups) == n, "%s: %u IOMMU groups for %u devices",
		  when, g_strv_length(groups), n);
	FH_ASSERT(fh_exists(&fh, DEV "/remove") == present, "%s: remove file %s",
		  when, present ? "missing" : "left");
	FH_ASSERT(counter() == (present ? 11 : 12), "%s: available_instances %ld",
		  when, counter());
	g_strfreev(names);
	g_strfreev(groups);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t count = size < MDEVFS_ATTR_BUF_SIZE ? size : MDEVFS_ATTR_BUF_SIZE;
	unsigned long long want_v = 0;
	unsigned long got_v = 0;
	char *z = g_strndup((const char *)data, count);
	int want, got, ret;

	if (!fh.host) {
		fh_init();
		fh_start(&fh, NULL);
		FH_ASSERT(!fh_load(&fh, "mtty"), "cannot load mtty");
	}
	if (!fh_exists(&fh, DEV)) {
		ret = fh_write_str(&fh, TYPE "/create", U);
		FH_ASSERT(ret == 0, "create: %s", g_strerror(ret));
	}
	expect_state(true, "before");

	want = kref_kstrtoull(z, 0, &want_v);
	got = parse_ulong((const char *)data, count, &got_v);
	FH_ASSERT(got == want && (got || got_v == want_v),
		  "parse_ulong: mdevfs %d/%lu, kernel %d/%llu", got, got ? 0 : got_v,
		  want, want ? 0 : want_v);
	g_free(z);

	ret = fh_write(&fh, DEV "/remove", data, size);
	if (!count) {
		FH_ASSERT(ret == 0, "empty write: %s", g_strerror(ret));
		expect_state(true, "after an empty write");
	} else if (want) {
		FH_ASSERT(ret == EINVAL, "remove gave %s for bad text",
			  g_strerror(ret));
		expect_state(true, "after bad text");
	} else if (!want_v) {
		FH_ASSERT(ret == 0, "remove of 0: %s", g_strerror(ret));
		expect_state(true, "after writing 0");
	} else {
		FH_ASSERT(ret == 0, "remove of %llu: %s", want_v, g_strerror(ret));
		FH_ASSERT(!fh_exists(&fh, DEV), "device still there");
		expect_state(false, "after the remove");
	}
	return 0;
}
