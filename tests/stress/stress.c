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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
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
#define COUNTING_COUNT 32
#define MAX_LISTINGS 4096
#define CHUNK 256               /* getdents64 buffer of a chunked listing */
#define CHUNK_PAUSE_US 300      /* pause between two chunks */

/* The parents; P_COUNTING belongs to the test's counting.so. */
enum { P_MTTY, P_MDPY, P_COUNTING, NR_PARENTS };

static const char *const parent_names[NR_PARENTS] = {
	"mtty", "mdpy", "counting0"
};

struct type_info {
	int parent;             /* P_* */
	const char *dir;        /* the parent's directory below the mount root */
	const char *id;
	const char *driver;     /* its mdev driver from 5.13 on */
	int ports;              /* mtty ports per instance, 0 otherwise */
	int pool;               /* capacity of the parent (mtty: ports) */
};

static const struct type_info types[] = {
	{ P_MTTY, "devices/virtual/mtty/mtty", "mtty-1", "mtty", 1, MTTY_PORTS },
	{ P_MTTY, "devices/virtual/mtty/mtty", "mtty-2", "mtty", 2, MTTY_PORTS },
	{ P_MDPY, "devices/virtual/mdpy/mdpy", "mdpy-vga", "mdpy", 0, MDPY_COUNT },
	{ P_MDPY, "devices/virtual/mdpy/mdpy", "mdpy-xga", "mdpy", 0, MDPY_COUNT },
	{ P_MDPY, "devices/virtual/mdpy/mdpy", "mdpy-hd", "mdpy", 0, MDPY_COUNT },
	{ P_COUNTING, "devices/virtual/counting/counting0", "counting-a",
	  "counting", 0, COUNTING_COUNT },
	{ P_COUNTING, "devices/virtual/counting/counting0", "counting-b",
	  "counting", 0, COUNTING_COUNT },
};
#define NR_TYPES ((int)(sizeof(types) / sizeof(types[0])))

/*
 * Operations.  The first five are writes to files of the tree; the last
 * four go through the control socket (mdevfs-ctl), one at a time, and
 * their `type` is the parent (P_*) they act on.
 */
enum {
	OP_CREATE, OP_REMOVE, OP_UNBIND, OP_BIND, OP_PROBE,
	OP_UNREG, OP_REG, OP_UNLOAD, OP_LOAD, NR_KINDS
};
static const char *const kind_names[NR_KINDS] = {
	"create", "remove", "unbind", "bind", "drivers_probe",
	"unregister", "register", "unload", "load"
};

/* One operation of a writer, as the ledger keeps it. */
struct op_rec {
	uint64_t start, end;    /* before open(), after close() */
	uint8_t kind, uuid, type;
	char stage;             /* 'o' open, 'w' write, 's' short, 'c' close,
				   'x' mdevfs-ctl */
	int err;
};

/* What a chunked listing saw; checked against the ledger after the round. */
enum { L_DEVICES, L_TYPE, L_CLASS };
struct listing {
	uint64_t begin, end;    /* before the first chunk, after the last */
	uint8_t what, type;     /* L_*, and the type for L_TYPE */
	uint8_t seen[MAX_UUIDS]; /* times each UUID (or parent) was listed */
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
	long listings, counter_reads, device_reads, chunked;
	long tolerated[NR_ERRNO];
	int nlog;               /* chunked listings this round */
	struct listing *log;
};

static struct {
	struct mh_mount mnt;
	int nwriters, nreaders, nuuids, rounds;
	bool verbose;
	bool no_open;            /* -o: mount with -o no_open */
	long ops;
	uint64_t seed;
	const char *ctl;
	const char *profile;     /* -p: --profile of the daemon, or NULL */
	bool bind_works;         /* bind answers (before 5.13) */
	bool unbind_releases;    /* unbind calls the vendor's remove (6.1+) */
	bool vfio_dev;           /* bound mdevs have vfio-dev/ (6.1+) */
	bool classic;            /* -x: only create and remove */
	const char *counting_so;
	char counting_spec[PATH_MAX + 64];   /* PATH:report=REPORT */
	char report[PATH_MAX];   /* where counting.so writes its violations */
	/* Control state, changed only under ctl_lock by one writer. */
	pthread_mutex_t ctl_lock;
	bool registered[NR_PARENTS];
	bool loaded;
	char uuids[MAX_UUIDS][37];
	atomic_int stop;

	pthread_mutex_t report_lock;
	int failures, reported;
	/* Failures of two known kinds, counted apart for the summary. */
	atomic_long stale_uevents, torn_reads, repeated_now;

	/* Totals over all rounds. */
	long hist[NR_KINDS][NR_ERRNO];
	long skipped, repeated;  /* chunked listings: entries missed, twice */
	long violations;         /* counting.so's, over the run */
	long chunked;
	long unexpected;
	long stranded;
	long ops_done;
	long listings, counter_reads, device_reads, reader_tolerated[NR_ERRNO];
	double write_seconds;
} g = { .report_lock = PTHREAD_MUTEX_INITIALIZER,
	.ctl_lock = PTHREAD_MUTEX_INITIALIZER };

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

