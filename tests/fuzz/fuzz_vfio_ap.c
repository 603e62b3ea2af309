// SPDX-License-Identifier: MIT
/*
 * The vfio_ap backend's parsers and stores.  Byte 0 of the input picks
 * what the rest is (b % 3):
 *
 *   0  text for ap_matrix.c's parsers, called directly: ap_parse_apqn()
 *      must give ids below 256 and agree with a plain reading of
 *      "AA.DDDD"; whatever ap_parse_config() accepts must show (through
 *      ap_show_config) as a text that parses back to the same matrix,
 *      and every show stays within a page;
 *   1  the backend's arguments: "vfio_ap:TEXT" is loaded on a fresh host;
 *      a refusal must leave the host as it was, a load must give a parent
 *      on which an mdev can be made, read, and removed;
 *   2  a sequence of stores through the tree on two mdevs A and B of a
 *      host with `vfio_ap:max_adapter=31,max_domain=31,reserved=1f.001f`:
 *      each step is [selector][length][text], the selector naming the
 *      mdev and one of assign_/unassign_adapter, _domain,
 *      _control_domain or ap_config.  After every store: the errno is
 *      one the driver documents; a refused store changes nothing; no
 *      APQN belongs to both mdevs; no id is beyond the limits; the
 *      reserved APQN is in neither; ap_config reads back as a text that
 *      writing again accepts without change; matrix, guest_matrix and
 *      control_domains agree with ap_config.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_matrix.h"
#include "fuzz_host.h"

#define M "devices/vfio_ap/matrix"
#define T M "/mdev_supported_types/vfio_ap-passthrough"
#define UA "a9a9a9a9-0000-4000-8000-00000000000a"
#define UB "a9a9a9a9-0000-4000-8000-00000000000b"
#define MAX_ID 31

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------ */
/* 0: the parsers                                                       */

static bool plain_apqn(const char *s, unsigned int *a, unsigned int *d)
{
	const char *dot = strchr(s, '.');
	size_t la, ld;
	char *end;

	if (!dot || strchr(dot + 1, '.'))
		return false;
	la = (size_t)(dot - s);
	ld = strlen(dot + 1);
	if (la < 1 || la > 2 || ld < 1 || ld > 4)
		return false;
	for (size_t i = 0; i < la; i++)
		if (!g_ascii_isxdigit(s[i]))
			return false;
	for (size_t i = 0; i < ld; i++)
		if (!g_ascii_isxdigit(dot[1 + i]))
			return false;
	*a = (unsigned int)strtoul(s, &end, 16);
	*d = (unsigned int)strtoul(dot + 1, &end, 16);
	return *a < AP_IDS && *d < AP_IDS;
}

static void parsers(const char *buf, size_t len)
{
	char *z = g_strndup(buf, len);
	char *shown = g_malloc0(MDEVFS_ATTR_BUF_SIZE + 1);
	unsigned int a = 0, d = 0, pa = 0, pd = 0;
	bool ok = ap_parse_apqn(z, &a, &d), plain = plain_apqn(z, &pa, &pd);
	struct ap_matrix m, again;
	ssize_t n;

	FH_ASSERT(ok == plain && (!ok || (a == pa && d == pd)),
		  "ap_parse_apqn('%s') = %d (%u.%u), plainly %d (%u.%u)", z, ok,
		  a, d, plain, pa, pd);
	if (ap_parse_config(buf, len, &m) == 0) {
		n = ap_show_config(shown, &m);
		FH_ASSERT(n > 0 && n < MDEVFS_ATTR_BUF_SIZE, "ap_config shows %zd", n);
		FH_ASSERT(ap_parse_config(shown, (size_t)n, &again) == 0,
			  "ap_config text '%s' does not parse", shown);
		FH_ASSERT(!memcmp(&m, &again, sizeof(m)),
			  "ap_config does not round-trip: '%s'", shown);
		n = ap_show_matrix(shown, &m.apm, &m.aqm);
		FH_ASSERT(n >= 0 && n < MDEVFS_ATTR_BUF_SIZE &&
			  strlen(shown) == (size_t)n, "matrix shows %zd", n);
		n = ap_show_domains(shown, &m.adm);
		FH_ASSERT(n >= 0 && n < MDEVFS_ATTR_BUF_SIZE &&
			  strlen(shown) == (size_t)n, "domains show %zd", n);
	}
	g_free(shown);
	g_free(z);
}

