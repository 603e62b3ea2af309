// SPDX-License-Identifier: MIT
/*
 * Concurrent create/remove against a real mount.
 *
 * The daemon is mounted with `-b mtty -b mdpy:count=64`.  WRITERS threads
 * each run OPS operations, picking at random a UUID from a small set and
 * either a create on one of the five types of the two parents (so the same
 * UUID collides within a type, across types and across parents) or a
 * remove through bus/mdev/devices/UUID/remove.  READERS threads meanwhile
 * list bus/mdev/devices and read every available_instances.  The run is
 * cut into ROUNDS; between rounds nothing runs and the tree is checked.
 *
 * While running:
 *   - a create write gives 0, EEXIST, ENOSPC or EUSERS; a remove gives 0,
 *     ENOENT (at open: the file or the device is gone), ENODEV (the file
 *     went away after the open) or EAGAIN (the device is still being
 *     created); anything else, or a short write, fails the test;
 *   - readers see only UUIDs of the set, counters within what the set can
 *     use, and read errors only ENOENT/ENODEV for a device going away.
 *
 * After each round (quiescent):
 *   - the listing has no duplicates, every device there has its parent
 *     directory, mdev_type link (to a type of that parent), driver and
 *     iommu_group links, one vfio-dev entry, a uevent with its driver, and
 *     appears in its type's devices/ directory and nowhere else;
 *   - every available_instances equals capacity minus what is listed
 *     (mtty: 24 ports, mdpy: 64 devices) and kernel/iommu_groups has one
 *     group per device;
 *   - the writers' ledger (start/end times and results of every operation)
 *     agrees with a history of one live device per UUID at a time: between
 *     any two successful creates of a UUID there is a successful remove
 *     that could have come between them, there are at least as many
 *     successful removes as successful creates less the one still listed,
 *     a listed device has the type of a create that can be the last one
 *     and no successful remove began after every create had ended, and an
 *     unlisted UUID that was created has a remove that ended after the
 *     last create began;
 *   - then every device is removed (0 expected) and the counters are full
 *     again, every devices/ directory and kernel/iommu_groups empty.
 *
 * A remove that gets EAGAIN has already taken the `remove` file away, and
 * from 6.1 on (as in the kernel) the file does not come back: the device
 * finishes its create without a `remove` file and no write can remove it.
 * Such a device is "stranded"; it is allowed only where the ledger has an
 * EAGAIN remove for it, is counted, and is cleared between rounds by
 * unregistering and re-registering its parent through mdevfs-ctl (-c).
 *
 * At the end the daemon must still be mounted and alive and exit 0 on
 * SIGTERM, with nothing left mounted.
 *
 * usage: mdevfs_stress [-w WRITERS] [-n OPS] [-r READERS] [-u UUIDS]
 *                      [-R ROUNDS] [-s SEED] [-c MDEVFS_CTL] [-v] [MDEVFS_BIN]
 * (-v prints every round; otherwise only rounds with failures.)
 * Defaults: 8 writers, 500 operations each, 2 readers, 6 UUIDs, and one
 * round per 25 operations of a writer (stranded devices pile up within a
 * round, so short rounds keep the UUIDs in play).
 * Exit: 0 pass, 1 fail, 77 skip (/dev/fuse unusable).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "mount_helper.h"

#define MAX_UUIDS 64
#define MAX_WRITERS 64
#define MAX_READERS 16
#define MTTY_PORTS 24
#define MDPY_COUNT 64
#define NR_ERRNO 256
#define MAX_REPORTS 40

struct type_info {
	const char *parent;     /* device name of the parent */
	const char *dir;        /* its directory below the mount root */
	const char *id;
	int ports;              /* mtty ports per instance, 0 for mdpy */
};

static const struct type_info types[] = {
	{ "mtty", "devices/virtual/mtty/mtty", "mtty-1", 1 },
	{ "mtty", "devices/virtual/mtty/mtty", "mtty-2", 2 },
	{ "mdpy", "devices/virtual/mdpy/mdpy", "mdpy-vga", 0 },
	{ "mdpy", "devices/virtual/mdpy/mdpy", "mdpy-xga", 0 },
	{ "mdpy", "devices/virtual/mdpy/mdpy", "mdpy-hd", 0 },
};
#define NR_TYPES ((int)(sizeof(types) / sizeof(types[0])))

enum { OP_CREATE, OP_REMOVE };