/* A failure of a kind already shown often enough: counted only. */
static void fail_quiet(void)
{
	pthread_mutex_lock(&g.report_lock);
	g.failures++;
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

/* Run `mdevfs-ctl MOUNT cmd arg`; its exit status. */
static int ctl_quiet(const char *cmd, const char *arg)
{
	const char *argv[] = { g.ctl, g.mnt.dir, cmd, arg, NULL };

	return fs_run(argv);
}

/*
 * One control operation, chosen from the state: toggle one parent's
 * registration, or load/unload counting.so.  The caller holds ctl_lock.
 */
static void control_op(struct op_rec *r, uint64_t x)
{
	int p = (int)((x >> 32) % NR_PARENTS);
	bool backend;

	/* Mostly bring an absent parent back, so that parents come and go
	 * rather than stay away for the rest of the round. */
	for (int k = 0; k < NR_PARENTS && ((x >> 36) & 3); k++)
		if (!g.registered[(p + k) % NR_PARENTS]) {
			p = (p + k) % NR_PARENTS;
			break;
		}
	backend = ((x >> 40) & 3) == 0 || (p == P_COUNTING && !g.loaded);
	const char *cmd, *arg;

	if (backend) {
		p = P_COUNTING;
		r->kind = g.loaded ? OP_UNLOAD : OP_LOAD;
		cmd = g.loaded ? "unload" : "load";
		arg = g.loaded ? "counting" : g.counting_spec;
	} else {
		r->kind = g.registered[p] ? OP_UNREG : OP_REG;
		cmd = g.registered[p] ? "unregister" : "register";
		arg = parent_names[p];
	}
	r->type = (uint8_t)p;
	r->stage = 'x';
	r->start = fs_now_ns();
	r->err = ctl_quiet(cmd, arg);
	r->end = fs_now_ns();
	if (r->err)
		return;
	switch (r->kind) {
	case OP_UNLOAD: g.loaded = false; g.registered[p] = false; break;
	case OP_LOAD: g.loaded = true; g.registered[p] = true; break;
	case OP_UNREG: g.registered[p] = false; break;
	case OP_REG: g.registered[p] = true; break;
	}
}

static const char *bind_driver(int t)
{
	return g.bind_works ? "vfio_mdev" : types[t].driver;
}

/* A type whose driver is the one uuid is bound to now, else dflt. */
static int driver_of(const char *uuid, int dflt)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;

	mpath(path, "bus/mdev/devices/%s/driver", uuid);
	if (g.bind_works || fs_readlink(path, link, sizeof(link)))
		return dflt;
	base = strrchr(link, '/');
	for (int t = 0; t < NR_TYPES; t++)
		if (base && strcmp(base + 1, types[t].driver) == 0)
			return t;
	return dflt;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char path[PATH_MAX], text[64];

	for (long i = 0; i < w->nops; i++) {
		struct op_rec *r = &w->recs[i];
		uint64_t x = next_rand(&w->rng);
		unsigned int pick = (unsigned int)((x >> 48) % 100);
		size_t len;

		r->uuid = (uint8_t)(x % (uint64_t)g.nuuids);
		r->type = (uint8_t)((x >> 24) % NR_TYPES);
		if (g.classic)
			r->kind = (x >> 20) & 1 ? OP_REMOVE : OP_CREATE;
		else if (pick >= 98 && g.ctl)
			r->kind = OP_UNREG;     /* a control operation */
		else
			r->kind = pick < 38 ? OP_CREATE : pick < 63 ? OP_REMOVE :
				  pick < 78 ? OP_UNBIND : pick < 88 ? OP_BIND :
				  OP_PROBE;
		if (r->kind == OP_UNREG) {
			pthread_mutex_lock(&g.ctl_lock);
			control_op(r, x);
			pthread_mutex_unlock(&g.ctl_lock);
			continue;
		}
		len = (size_t)snprintf(text, sizeof(text), "%s\n",
				       g.uuids[r->uuid]);
		switch (r->kind) {
		case OP_CREATE:
			mpath(path, "%s/mdev_supported_types/%s/create",
			      types[r->type].dir, types[r->type].id);
			break;
		case OP_REMOVE:
			mpath(path, "bus/mdev/devices/%s/remove", g.uuids[r->uuid]);
			len = (size_t)snprintf(text, sizeof(text), "1\n");
			break;
		case OP_UNBIND:
			/* As a tool does: the driver the device has now. */
			r->type = (uint8_t)driver_of(g.uuids[r->uuid], r->type);
			mpath(path, "bus/mdev/drivers/%s/unbind",
			      bind_driver(r->type));
			break;
		case OP_BIND:
			mpath(path, "bus/mdev/drivers/%s/bind",
			      bind_driver(r->type));
			break;
		default:
			mpath(path, "bus/mdev/drivers_probe");
			break;
		}
		r->start = fs_now_ns();
		r->err = fs_write(path, text, len, &r->stage);
		r->end = fs_now_ns();
		/* The daemon is gone: stop, the round reports it. */
		if (r->err == ENOTCONN || r->err == ECONNABORTED) {
			w->nops = i + 1;
			atomic_store(&g.stop, 1);
			break;
		}
	}
	return NULL;
}

static bool allowed(const struct op_rec *r)
{
	/* With control operations, a parent or its driver can be gone. */
	bool ctl = !g.classic && g.ctl;

	if (!r->err)
		return true;
	switch (r->kind) {
	case OP_CREATE:
		if (r->stage == 'o')
			return ctl && r->err == ENOENT;
		return r->stage == 'w' &&
		       (r->err == EEXIST || r->err == ENOSPC ||
			r->err == EUSERS || (ctl && r->err == ENODEV));
	case OP_REMOVE:
		if (r->stage == 'o')
			return r->err == ENOENT;
		return r->stage == 'w' && (r->err == ENODEV || r->err == EAGAIN);
	case OP_UNBIND:
	case OP_BIND:
		/* The synthetic drivers go with their last parent. */
		if (r->stage == 'o')
			return ctl && r->err == ENOENT && !g.bind_works;
		return r->stage == 'w' &&
		       (r->err == ENODEV ||
			(r->kind == OP_BIND && g.bind_works && r->err == EBUSY));
	case OP_PROBE:
		return r->stage == 'w' && r->err == ENODEV;
	default:
		return false;   /* mdevfs-ctl must succeed */
	}
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
		hi = types[t].pool;
		lo = types[t].pool - (busy < types[t].pool ? busy : types[t].pool);
	}
	if (value < lo || value > hi)
		fail("reader: %s available_instances %ld outside [%ld, %ld]",
		     types[t].id, value, lo, hi);
}