/* ------------------------------------------------------------------ */
/* 1: the arguments                                                     */

static char **baseline;

static void arguments(const char *buf, size_t len)
{
	char *args = g_strndup(buf, len);
	char *spec = g_strdup_printf("vfio_ap:%s", args);
	struct fh fh;
	char *msg;
	int ret;

	fh_start(&fh, NULL);
	msg = fh_load(&fh, spec);
	if (msg) {
		char **now = fh_list(&fh, "devices");

		/* Nothing of a refused backend stays. */
		FH_ASSERT(g_strv_equal((const char *const *)now,
				       (const char *const *)baseline),
			  "a refused vfio_ap:%s left devices/ changed", args);
		FH_ASSERT(!fh_exists(&fh, "devices/vfio_ap"), "matrix left behind");
		g_strfreev(now);
		g_free(msg);
	} else {
		ret = fh_write_str(&fh, T "/create", UA);
		FH_ASSERT(ret == 0, "create with vfio_ap:%s: %s", args,
			  g_strerror(ret));
		fh_read_all(&fh, "devices/vfio_ap");
		ret = fh_write_str(&fh, "bus/mdev/devices/" UA "/assign_adapter", "0");
		FH_ASSERT(ret == 0 || ret == EADDRNOTAVAIL,
			  "assign_adapter 0 with vfio_ap:%s: %s", args,
			  g_strerror(ret));
		ret = fh_write_str(&fh, "bus/mdev/devices/" UA "/remove", "1");
		FH_ASSERT(ret == 0, "remove: %s", g_strerror(ret));
	}
	fh_stop(&fh);
	g_free(spec);
	g_free(args);
}

/* ------------------------------------------------------------------ */
/* 2: stores through the tree                                           */

static struct fh host;

static const char *const files[] = {
	"assign_adapter", "unassign_adapter", "assign_domain",
	"unassign_domain", "assign_control_domain", "unassign_control_domain",
	"ap_config",
};

static struct ap_matrix read_config(const char *u)
{
	g_autofree char *path = g_strdup_printf("bus/mdev/devices/%s/ap_config", u);
	struct ap_matrix m;
	size_t len = 0;
	int err = 0;
	char *text = fh_read(&host, path, &err, &len);

	FH_ASSERT(text, "read %s: %s", path, g_strerror(err));
	FH_ASSERT(ap_parse_config(text, len, &m) == 0, "%s reads '%s'", path, text);
	g_free(text);
	return m;
}

static char *read_file(const char *u, const char *name)
{
	g_autofree char *path = g_strdup_printf("bus/mdev/devices/%s/%s", u, name);
	int err = 0;
	char *text = fh_read(&host, path, &err, NULL);

	FH_ASSERT(text, "read %s: %s", path, g_strerror(err));
	return text;
}

/* matrix and control_domains must be what ap_config says. */
static void check_views(const char *u, const struct ap_matrix *m)
{
	char *want = g_malloc0(MDEVFS_ATTR_BUF_SIZE);
	char *got = read_file(u, "matrix");

	ap_show_matrix(want, &m->apm, &m->aqm);
	FH_ASSERT(!strcmp(got, want), "%s matrix '%s', ap_config says '%s'", u,
		  got, want);
	g_free(got);
	got = read_file(u, "control_domains");
	ap_show_domains(want, &m->adm);
	FH_ASSERT(!strcmp(got, want), "%s control_domains '%s', want '%s'", u, got,
		  want);
	g_free(got);
	g_free(read_file(u, "guest_matrix"));
	g_free(want);
}