/* One operation of a writer, as the ledger keeps it. */
struct op_rec {
	uint64_t start, end;    /* before open(), after close() */
	uint8_t kind, uuid, type;
	char stage;             /* 'o' open, 'w' write, 's' short, 'c' close */
	int err;
};

struct writer {
	pthread_t thread;
	uint64_t rng;
	long nops;
	struct op_rec *recs;
};

struct reader {
	pthread_t thread;
	uint64_t rng;
	long listings, counter_reads, device_reads;
	long tolerated[NR_ERRNO];
};

static struct {
	struct mh_mount mnt;
	int nwriters, nreaders, nuuids, rounds;
	bool verbose;
	bool no_open;            /* -o: mount with -o no_open */
	long ops;
	uint64_t seed;
	const char *ctl;
	char uuids[MAX_UUIDS][37];
	atomic_int stop;

	pthread_mutex_t report_lock;
	int failures, reported;
	/* Failures of two known kinds, counted apart for the summary. */
	atomic_long stale_uevents, torn_reads;

	/* Totals over all rounds. */
	long hist[2][NR_ERRNO];
	long unexpected;
	long stranded;
	long ops_done;
	long listings, counter_reads, device_reads, reader_tolerated[NR_ERRNO];
	double write_seconds;
} g = { .report_lock = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------------ */
/* Reporting                                                            */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&g.report_lock);
	g.failures++;
	if (g.reported++ < MAX_REPORTS) {
		fputs("FAIL: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	} else if (g.reported == MAX_REPORTS + 1) {
		fputs("FAIL: (further failures not shown)\n", stderr);
	}
	pthread_mutex_unlock(&g.report_lock);
}