/*
 * A chunked listing: getdents64 with a CHUNK-byte buffer and a pause
 * between chunks, so that writers change the directory in the middle.
 * Names are counted in l->seen (UUIDs, or parents for L_CLASS); one that
 * cannot be there fails at once.  A name listed twice fails in
 * check_listings() if it stayed all along: one removed and made again
 * meanwhile is a new entry, which POSIX lets a listing show again.
 */
static void chunked_listing(struct reader *rd, struct listing *l)
{
	char path[PATH_MAX], buf[CHUNK] __attribute__((aligned(8)));
	long n;
	int fd;

	memset(l->seen, 0, sizeof(l->seen));
	if (l->what == L_DEVICES)
		mpath(path, "bus/mdev/devices");
	else if (l->what == L_TYPE)
		mpath(path, "%s/mdev_supported_types/%s/devices",
		      types[l->type].dir, types[l->type].id);
	else
		mpath(path, "class/mdev_bus");
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	l->begin = fs_now_ns();
	if (fd < 0) {
		/* A type directory goes with its parent's registration. */
		if (l->what == L_TYPE && errno == ENOENT)
			rd->tolerated[ENOENT]++;
		else
			fail("reader: open %s: %s", path, errname(errno));
		l->end = 0;     /* not checked */
		return;
	}
	for (bool first = true;; first = false) {
		if (!first)
			usleep(CHUNK_PAUSE_US);
		n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			const char *name =
				buf + off + offsetof(struct dirent64, d_name);
			unsigned short reclen;
			int i = -1;

			memcpy(&reclen, buf + off +
			       offsetof(struct dirent64, d_reclen), sizeof(reclen));
			off += reclen ? reclen : n;
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				continue;
			if (l->what == L_CLASS) {
				for (int p = 0; p < NR_PARENTS; p++)
					if (strcmp(name, parent_names[p]) == 0)
						i = p;
			} else {
				i = uuid_index(name);
			}
			if (i < 0) {
				fail("reader: unknown entry '%s' in %s", name, path);
				continue;
			}
			if (l->seen[i] < UINT8_MAX)
				l->seen[i]++;
		}
	}
	l->end = fs_now_ns();
	if (n < 0) {
		fail("reader: getdents64 %s: %s", path, errname(errno));
		l->end = 0;
	}
	close(fd);
	rd->chunked++;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	char (*names)[64] = calloc(MAX_UUIDS * 4, 64);
	char path[PATH_MAX], buf[4096];
	int n, err;

	rd->nlog = 0;
	while (!atomic_load(&g.stop) && !(g.mnt.pid > 0 &&
					  !mh_is_mounted(g.mnt.dir))) {
		uint64_t x = next_rand(&rd->rng);

		if (!g.classic && rd->nlog < MAX_LISTINGS) {
			struct listing *l = &rd->log[rd->nlog];

			l->what = (uint8_t)(x % 3);
			l->type = (uint8_t)((x >> 8) % NR_TYPES);
			chunked_listing(rd, l);
			if (l->end)
				rd->nlog++;
		}
		mpath(path, "bus/mdev/devices");
		err = fs_list(path, names, MAX_UUIDS * 4, &n);
		rd->listings++;
		if (err == ENOTCONN || err == ECONNABORTED) {
			fail("reader: %s: %s: the daemon is gone", path,
			     errname(err));
			break;
		}
		if (err) {
			fail("reader: list %s: %s", path, errname(err));
			n = 0;
		}
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
				/* Gone with an unregistered parent. */
				if ((err == ENOENT || err == ENODEV) &&
				    !g.classic && g.ctl)
					rd->tolerated[err]++;
				else
					fail("reader: read %s: %s", path,
					     errname(err));
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

			bool counting;

			mpath(path, "bus/mdev/devices/%s/mdev_type", u);
			err = fs_readlink(path, buf, sizeof(buf));
			rd->device_reads++;
			if (err)
				reader_tolerate(rd, err, "readlink", path);
			counting = !err && strstr(buf, "/counting-");
			mpath(path, "bus/mdev/devices/%s/uevent", u);
			err = fs_read(path, buf, sizeof(buf));
			rd->device_reads++;
			if (err)
				reader_tolerate(rd, err, "read", path);
			/* counting.so's vendor file: its show checks the
			 * device is alive (a violation otherwise); it goes
			 * with an unbind from 6.1 on. */
			mpath(path, "bus/mdev/devices/%s/counting/state", u);
			err = counting ? fs_read(path, buf, sizeof(buf)) : 0;
			rd->device_reads += counting;
			if (err)
				reader_tolerate(rd, err, "read", path);
			else if (counting && strcmp(buf, "live\n") != 0)
				fail("reader: %s: '%s'", path, fs_esc(buf));
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
	bool bound[MAX_UUIDS];   /* has a driver (not unbound) */
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
static int check_device(const char *u, bool *stranded, bool *bound)
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
	mpath(path, "%s/%s/driver", types[t].dir, u);
	*bound = fs_exists(path);
	mpath(path, "%s/%s/counting/state", types[t].dir, u);
	if (types[t].parent == P_COUNTING && (*bound || g.bind_works)) {
		err = fs_read(path, buf, sizeof(buf));
		if (err || strcmp(buf, "live\n") != 0)
			fail("%s: '%s' (%s)", path, fs_esc(buf), errname(err));
	} else if (types[t].parent == P_COUNTING && fs_exists(path)) {
		fail("%s exists on an unbound device", path);
	}
	if (!*bound) {
		/* Unbound: no driver, no IOMMU group, no vfio-dev. */
		mpath(path, "%s/%s/iommu_group", types[t].dir, u);
		if (fs_exists(path))
			fail("%s exists on an unbound device", path);
		mpath(path, "%s/%s/vfio-dev", types[t].dir, u);
		if (fs_exists(path))
			fail("%s exists on an unbound device", path);
		mpath(path, "%s/%s/uevent", types[t].dir, u);
		err = fs_read(path, buf, sizeof(buf));
		if (err || buf[0])
			fail("%s: '%s' (%s) on an unbound device, want ''", path,
			     fs_esc(buf), errname(err));
		return t;
	}
	mpath(path, "%s/%s/uevent", types[t].dir, u);
	err = fs_read(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "DRIVER=%s\n", bind_driver(t));
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
	snprintf(want, sizeof(want), "/bus/mdev/drivers/%s", bind_driver(t));
	if (err || strlen(buf) < strlen(want) ||
	    strcmp(buf + strlen(buf) - strlen(want), want) != 0)
		fail("%s -> '%s' (%s)", path, buf, errname(err));
	mpath(path, "%s/%s/iommu_group", types[t].dir, u);
	err = fs_readlink(path, buf, sizeof(buf));
	if (err || !strstr(buf, "kernel/iommu_groups/"))
		fail("%s -> '%s' (%s)", path, buf, errname(err));
	mpath(path, "%s/%s/vfio-dev", types[t].dir, u);
	if (!g.vfio_dev)
		return t;
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
			l->type[l->n] = check_device(names[i], &l->stranded[l->n],
						     &l->bound[l->n]);
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
	int used[NR_PARENTS] = { 0 }, in_types = 0, bound = 0, n, err;

	/* mtty counts ports in its driver, which from 6.1 gives them back
	 * at an unbind; mdpy and counting use the core's counter. */
	for (int i = 0; i < l->n; i++) {
		const struct type_info *ti;

		bound += l->bound[i];
		if (l->type[i] < 0)
			continue;
		ti = &types[l->type[i]];
		if (!ti->ports)
			used[ti->parent]++;
		else if (l->bound[i] || !g.unbind_releases)
			used[ti->parent] += ti->ports;
	}
	for (int t = 0; t < NR_TYPES; t++) {
		int p = types[t].parent;
		long want = types[t].ports ?
				    (types[t].pool - used[p]) / types[t].ports :
				    types[t].pool - used[p];
		long got = read_counter(t);

		if (got >= 0 && got != want)
			fail("%s: %s available_instances %ld, want %ld "
			     "(%d of %s's %d in use)", when, types[t].id, got,
			     want, used[p], parent_names[p], types[t].pool);
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
	if (err || n != bound)
		fail("%s: kernel/iommu_groups has %d groups for %d bound devices "
		     "(%s)", when, n, bound, errname(err));
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
 * Whether r may have removed a device of a UUID created on the parents in
 * pmask: a successful remove of it, or a parent unregistration or backend
 * unload of one of those parents (those remove every device on it).
 */
static bool removes(const struct op_rec *r, unsigned int pmask)
{
	if (r->err)
		return false;
	if (r->kind == OP_REMOVE)
		return true;
	return (r->kind == OP_UNREG || r->kind == OP_UNLOAD) &&
	       (pmask & (1u << r->type));
}

static bool ok_kind(const struct op_rec *r, int kind)
{
	return r->kind == kind && !r->err;
}

/* Where the bus matches (before 5.13) drivers_probe binds an unbound
 * device as `bind` does, and succeeds whether it did or not. */
static bool may_bind(const struct op_rec *r)
{
	return ok_kind(r, OP_BIND) || (g.bind_works && ok_kind(r, OP_PROBE));
}

/*
 * Successful unbinds that need a binding each.  Unbinds that overlap in
 * time may all succeed for one binding: the kernel's unbind_store()
 * checks the driver before it takes the device lock, and the losers find
 * nothing left to do (so does mdevfs).
 */
static size_t distinct_unbinds(struct op_rec **ops, size_t nops)
{
	struct op_rec **u = calloc(nops ? nops : 1, sizeof(*u));
	size_t n = 0, distinct = 0;
	uint64_t until = 0;

	for (size_t i = 0; i < nops; i++)
		if (ok_kind(ops[i], OP_UNBIND))
			u[n++] = ops[i];
	qsort(u, n, sizeof(*u), by_end);
	for (size_t i = 0; i < n; i++) {
		if (distinct && u[i]->start < until)
			continue;
		distinct++;
		until = u[i]->end;
	}
	free(u);
	return distinct;
}

/*
 * Check one UUID's operations of a round (the round started with no
 * devices).  ops has the UUID's own operations, then the round's control
 * operations.  Every bound is one that any history with a single live
 * device per UUID must meet, given that an operation takes effect between
 * its start and end.
 */
static void check_ledger_uuid(int u, struct op_rec **ops, size_t nops,
			      const struct listed *l, int round)
{
	struct op_rec **sc = calloc(nops + 1, sizeof(*sc));
	size_t nsc = 0, nsr = 0, nunbind = 0, nunbind_all = 0, nbind = 0;
	size_t nprobe_binds = 0;
	uint64_t max_start = 0, max_end = 0, min_start = UINT64_MAX;
	uint64_t last_from = UINT64_MAX;  /* earliest start of a possible last create */
	unsigned int pmask = 0;
	int listed = -1;
	bool ok;

	for (int i = 0; i < l->n; i++)
		if (l->uuid[i] == u)
			listed = i;
	for (size_t i = 0; i < nops; i++)
		if (ok_kind(ops[i], OP_CREATE))
			pmask |= 1u << types[ops[i]->type].parent;
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
		} else if (removes(ops[i], pmask)) {
			nsr++;
		}
		nbind += ops[i]->kind == OP_BIND;
		nunbind_all += ops[i]->kind == OP_UNBIND;
		nprobe_binds += may_bind(ops[i]) && ops[i]->kind == OP_PROBE;
	}
	nunbind = distinct_unbinds(ops, nops);
	qsort(sc, nsc, sizeof(*sc), by_end);
	for (size_t i = 0; i < nsc; i++)
		if (sc[i]->end >= max_start && sc[i]->start < last_from)
			last_from = sc[i]->start;

	/* Two successful creates need a real remove between them. */
	for (size_t i = 0; i + 1 < nsc; i++) {
		uint64_t lo = sc[i]->start < sc[i + 1]->start ? sc[i]->start :
								 sc[i + 1]->start;

		ok = false;
		for (size_t k = 0; k < nops && !ok; k++)
			ok = removes(ops[k], pmask) &&
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

	/* An unbind needs a bound device: one from a create or a bind; a
	 * bind needs one that an unbind left unbound. */
	if (nunbind > nsc + nbind + nprobe_binds)
		fail("round %d: %s: %zu successful unbinds, only %zu creates, "
		     "%zu binds and %zu drivers_probe", round, g.uuids[u],
		     nunbind, nsc, nbind, nprobe_binds);
	/* Each bind needs an unbind to have undone a binding: overlapping
	 * unbinds may each have undone one if a bind came between. */
	if (nbind > nunbind_all)
		fail("round %d: %s: %zu successful binds, only %zu unbinds",
		     round, g.uuids[u], nbind, nunbind_all);
	for (size_t k = 0; k < nops; k++) {
		if (ops[k]->kind != OP_PROBE && ops[k]->kind != OP_UNBIND &&
		    ops[k]->kind != OP_BIND)
			continue;
		if (ops[k]->err)
			continue;
		ok = false;
		for (size_t i = 0; i < nsc && !ok; i++)
			ok = sc[i]->start < ops[k]->end;
		if (!ok)
			fail("round %d: %s: %s succeeded before any create began",
			     round, g.uuids[u], kind_names[ops[k]->kind]);
	}

	if (listed >= 0) {
		unsigned int lmask = l->type[listed] >= 0 ?
			1u << types[l->type[listed]].parent : 0;

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
			if (removes(ops[k], lmask) && ops[k]->start > max_end)
				fail("round %d: %s still listed although a %s "
				     "that began after every create succeeded",
				     round, g.uuids[u], kind_names[ops[k]->kind]);
		if (l->bound[listed]) {
			/* A later unbind, not undone by a later bind. */
			for (size_t k = 0; k < nops; k++) {
				if (!ok_kind(ops[k], OP_UNBIND) ||
				    ops[k]->start <= max_end)
					continue;
				ok = false;
				for (size_t j = 0; j < nops && !ok; j++)
					ok = may_bind(ops[j]) &&
					     ops[j]->end > ops[k]->start;
				if (!ok)
					fail("round %d: %s still bound although an "
					     "unbind that began after every "
					     "create succeeded", round, g.uuids[u]);
			}
		} else {
			ok = false;
			for (size_t k = 0; k < nops && !ok; k++)
				ok = ok_kind(ops[k], OP_UNBIND) &&
				     ops[k]->end > last_from;
			if (!ok)
				fail("round %d: %s is listed unbound and no "
				     "unbind of its last create succeeded",
				     round, g.uuids[u]);
		}
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
			ok = removes(ops[k], pmask) && ops[k]->end > max_start;
		if (!ok)
			fail("round %d: %s gone, but no successful remove ended "
			     "after its last create began", round, g.uuids[u]);
	}
	free(sc);
}

/*
 * Whether a device of UUID u (of type t, or any type if t < 0) existed
 * during the whole of [begin, end]: a create of it ended before begin,
 * and nothing that may have removed that device began before end.
 */
static bool existed_throughout(int u, int t, struct op_rec **ops, size_t nops,
			       uint64_t begin, uint64_t end)
{
	for (size_t i = 0; i < nops; i++) {
		const struct op_rec *c = ops[i];
		unsigned int pmask;
		bool ok = true;

		if (!ok_kind(c, OP_CREATE) || c->uuid != u || c->end >= begin ||
		    (t >= 0 && c->type != t))
			continue;
		pmask = 1u << types[c->type].parent;
		for (size_t k = 0; k < nops && ok; k++)
			ok = !(removes(ops[k], pmask) &&
			       (ops[k]->kind != OP_REMOVE || ops[k]->uuid == u) &&
			       ops[k]->end > c->start && ops[k]->start <= end);
		if (ok)
			return true;
	}
	return false;
}

/* Whether parent p was registered during the whole of [begin, end]
 * (control operations run one at a time; every parent is registered
 * when a round starts). */
static bool registered_throughout(int p, struct op_rec **ctl, size_t nctl,
				  uint64_t begin, uint64_t end)
{
	const struct op_rec *last = NULL;

	for (size_t i = 0; i < nctl; i++) {
		if (ctl[i]->type != p || ctl[i]->err)
			continue;
		if (ctl[i]->start <= end && ctl[i]->end >= begin)
			return false;
		if (ctl[i]->end < begin && (!last || ctl[i]->end > last->end))
			last = ctl[i];
	}
	return !last || last->kind == OP_REG || last->kind == OP_LOAD;
}

/* A name listed n times that stayed all along: skipped or repeated. */
static void wrong_count(long *bad, int round, const char *path,
			const struct listing *l, const char *name, int n)
{
	if (g.skipped + (*bad)++ >= 5) {
		fail_quiet();
		return;
	}
	fail("round %d: a chunked listing of %s (+%.6f to +%.6f s) %s %s, "
	     "which was there all along", round, path, l->begin / 1e9,
	     l->end / 1e9, n ? "repeated" : "skipped", name);
}

/* Every chunked listing must show what was there all along, once. */
static void check_listings(struct reader *rd, struct op_rec **ops, size_t nops,
			   struct op_rec **ctl, size_t nctl, int round)
{
	char path[PATH_MAX];
	long skipped = 0;

	for (int r = 0; r < g.nreaders; r++) {
		for (int i = 0; i < rd[r].nlog; i++) {
			const struct listing *l = &rd[r].log[i];

			if (l->what == L_CLASS) {
				for (int p = 0; p < NR_PARENTS; p++)
					if (l->seen[p] != 1 &&
					    registered_throughout(p, ctl, nctl,
								  l->begin, l->end))
						wrong_count(&skipped, round,
							    "class/mdev_bus", l,
							    parent_names[p],
							    l->seen[p]);
				continue;
			}
			if (l->what == L_TYPE)
				snprintf(path, sizeof(path), "%s/devices",
					 types[l->type].id);
			else
				snprintf(path, sizeof(path), "bus/mdev/devices");
			for (int u = 0; u < g.nuuids; u++) {
				if (l->seen[u] == 1 ||
				    !existed_throughout(u, l->what == L_TYPE ?
							l->type : -1, ops, nops,
							l->begin, l->end))
					continue;
				if (l->seen[u] > 1)
					atomic_fetch_add(&g.repeated_now, 1);
				wrong_count(&skipped, round, path, l, g.uuids[u],
					    l->seen[u]);
			}
		}
	}
	g.skipped += skipped;
}

static void check_ledger(struct writer *w, struct reader *rd,
			 const struct listed *l, int round)
{
	long total = (long)g.nwriters * w[0].nops;
	struct op_rec **ops = calloc((size_t)total + 1, sizeof(*ops));
	struct op_rec **ctl = calloc((size_t)total + 1, sizeof(*ctl));
	size_t nctl = 0, nall = 0;

	for (int i = 0; i < g.nwriters; i++)
		for (long k = 0; k < w[i].nops; k++)
			if (w[i].recs[k].kind >= OP_UNREG)
				ctl[nctl++] = &w[i].recs[k];
	for (int u = 0; u < g.nuuids; u++) {
		size_t n = 0;

		for (int i = 0; i < g.nwriters; i++)
			for (long k = 0; k < w[i].nops; k++)
				if (w[i].recs[k].kind < OP_UNREG &&
				    w[i].recs[k].uuid == u)
					ops[n++] = &w[i].recs[k];
		memcpy(ops + n, ctl, nctl * sizeof(*ops));
		check_ledger_uuid(u, ops, n + nctl, l, round);
	}
	for (int i = 0; i < g.nwriters; i++)
		for (long k = 0; k < w[i].nops; k++)
			ops[nall++] = &w[i].recs[k];
	check_listings(rd, ops, nall, ctl, nctl, round);
	free(ctl);
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
			done |= reregister[k] && types[k].parent == types[t].parent;
		if (done)
			continue;
		if (!g.ctl) {
			fail("round %d: stranded devices of %s and no mdevfs-ctl "
			     "(-c) to clear them", round,
			     parent_names[types[t].parent]);
			continue;
		}
		if (ctl("unregister", parent_names[types[t].parent]) == 0)
			ctl("register", parent_names[types[t].parent]);
	}
	snprintf(when, sizeof(when), "round %d, cleared", round);
	if (list_devices(&after) == 0) {
		if (after.n)
			fail("%s: %d devices left", when, after.n);
		check_accounting(&after, when);
	}
}