static void check_matrices(const struct ap_matrix *a, const struct ap_matrix *b)
{
	FH_ASSERT(!(ap_meets(&a->apm, &b->apm) && ap_meets(&a->aqm, &b->aqm)),
		  "an APQN belongs to both mdevs");
	for (const struct ap_matrix *m = a; m; m = m == a ? b : NULL) {
		FH_ASSERT(ap_highest(&m->apm) <= MAX_ID &&
			  ap_highest(&m->aqm) <= MAX_ID &&
			  ap_highest(&m->adm) <= MAX_ID, "an id beyond the limits");
		FH_ASSERT(!(ap_test(&m->apm, 0x1f) && ap_test(&m->aqm, 0x1f)),
			  "the reserved APQN 1f.001f was assigned");
	}
}

static void stores(const uint8_t *data, size_t size)
{
	struct ap_matrix ma, mb, before, after;
	int ret;

	if (!host.host) {
		fh_start(&host, NULL);
		FH_ASSERT(!fh_load(&host, "vfio_ap:max_adapter=31,max_domain=31,"
					  "reserved=1f.001f"),
			  "cannot load vfio_ap");
	}
	/* Fresh mdevs for every input. */
	fh_write_str(&host, "bus/mdev/devices/" UA "/remove", "1");
	fh_write_str(&host, "bus/mdev/devices/" UB "/remove", "1");
	FH_ASSERT(fh_write_str(&host, T "/create", UA) == 0, "create A");
	FH_ASSERT(fh_write_str(&host, T "/create", UB) == 0, "create B");

	while (size >= 2) {
		unsigned int sel = data[0] % (2 * G_N_ELEMENTS(files));
		size_t len = MIN((size_t)data[1], size - 2);
		const char *u = sel % 2 ? UB : UA;
		const char *file = files[sel / 2];
		g_autofree char *path = g_strdup_printf("bus/mdev/devices/%s/%s",
							u, file);

		before = read_config(u);
		ret = fh_write(&host, path, data + 2, len);
		after = read_config(u);
		FH_ASSERT(ret == 0 || ret == EINVAL || ret == ERANGE ||
			  ret == ENODEV || ret == EADDRINUSE ||
			  ret == EADDRNOTAVAIL,
			  "%s: unexpected %s", path, g_strerror(ret));
		if (ret)
			FH_ASSERT(!memcmp(&before, &after, sizeof(before)),
				  "%s refused (%s) but the matrix changed", path,
				  g_strerror(ret));
		data += 2 + len;
		size -= 2 + len;

		ma = read_config(UA);
		mb = read_config(UB);
		check_matrices(&ma, &mb);
		check_views(u, &after);
		{
			/* What ap_config shows is accepted back unchanged. */
			g_autofree char *cfg_path =
				g_strdup_printf("bus/mdev/devices/%s/ap_config", u);
			char *text = read_file(u, "ap_config");

			ret = fh_write_str(&host, cfg_path, text);
			FH_ASSERT(ret == 0, "writing back '%s': %s", text,
				  g_strerror(ret));
			before = read_config(u);
			FH_ASSERT(!memcmp(&before, &after, sizeof(before)),
				  "writing ap_config back changed it");
			g_free(text);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fh_init();
	if (!baseline) {
		struct fh fh;

		fh_start(&fh, NULL);
		baseline = fh_list(&fh, "devices");
		fh_stop(&fh);
	}
	switch (data[0] % 3) {
	case 0:
		parsers((const char *)data + 1, size - 1);
		break;
	case 1:
		arguments((const char *)data + 1, size - 1);
		break;
	default:
		stores(data + 1, size - 1);
		break;
	}
	return 0;
}