static const char *errname(int e)
{
	static const struct { int e; const char *name; } names[] = {
		{ 0, "ok" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EIO, "EIO" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { EAGAIN, "EAGAIN" },
		{ EUSERS, "EUSERS" }, { ENOTCONN, "ENOTCONN" }, { EINTR, "EINTR" },
		{ ENOTDIR, "ENOTDIR" }, { ESTALE, "ESTALE" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return strerror(e);
}

/* A path below the mount root. */
static void mpath(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mpath(char *buf, const char *fmt, ...)
{
	int n = snprintf(buf, PATH_MAX, "%s/", g.mnt.dir);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, (size_t)(PATH_MAX - n), fmt, ap);
	va_end(ap);
}

static uint64_t next_rand(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static int uuid_index(const char *name)
{
	for (int i = 0; i < g.nuuids; i++)
		if (strcmp(g.uuids[i], name) == 0)
			return i;
	return -1;
}

static int type_index(const char *id)
{
	for (int t = 0; t < NR_TYPES; t++)
		if (strcmp(types[t].id, id) == 0)
			return t;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Writers                                                              */

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char path[PATH_MAX], text[64];

	for (long i = 0; i < w->nops; i++) {
		struct op_rec *r = &w->recs[i];
		uint64_t x = next_rand(&w->rng);
		size_t len;

		r->uuid = (uint8_t)(x % (uint64_t)g.nuuids);
		r->kind = (x >> 20) & 1 ? OP_REMOVE : OP_CREATE;
		r->type = (uint8_t)((x >> 24) % NR_TYPES);
		if (r->kind == OP_CREATE) {
			mpath(path, "%s/mdev_supported_types/%s/create",
			      types[r->type].dir, types[r->type].id);
			len = (size_t)snprintf(text, sizeof(text), "%s\n",
					       g.uuids[r->uuid]);
		} else {
			mpath(path, "bus/mdev/devices/%s/remove", g.uuids[r->uuid]);
			len = (size_t)snprintf(text, sizeof(text), "1\n");
		}
		r->start = fs_now_ns();
		r->err = fs_write(path, text, len, &r->stage);
		r->end = fs_now_ns();
	}
	return NULL;
}

static bool allowed(const struct op_rec *r)
{
	if (!r->err)
		return true;
	if (r->kind == OP_CREATE)
		return r->stage == 'w' &&
		       (r->err == EEXIST || r->err == ENOSPC || r->err == EUSERS);
	if (r->stage == 'o')
		return r->err == ENOENT;
	return r->stage == 'w' && (r->err == ENODEV || r->err == EAGAIN);
}

/* ------------------------------------------------------------------ */
/* Readers                                                              */

static void reader_tolerate(struct reader *rd, int err, const char *what,
			    const char *path)
{
	if (err == ENOENT || err == ENODEV)
		rd->tolerated[err]++;
	else
		fail("reader: %s %s: %s", what, path, errname(err));
}

static void check_counter(int t, long value)
{
	int busy = g.nuuids;
	long lo, hi;

	if (types[t].ports) {
		int ports = 2 * busy < MTTY_PORTS ? 2 * busy : MTTY_PORTS;

		hi = MTTY_PORTS / types[t].ports;
		lo = (MTTY_PORTS - ports) / types[t].ports;
	} else {
		hi = MDPY_COUNT;
		lo = MDPY_COUNT - (busy < MDPY_COUNT ? busy : MDPY_COUNT);
	}
	if (value < lo || value > hi)
		fail("reader: %s available_instances %ld outside [%ld, %ld]",
		     types[t].id, value, lo, hi);
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	char (*names)[64] = calloc(MAX_UUIDS * 4, 64);
	char path[PATH_MAX], buf[4096];
	int n, err;

	while (!atomic_load(&g.stop)) {
		mpath(path, "bus/mdev/devices");
		err = fs_list(path, names, MAX_UUIDS * 4, &n);
		rd->listings++;
		if (err) {
			fail("reader: list %s: %s", path, errname(err));
			n = 0;
		}
		/* A UUID removed and created again during one readdir may
		 * show twice, so only membership is checked here. */
		for (int i = 0; i < n && i < MAX_UUIDS * 4; i++)
			if (uuid_index(names[i]) < 0)
				fail("reader: unknown device '%s' listed", names[i]);
		for (int t = 0; t < NR_TYPES; t++) {
			char *end;
			long v;

			mpath(path, "%s/mdev_supported_types/%s/available_instances",
			      types[t].dir, types[t].id);
			err = fs_read(path, buf, sizeof(buf));
			rd->counter_reads++;
			if (err) {
				fail("reader: read %s: %s", path, errname(err));
				continue;
			}
			v = strtol(buf, &end, 10);
			if (end == buf || strcmp(end, "\n") != 0) {
				atomic_fetch_add(&g.torn_reads, 1);
				fail("reader: %s: bad text '%s' (one open, "
				     "read() until EOF)", path, fs_esc(buf));
			} else {
				check_counter(t, v);
			}
		}
		if (n > 0) {
			const char *u = names[next_rand(&rd->rng) %
					      (uint64_t)(n < MAX_UUIDS * 4 ? n : 1)];

			mpath(path, "bus/mdev/devices/%s/mdev_type", u);
			err = fs_readlink(path, buf, sizeof(buf));
			rd->device_reads++;
			if (err)
				reader_tolerate(rd, err, "readlink", path);
			mpath(path, "bus/mdev/devices/%s/uevent", u);
			err = fs_read(path, buf, sizeof(buf));
			rd->device_reads++;
			if (err)
				reader_tolerate(rd, err, "read", path);
		}
	}
	free(names);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Quiescent checks                                                     */

struct listed {
	int n;
	int uuid[MAX_UUIDS];
	int type[MAX_UUIDS];     /* -1 if unknown */
	bool stranded[MAX_UUIDS];
};

static long read_counter(int t)
{
	char path[PATH_MAX], buf[64], *end;
	long v;
	int err;

	mpath(path, "%s/mdev_supported_types/%s/available_instances",
	      types[t].dir, types[t].id);
	err = fs_read(path, buf, sizeof(buf));
	if (err) {
		fail("read %s: %s", path, errname(err));
		return -1;
	}
	v = strtol(buf, &end, 10);
	if (end == buf || strcmp(end, "\n") != 0) {
		fail("%s: bad text '%s'", path, fs_esc(buf));
		return -1;
	}
	return v;
}

/* Check one listed device's files; its type index, or -1. */
static int check_device(const char *u, bool *stranded)
{
	char path[PATH_MAX], buf[PATH_MAX], want[PATH_MAX], names[4][64];
	const char *base;
	int t, n, err;

	*stranded = false;
	mpath(path, "bus/mdev/devices/%s/mdev_type", u);
	err = fs_readlink(path, buf, sizeof(buf));
	if (err) {
		fail("%s: %s", path, errname(err));
		return -1;
	}
	base = strrchr(buf, '/');
	t = type_index(base ? base + 1 : buf);
	if (t < 0 || strncmp(buf, "../mdev_supported_types/", 24) != 0) {
		fail("%s -> '%s': not a type link", path, buf);
		return -1;
	}
	/* The bus link leads to the device under the type's parent. */
	mpath(path, "bus/mdev/devices/%s", u);
	err = fs_readlink(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "../../../%s/%s", types[t].dir, u);
	if (err || strcmp(buf, want) != 0)
		fail("%s -> '%s' (%s), want '%s'", path, buf, errname(err), want);
	mpath(path, "%s/%s/remove", types[t].dir, u);
	*stranded = !fs_exists(path);
	mpath(path, "%s/%s/uevent", types[t].dir, u);
	err = fs_read(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "DRIVER=%s\n", types[t].parent);
	if (err || strcmp(buf, want) != 0) {
		char again[256];
		int err2;

		/* Tell stale kernel caches (pages, or a size a short read
		 * left) from a wrong value in the daemon: a stat() and
		 * dropped pages make the next read ask the daemon. */
		struct stat st;

		atomic_fetch_add(&g.stale_uevents, 1);
		stat(path, &st);
		fs_drop_cache(path);
		err2 = fs_read(path, again, sizeof(again));
		fail("%s: '%s' (%s), want '%s'; after stat() and dropping the "
		     "cached pages it reads '%s' (%s)%s", path, fs_esc(buf),
		     errname(err), fs_esc(want), fs_esc(again), errname(err2),
		     strcmp(again, want) ? "" : ": a stale kernel cache, the "
		     "daemon did not invalidate uevent when the device was bound");
		}
	mpath(path, "%s/%s/driver", types[t].dir, u);
	err = fs_readlink(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "/bus/mdev/drivers/%s", types[t].parent);
	if (err || strlen(buf) < strlen(want) ||
	    strcmp(buf + strlen(buf) - strlen(want), want) != 0)
		fail("%s -> '%s' (%s)", path, buf, errname(err));
	mpath(path, "%s/%s/iommu_group", types[t].dir, u);
	err = fs_readlink(path, buf, sizeof(buf));
	if (err || !strstr(buf, "kernel/iommu_groups/"))
		fail("%s -> '%s' (%s)", path, buf, errname(err));
	mpath(path, "%s/%s/vfio-dev", types[t].dir, u);
	err = fs_list(path, names, 4, &n);
	if (err || n != 1 || strncmp(names[0], "vfio", 4) != 0)
		fail("%s: %d entries (%s)", path, n, errname(err));
	return t;
}

static int list_devices(struct listed *l)
{
	char path[PATH_MAX];
	char (*names)[64] = calloc(MAX_UUIDS * 4, 64);
	int n, err;

	memset(l, 0, sizeof(*l));
	mpath(path, "bus/mdev/devices");
	err = fs_list(path, names, MAX_UUIDS * 4, &n);
	if (err) {
		fail("list %s: %s", path, errname(err));
		free(names);
		return -1;
	}
	if (n > g.nuuids)
		fail("%d devices listed, only %d UUIDs in use", n, g.nuuids);
	for (int i = 0; i < n && i < MAX_UUIDS * 4; i++) {
		int u = uuid_index(names[i]);

		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			fail("device %s listed twice", names[i]);
		if (u < 0) {
			fail("unknown device '%s' listed", names[i]);
			continue;
		}
		if (l->n < MAX_UUIDS) {
			l->uuid[l->n] = u;
			l->type[l->n] = check_device(names[i], &l->stranded[l->n]);
			l->n++;
		}
	}
	free(names);
	return 0;
}

/* Counters, type directories and IOMMU groups against the listing. */
static void check_accounting(const struct listed *l, const char *when)
{
	char path[PATH_MAX];
	char (*names)[64] = calloc(MAX_UUIDS * 4, 64);
	int ports = 0, mdpy = 0, in_types = 0, n, err;

	for (int i = 0; i < l->n; i++) {
		if (l->type[i] < 0)
			continue;
		if (types[l->type[i]].ports)
			ports += types[l->type[i]].ports;
		else
			mdpy++;
	}
	for (int t = 0; t < NR_TYPES; t++) {
		long want = types[t].ports ?
				    (MTTY_PORTS - ports) / types[t].ports :
				    MDPY_COUNT - mdpy;
		long got = read_counter(t);

		if (got >= 0 && got != want)
			fail("%s: %s available_instances %ld, want %ld "
			     "(%d mtty ports and %d mdpy devices listed)",
			     when, types[t].id, got, want, ports, mdpy);
		mpath(path, "%s/mdev_supported_types/%s/devices", types[t].dir,
		      types[t].id);
		err = fs_list(path, names, MAX_UUIDS * 4, &n);
		if (err) {
			fail("%s: list %s: %s", when, path, errname(err));
			continue;
		}
		in_types += n;
		for (int i = 0; i < n && i < MAX_UUIDS * 4; i++) {
			int u = uuid_index(names[i]), k;

			for (k = 0; k < l->n; k++)
				if (l->uuid[k] == u)
					break;
			if (u < 0 || k == l->n || l->type[k] != t)
				fail("%s: %s lists %s, not a listed device of it",
				     when, path, names[i]);
		}
	}
	if (in_types != l->n)
		fail("%s: type directories list %d devices, bus/mdev/devices %d",
		     when, in_types, l->n);
	mpath(path, "kernel/iommu_groups");
	err = fs_list(path, names, MAX_UUIDS * 4, &n);
	if (err || n != l->n)
		fail("%s: kernel/iommu_groups has %d groups for %d devices (%s)",
		     when, n, l->n, errname(err));
	free(names);
}

/* ------------------------------------------------------------------ */
/* The ledger                                                           */

static int by_end(const void *a, const void *b)
{
	const struct op_rec *x = *(struct op_rec *const *)a;
	const struct op_rec *y = *(struct op_rec *const *)b;

	return x->end < y->end ? -1 : x->end > y->end;
}

/*
 * Check one UUID's operations of a round (the round started with no
 * devices).  Every bound is one that any history with a single live
 * device per UUID must meet, given that an operation takes effect between
 * its start and end.
 */
static void check_ledger_uuid(int u, struct op_rec **ops, size_t nops,
			      const struct listed *l, int round)
{
	struct op_rec **sc = calloc(nops + 1, sizeof(*sc));
	size_t nsc = 0, nsr = 0;
	uint64_t max_start = 0, max_end = 0, min_start = UINT64_MAX;
	int listed = -1;
	bool ok;

	for (int i = 0; i < l->n; i++)
		if (l->uuid[i] == u)
			listed = i;
	for (size_t i = 0; i < nops; i++) {
		if (ops[i]->err)
			continue;
		if (ops[i]->kind == OP_CREATE) {
			sc[nsc++] = ops[i];
			if (ops[i]->start > max_start)
				max_start = ops[i]->start;
			if (ops[i]->start < min_start)
				min_start = ops[i]->start;
			if (ops[i]->end > max_end)
				max_end = ops[i]->end;
		} else {
			nsr++;
		}
	}
	qsort(sc, nsc, sizeof(*sc), by_end);

	/* Two successful creates need a real remove between them. */
	for (size_t i = 0; i + 1 < nsc; i++) {
		uint64_t lo = sc[i]->start < sc[i + 1]->start ? sc[i]->start :
								 sc[i + 1]->start;

		ok = false;
		for (size_t k = 0; k < nops && !ok; k++)
			ok = ops[k]->kind == OP_REMOVE && !ops[k]->err &&
			     ops[k]->end > lo && ops[k]->start < sc[i + 1]->end;
		if (!ok) {
			fail("round %d: %s created twice (at +%.6f s and +%.6f s) "
			     "with no successful remove that can lie between",
			     round, g.uuids[u], sc[i]->end / 1e9,
			     sc[i + 1]->end / 1e9);
			break;
		}
	}
	if (nsc > nsr + (listed >= 0))
		fail("round %d: %s: %zu successful creates, %zu removes, %s at the end",
		     round, g.uuids[u], nsc, nsr, listed >= 0 ? "listed" : "absent");

	if (listed >= 0) {
		if (!nsc) {
			fail("round %d: %s listed but never created", round,
			     g.uuids[u]);
		} else {
			/* Its create ended after every create had begun. */
			ok = false;
			for (size_t i = 0; i < nsc && !ok; i++)
				ok = sc[i]->end >= max_start &&
				     sc[i]->type == l->type[listed];
			if (!ok && l->type[listed] >= 0)
				fail("round %d: %s listed as %s, not the type of a "
				     "create that can be its last", round,
				     g.uuids[u], types[l->type[listed]].id);
		}
		for (size_t k = 0; k < nops; k++)
			if (ops[k]->kind == OP_REMOVE && !ops[k]->err &&
			    ops[k]->start > max_end)
				fail("round %d: %s still listed although a remove "
				     "that began after every create succeeded",
				     round, g.uuids[u]);
		if (l->stranded[listed]) {
			ok = false;
			for (size_t k = 0; k < nops && !ok; k++)
				ok = ops[k]->kind == OP_REMOVE &&
				     ops[k]->err == EAGAIN && ops[k]->stage == 'w' &&
				     ops[k]->end > min_start &&
				     ops[k]->start < max_end;
			if (!ok)
				fail("round %d: %s has no remove file and no "
				     "remove got EAGAIN on it", round, g.uuids[u]);
		}
	} else if (nsc) {
		ok = false;
		for (size_t k = 0; k < nops && !ok; k++)
			ok = ops[k]->kind == OP_REMOVE && !ops[k]->err &&
			     ops[k]->end > max_start;
		if (!ok)
			fail("round %d: %s gone, but no successful remove ended "
			     "after its last create began", round, g.uuids[u]);
	}
	free(sc);
}

static void check_ledger(struct writer *w, const struct listed *l, int round)
{
	long total = (long)g.nwriters * w[0].nops;
	struct op_rec **ops = calloc((size_t)total + 1, sizeof(*ops));

	for (int u = 0; u < g.nuuids; u++) {
		size_t n = 0;

		for (int i = 0; i < g.nwriters; i++)
			for (long k = 0; k < w[i].nops; k++)
				if (w[i].recs[k].uuid == u)
					ops[n++] = &w[i].recs[k];
		check_ledger_uuid(u, ops, n, l, round);
	}
	free(ops);
}

/* ------------------------------------------------------------------ */
/* Between rounds                                                       */

static int ctl(const char *cmd, const char *arg)
{
	const char *argv[] = { g.ctl, g.mnt.dir, cmd, arg, NULL };
	int status = fs_run(argv);

	if (status != 0)
		fail("%s %s %s %s: exit %d", g.ctl, g.mnt.dir, cmd, arg, status);
	return status;
}

/* Remove everything the round left; the tree must be empty after. */
static void clear_devices(const struct listed *l, int round)
{
	bool reregister[NR_TYPES] = { false };
	char path[PATH_MAX], when[64];
	struct listed after;
	char stage;
	int err;

	for (int i = 0; i < l->n; i++) {
		int t = l->type[i];

		if (l->stranded[i]) {
			if (t >= 0)
				reregister[t] = true;
			continue;
		}
		mpath(path, "bus/mdev/devices/%s/remove", g.uuids[l->uuid[i]]);
		err = fs_write(path, "1\n", 2, &stage);
		if (err)
			fail("round %d: final remove of %s: %s (at %c)", round,
			     g.uuids[l->uuid[i]], errname(err), stage);
	}
	for (int t = 0; t < NR_TYPES; t++) {
		bool done = false;

		if (!reregister[t])
			continue;
		for (int k = 0; k < t; k++)
			done |= reregister[k] &&
				strcmp(types[k].parent, types[t].parent) == 0;
		if (done)
			continue;
		if (!g.ctl) {
			fail("round %d: stranded devices of %s and no mdevfs-ctl "
			     "(-c) to clear them", round, types[t].parent);
			continue;
		}
		if (ctl("unregister", types[t].parent) == 0)
			ctl("register", types[t].parent);
	}
	snprintf(when, sizeof(when), "round %d, cleared", round);
	if (list_devices(&after) == 0) {
		if (after.n)
			fail("%s: %d devices left", when, after.n);
		check_accounting(&after, when);
	}
}

static bool daemon_alive(void)
{
	return g.mnt.pid > 0 && kill(g.mnt.pid, 0) == 0 &&
	       waitpid(g.mnt.pid, NULL, WNOHANG) == 0 && mh_is_mounted(g.mnt.dir);
}

/* ------------------------------------------------------------------ */

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-w WRITERS] [-n OPS] [-r READERS] [-u UUIDS] "
		"[-R ROUNDS] [-s SEED] [-c MDEVFS_CTL] [-o] [-v] [MDEVFS_BIN]\n"
		"  -o  mount with -o no_open\n", prog);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int c;

	g.nwriters = 8;
	g.ops = 500;
	g.nreaders = 2;
	g.nuuids = 6;
	g.rounds = 0;
	g.seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ fs_now_ns();
	while ((c = getopt(argc, argv, "w:n:r:u:R:s:c:ov")) != -1) {
		switch (c) {
		case 'w': g.nwriters = atoi(optarg); break;
		case 'n': g.ops = atol(optarg); break;
		case 'r': g.nreaders = atoi(optarg); break;
		case 'u': g.nuuids = atoi(optarg); break;
		case 'R': g.rounds = atoi(optarg); break;
		case 's': g.seed = strtoull(optarg, NULL, 0); break;
		case 'c': g.ctl = optarg; break;
		case 'o': g.no_open = true; break;
		case 'v': g.verbose = true; break;
		default: usage(argv[0]);
		}
	}
	if (optind < argc)
		mh_set_daemon(argv[optind++]);
	if (!g.rounds)
		g.rounds = g.ops >= 25 ? (int)(g.ops / 25) : 1;
	if (optind != argc || g.nwriters < 1 || g.nwriters > MAX_WRITERS ||
	    g.ops < 1 || g.nreaders < 0 || g.nreaders > MAX_READERS ||
	    g.nuuids < 1 || g.nuuids > MAX_UUIDS || g.rounds < 1 ||
	    g.rounds > g.ops)
		usage(argv[0]);
	if (!g.seed)
		g.seed = 1;
}

static void print_hist(const char *what, const long *hist)
{
	long total = 0;

	for (int e = 0; e < NR_ERRNO; e++)
		total += hist[e];
	printf("  %-7s %8ld:", what, total);
	for (int e = 0; e < NR_ERRNO; e++)
		if (hist[e])
			printf(" %s %ld (%.1f%%)", errname(e), hist[e],
			       100.0 * (double)hist[e] / (double)total);
	printf("\n");
}

static void run_round(int round, struct writer *w, struct reader *rd)
{
	long per = g.ops / g.rounds + (round <= g.ops % g.rounds ? 1 : 0);
	uint64_t t0, t1;
	struct listed l;
	char when[64];
	long stranded = 0, unexpected = 0;
	int failures_before = g.failures;

	l.n = 0;
	atomic_store(&g.stop, 0);
	for (int i = 0; i < g.nreaders; i++)
		pthread_create(&rd[i].thread, NULL, reader_main, &rd[i]);
	t0 = fs_now_ns();
	for (int i = 0; i < g.nwriters; i++) {
		w[i].nops = per;
		pthread_create(&w[i].thread, NULL, writer_main, &w[i]);
	}
	for (int i = 0; i < g.nwriters; i++)
		pthread_join(w[i].thread, NULL);
	t1 = fs_now_ns();
	atomic_store(&g.stop, 1);
	for (int i = 0; i < g.nreaders; i++)
		pthread_join(rd[i].thread, NULL);
	g.write_seconds += (double)(t1 - t0) / 1e9;
	g.ops_done += per * g.nwriters;

	for (int i = 0; i < g.nwriters; i++) {
		for (long k = 0; k < w[i].nops; k++) {
			const struct op_rec *r = &w[i].recs[k];

			g.hist[r->kind][r->err < NR_ERRNO ? r->err : NR_ERRNO - 1]++;
			if (allowed(r))
				continue;
			unexpected++;
			fail("round %d: %s of %s%s%s: %s at %s", round,
			     r->kind == OP_CREATE ? "create" : "remove",
			     g.uuids[r->uuid], r->kind == OP_CREATE ? " as " : "",
			     r->kind == OP_CREATE ? types[r->type].id : "",
			     errname(r->err),
			     r->stage == 'o' ? "open" : r->stage == 'w' ? "write" :
			     r->stage == 's' ? "write (short)" : "close");
		}
	}
	g.unexpected += unexpected;
	if (!daemon_alive()) {
		fail("round %d: the daemon is gone", round);
		return;
	}
	snprintf(when, sizeof(when), "round %d", round);
	if (list_devices(&l) == 0) {
		check_accounting(&l, when);
		check_ledger(w, &l, round);
		for (int i = 0; i < l.n; i++)
			stranded += l.stranded[i];
		g.stranded += stranded;
		clear_devices(&l, round);
	}
	if (g.verbose || g.failures != failures_before)
		printf("round %d: %ld ops in %.3f s (%.0f ops/s), %d listed at "
		       "the end, %ld stranded, %ld unexpected errors\n", round,
		       per * g.nwriters, (double)(t1 - t0) / 1e9,
		       (double)(per * g.nwriters) / ((double)(t1 - t0) / 1e9),
		       l.n, stranded, unexpected);
}

int main(int argc, char **argv)
{
	static const char *const plain[] = { "-b", "mtty", "-b", "mdpy:count=64",
					     NULL };
	static const char *const no_open[] = { "-b", "mtty", "-b",
					       "mdpy:count=64", "-o", "no_open",
					       NULL };
	const char *const *extra;
	struct writer *w;
	struct reader *rd;
	char why[512];
	long per_round_max;
	uint64_t wall0, wall1;
	int ret, rounds_run = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	extra = g.no_open ? no_open : plain;
	if (!mh_daemon()) {
		fprintf(stderr, "no daemon binary: give it or set MDEVFS_BIN\n");
		return 2;
	}
	ret = mh_fuse_device_usable();
	if (ret) {
		printf("SKIP: /dev/fuse unusable: %s\n", strerror(-ret));
		return 77;
	}
	mh_install_cleanup();
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < g.nuuids; i++)
		snprintf(g.uuids[i], sizeof(g.uuids[i]),
			 "5eed0000-57e5-4000-8000-0000000000%02x",
			 (unsigned char)i);
	if (mh_prepare(&g.mnt, why, sizeof(why))) {
		fprintf(stderr, "FAIL: %s\n", why);
		return 1;
	}
	ret = mh_start(&g.mnt, extra, why, sizeof(why));
	if (ret) {
		char why2[512];

		mh_dump_log(&g.mnt);
		mh_teardown(&g.mnt, why2, sizeof(why2));
		if (ret == MH_UNUSABLE) {
			printf("SKIP: cannot mount: %s\n", why);
			return 77;
		}
		fprintf(stderr, "FAIL: mount: %s\n", why);
		return 1;
	}
	printf("stress: %d writers x %ld ops, %d readers, %d UUIDs, %d rounds, "
	       "seed 0x%llx, mount %s\n", g.nwriters, g.ops, g.nreaders,
	       g.nuuids, g.rounds, (unsigned long long)g.seed, g.mnt.dir);

	per_round_max = g.ops / g.rounds + 1;
	w = calloc((size_t)g.nwriters, sizeof(*w));
	rd = calloc((size_t)(g.nreaders ? g.nreaders : 1), sizeof(*rd));
	for (int i = 0; i < g.nwriters; i++) {
		w[i].rng = g.seed + 0x1000193ULL * (uint64_t)(i + 1);
		w[i].recs = calloc((size_t)per_round_max, sizeof(*w[i].recs));
	}
	for (int i = 0; i < g.nreaders; i++)
		rd[i].rng = g.seed ^ (0xabcdefULL * (uint64_t)(i + 7));

	wall0 = fs_now_ns();
	for (int round = 1; round <= g.rounds && daemon_alive(); round++) {
		run_round(round, w, rd);
		rounds_run = round;
	}
	wall1 = fs_now_ns();

	for (int i = 0; i < g.nreaders; i++) {
		g.listings += rd[i].listings;
		g.counter_reads += rd[i].counter_reads;
		g.device_reads += rd[i].device_reads;
		for (int e = 0; e < NR_ERRNO; e++)
			g.reader_tolerated[e] += rd[i].tolerated[e];
	}
	printf("total: %d rounds, %ld ops in %.2f s of writing (%.0f ops/s), "
	       "%.2f s with the checks between rounds\n", rounds_run,
	       g.ops_done, g.write_seconds,
	       (double)g.ops_done / g.write_seconds,
	       (double)(wall1 - wall0) / 1e9);
	print_hist("create", g.hist[OP_CREATE]);
	print_hist("remove", g.hist[OP_REMOVE]);
	printf("  unexpected errors %ld, stranded devices %ld\n", g.unexpected,
	       g.stranded);
	printf("  failures: %d, of which %ld stale uevent files after a create "
	       "and %ld torn counter reads\n", g.failures,
	       atomic_load(&g.stale_uevents), atomic_load(&g.torn_reads));
	printf("  readers: %ld listings, %ld counter reads, %ld device reads "
	       "(ENOENT %ld, ENODEV %ld while devices went away)\n", g.listings,
	       g.counter_reads, g.device_reads, g.reader_tolerated[ENOENT],
	       g.reader_tolerated[ENODEV]);

	if (!daemon_alive())
		fail("the daemon is not running any more");
	if (!mh_teardown(&g.mnt, why, sizeof(why)))
		fail("teardown: %s", why);
	else if (g.mnt.exit_status != 0)
		fail("mdevfs exited %d on SIGTERM", g.mnt.exit_status);
	else
		printf("  daemon exited 0 on SIGTERM\n");
	for (int i = 0; i < g.nwriters; i++)
		free(w[i].recs);
	free(w);
	free(rd);
	if (g.failures) {
		printf("FAIL: %d failures\n", g.failures);
		return 1;
	}
	printf("PASS\n");
	return 0;
}