/* Load counting.so and register every parent the round left
 * unregistered (neither makes a device). */
static void restore_parents(int round)
{
	if (!g.loaded) {
		if (ctl("load", g.counting_spec) == 0)
			g.loaded = g.registered[P_COUNTING] = true;
	}
	for (int p = 0; p < NR_PARENTS; p++)
		if (!g.registered[p] && ctl("register", parent_names[p]) == 0)
			g.registered[p] = true;
	(void)round;
}

/* counting.so's count, and the lines of its report file (kept across
 * unloads), must both be empty. */
static void check_violations(const char *when)
{
	char path[PATH_MAX], buf[4096];
	int err;

	mpath(path, "devices/virtual/counting/counting0/violations");
	err = fs_read(path, buf, sizeof(buf));
	if (err || strcmp(buf, "0\n") != 0)
		fail("%s: %s reads '%s' (%s), want '0\\n'", when, path,
		     fs_esc(buf), errname(err));
	err = fs_read(g.report, buf, sizeof(buf));
	if (!err && buf[0]) {
		long n = 0;

		for (const char *c = buf; *c; c++)
			n += *c == '\n';
		g.violations += n;
		fail("%s: counting.so saw %ld wrong vendor callback%s:\n%s",
		     when, n, n == 1 ? "" : "s", buf);
		truncate(g.report, 0);
	}
}

/*
 * The watchdog: a daemon that deadlocks (or crashes while threads of it
 * wait on its own mount, so that its core dump never ends) would hang the
 * run.  When a round has made no progress for WATCHDOG_S seconds, it
 * reports it, kills the daemon and aborts the FUSE connection, so that
 * every waiting call returns ENOTCONN and the run ends with a failure.
 */
#define WATCHDOG_S 60
static atomic_ullong round_deadline;   /* CLOCK_MONOTONIC ns, 0: off */
static unsigned int fuse_conn;          /* minor of the mount's st_dev */

static void *watchdog_main(void *arg)
{
	char path[128];
	FILE *f;

	(void)arg;
	for (;;) {
		uint64_t d = atomic_load(&round_deadline);

		sleep(1);
		if (!d || fs_now_ns() < d)
			continue;
		g.reported = 0;         /* always shown */
		fail("the run has hung for %d s (%ld operations done before "
		     "this round): the daemon is deadlocked or died with "
		     "threads stuck on its own mount; killing it and aborting "
		     "FUSE connection %u. Its log follows.", WATCHDOG_S,
		     g.ops_done, fuse_conn);
		mh_dump_log(&g.mnt);
		if (g.mnt.pid > 0)      /* never kill(0): our own group */
			kill(g.mnt.pid, SIGKILL);
		snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort",
			 fuse_conn);
		f = fopen(path, "w");
		if (f) {
			fputs("1", f);
			fclose(f);
		}
		atomic_store(&round_deadline, 0);
	}
	return NULL;
}

static bool daemon_alive(void)
{
	siginfo_t info = { 0 };

	/* WNOWAIT: leave the reaping to mh_teardown(), whose SIGKILL
	 * fallback would otherwise get pid 0 and kill our process group. */
	return g.mnt.pid > 0 && kill(g.mnt.pid, 0) == 0 &&
	       waitid(P_PID, (id_t)g.mnt.pid, &info,
		      WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       info.si_pid == 0 && mh_is_mounted(g.mnt.dir);
}

/* ------------------------------------------------------------------ */

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-w WRITERS] [-n OPS] [-r READERS] [-u UUIDS] "
		"[-R ROUNDS] [-s SEED] [-c MDEVFS_CTL] [-p KVER] [-k COUNTING_SO]\n"
		"       [-o] [-x] [-v] [MDEVFS_BIN]\n"
		"  -o  mount with -o no_open\n"
		"  -p  the daemon's --profile: 5.4, 5.10, 6.1, 6.13 or newest\n"
		"  -k  the test backend (default: counting.so next to this program)\n"
		"  -x  only create and remove (no bind, unbind, drivers_probe or\n"
		"      control operations)\n", prog);
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
	while ((c = getopt(argc, argv, "w:n:r:u:R:s:c:p:k:oxv")) != -1) {
		switch (c) {
		case 'w': g.nwriters = atoi(optarg); break;
		case 'n': g.ops = atol(optarg); break;
		case 'r': g.nreaders = atoi(optarg); break;
		case 'u': g.nuuids = atoi(optarg); break;
		case 'R': g.rounds = atoi(optarg); break;
		case 's': g.seed = strtoull(optarg, NULL, 0); break;
		case 'c': g.ctl = optarg; break;
		case 'o': g.no_open = true; break;
		case 'x': g.classic = true; break;
		case 'p': g.profile = optarg; break;
		case 'k': g.counting_so = optarg; break;
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
	/* What the test knows of each profile (see mdev_sysfs.c). */
	if (!g.profile || strcmp(g.profile, "6.13") == 0 ||
	    strcmp(g.profile, "newest") == 0 || strcmp(g.profile, "6.1") == 0) {
		g.unbind_releases = g.vfio_dev = true;
	} else if (strcmp(g.profile, "5.4") == 0 ||
		   strcmp(g.profile, "5.10") == 0) {
		g.bind_works = true;
	} else {
		usage(argv[0]);
	}
	if (!g.counting_so) {
		static char def[PATH_MAX + 16];
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;

		self[n > 0 ? n : 0] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		snprintf(def, sizeof(def), "%s/counting.so", self);
		g.counting_so = def;
	}
}

static void print_hist(const char *what, const long *hist)
{
	long total = 0;

	for (int e = 0; e < NR_ERRNO; e++)
		total += hist[e];
	printf("  %-13s %7ld:", what, total);
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
	atomic_store(&round_deadline, fs_now_ns() + WATCHDOG_S * 1000000000ULL);
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
			if (r->stage == 'x') {
				fail("round %d: mdevfs-ctl %s %s: exit %d", round,
				     kind_names[r->kind], parent_names[r->type],
				     r->err);
				continue;
			}
			fail("round %d: %s of %s%s%s: %s at %s", round,
			     kind_names[r->kind], g.uuids[r->uuid],
			     r->kind == OP_CREATE ? " as " :
			     r->kind == OP_UNBIND || r->kind == OP_BIND ? " on " : "",
			     r->kind == OP_CREATE ? types[r->type].id :
			     r->kind == OP_UNBIND || r->kind == OP_BIND ?
			     bind_driver(r->type) : "",
			     errname(r->err),
			     r->stage == 'o' ? "open" : r->stage == 'w' ? "write" :
			     r->stage == 's' ? "write (short)" : "close");
		}
	}
	g.unexpected += unexpected;
	if (!daemon_alive()) {
		fail("round %d: the daemon is gone (%ld operations into the "
		     "run); its log follows", round, g.ops_done);
		mh_dump_log(&g.mnt);
		return;
	}
	snprintf(when, sizeof(when), "round %d", round);
	restore_parents(round);
	if (list_devices(&l) == 0) {
		check_accounting(&l, when);
		check_ledger(w, rd, &l, round);
		for (int i = 0; i < l.n; i++)
			stranded += l.stranded[i];
		g.stranded += stranded;
		clear_devices(&l, round);
	}
	check_violations(when);
	atomic_store(&round_deadline, 0);
	if (g.verbose || g.failures != failures_before)
		printf("round %d: %ld ops in %.3f s (%.0f ops/s), %d listed at "
		       "the end, %ld stranded, %ld unexpected errors\n", round,
		       per * g.nwriters, (double)(t1 - t0) / 1e9,
		       (double)(per * g.nwriters) / ((double)(t1 - t0) / 1e9),
		       l.n, stranded, unexpected);
}

int main(int argc, char **argv)
{
	const char *extra[16];
	char profile_opt[64];
	int nextra = 0, fd;
	struct writer *w;
	struct reader *rd;
	char why[512];
	long per_round_max;
	uint64_t wall0, wall1;
	int ret, rounds_run = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
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
	if (access(g.counting_so, R_OK) != 0) {
		fprintf(stderr, "FAIL: no test backend at %s (give -k)\n",
			g.counting_so);
		return 1;
	}
	snprintf(g.report, sizeof(g.report), "/tmp/mdevfs_stress_report.XXXXXX");
	fd = mkstemp(g.report);
	if (fd < 0) {
		fprintf(stderr, "FAIL: mkstemp %s: %s\n", g.report, strerror(errno));
		return 1;
	}
	close(fd);
	snprintf(g.counting_spec, sizeof(g.counting_spec), "%s:report=%s",
		 g.counting_so, g.report);
	extra[nextra++] = "-b";
	extra[nextra++] = "mtty";
	extra[nextra++] = "-b";
	extra[nextra++] = "mdpy:count=64";
	extra[nextra++] = "-b";
	extra[nextra++] = g.counting_spec;
	if (g.no_open) {
		extra[nextra++] = "-o";
		extra[nextra++] = "no_open";
	}
	if (g.profile) {
		snprintf(profile_opt, sizeof(profile_opt), "--profile=%s",
			 g.profile);
		extra[nextra++] = profile_opt;
	}
	extra[nextra] = NULL;
	g.loaded = true;
	for (int p = 0; p < NR_PARENTS; p++)
		g.registered[p] = true;
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
	printf("stress: %d writers x %ld ops (%s), %d readers, %d UUIDs, "
	       "%d rounds, profile %s, seed 0x%llx, mount %s\n", g.nwriters,
	       g.ops, g.classic ? "create/remove" : g.ctl ? "every writer" :
	       "every writer but mdevfs-ctl", g.nreaders, g.nuuids, g.rounds,
	       g.profile ? g.profile : "default", (unsigned long long)g.seed,
	       g.mnt.dir);

	{
		struct stat st;
		pthread_t wd;

		if (stat(g.mnt.dir, &st) == 0)
			fuse_conn = minor(st.st_dev);
		pthread_create(&wd, NULL, watchdog_main, NULL);
		pthread_detach(wd);
	}
	per_round_max = g.ops / g.rounds + 1;
	w = calloc((size_t)g.nwriters, sizeof(*w));
	rd = calloc((size_t)(g.nreaders ? g.nreaders : 1), sizeof(*rd));
	for (int i = 0; i < g.nwriters; i++) {
		w[i].rng = g.seed + 0x1000193ULL * (uint64_t)(i + 1);
		w[i].recs = calloc((size_t)per_round_max, sizeof(*w[i].recs));
	}
	for (int i = 0; i < g.nreaders; i++) {
		rd[i].rng = g.seed ^ (0xabcdefULL * (uint64_t)(i + 7));
		rd[i].log = calloc(MAX_LISTINGS, sizeof(*rd[i].log));
	}

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
		g.chunked += rd[i].chunked;
		for (int e = 0; e < NR_ERRNO; e++)
			g.reader_tolerated[e] += rd[i].tolerated[e];
	}
	printf("total: %d rounds, %ld ops in %.2f s of writing (%.0f ops/s), "
	       "%.2f s with the checks between rounds\n", rounds_run,
	       g.ops_done, g.write_seconds,
	       (double)g.ops_done / g.write_seconds,
	       (double)(wall1 - wall0) / 1e9);
	for (int k = 0; k < NR_KINDS; k++)
		print_hist(kind_names[k], g.hist[k]);
	printf("  unexpected errors %ld, stranded devices %ld\n", g.unexpected,
	       g.stranded);
	printf("  failures: %d, of which %ld stale uevent files after a create "
	       "and %ld torn counter reads\n", g.failures,
	       atomic_load(&g.stale_uevents), atomic_load(&g.torn_reads));
	printf("  readers: %ld listings, %ld chunked listings, %ld counter reads, "
	       "%ld device reads (ENOENT %ld, ENODEV %ld while devices or "
	       "parents went away)\n", g.listings, g.chunked, g.counter_reads,
	       g.device_reads, g.reader_tolerated[ENOENT],
	       g.reader_tolerated[ENODEV]);
	printf("  chunked listings: %ld entries that were there all along "
	       "skipped or repeated (%ld repeated); counting.so: %ld wrong "
	       "vendor callbacks\n",
	       g.skipped, atomic_load(&g.repeated_now), g.violations);

	if (!daemon_alive())
		fail("the daemon is not running any more");
	if (!mh_teardown(&g.mnt, why, sizeof(why)))
		fail("teardown: %s", why);
	else if (g.mnt.exit_status != 0)
		fail("mdevfs exited %d on SIGTERM", g.mnt.exit_status);
	else
		printf("  daemon exited 0 on SIGTERM\n");
	/* Its shutdown unloaded counting.so, which reports devices it still
	 * had. */
	{
		char buf[4096];

		if (fs_read(g.report, buf, sizeof(buf)) == 0 && buf[0])
			fail("at shutdown, counting.so saw: %s", buf);
		unlink(g.report);
	}
	for (int i = 0; i < g.nwriters; i++)
		free(w[i].recs);
	for (int i = 0; i < g.nreaders; i++)
		free(rd[i].log);
	free(w);
	free(rd);
	if (g.failures) {
		printf("FAIL: %d failures\n", g.failures);
		return 1;
	}
	printf("PASS\n");
	return 0;
}
