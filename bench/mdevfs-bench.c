// SPDX-License-Identifier: MIT
/*
 * mdevfs-bench: the timed loops of the mdevfs benchmark.
 *
 * Each subcommand does one kind of work on paths given by the caller
 * (bench/run.sh drives it) and prints one line of key=value figures on
 * stdout.  Times come from CLOCK_MONOTONIC.  A measurement is repeated
 * REPS times and the median of the repetitions is reported, with the
 * fastest and the slowest; per-operation figures are in nanoseconds.
 *
 *   read PATH ITERS REPS          open + read + close of PATH
 *   readat PATH ITERS REPS        the same, opened in PATH's directory
 *                                 (held open): without the path walk
 *   write PATH TEXT ITERS REPS    open(O_WRONLY) + write(TEXT) + close
 *   cycle TYPEDIR PARENTDIR ITERS REPS
 *                                 write a 36-byte UUID to TYPEDIR/create,
 *                                 then "1" to PARENTDIR/<uuid>/remove
 *   create TYPEDIR FIRST COUNT [BATCH]
 *                                 create devices FIRST..FIRST+COUNT-1 once,
 *                                 timing every BATCH (default 1000) of them
 *   remove PARENTDIR FIRST COUNT  remove those devices again
 *   trial TYPEDIR PARENTDIR FIRST COUNT REPS
 *                                 create COUNT devices, then remove them,
 *                                 REPS times; both are timed, apart
 *   mirror DIR FIRST COUNT        build the plain-symlink image of the
 *                                 devices list (bus/mdev/devices/<uuid> and
 *                                 <uuid>/mdev_type) under DIR
 *   list DEVDIR REPS [TYPEDIR PARENTDIR]
 *                                 readdir DEVDIR and readlink every
 *                                 <uuid>/mdev_type; the first pass is also
 *                                 reported apart.  With TYPEDIR and
 *                                 PARENTDIR a device is created and removed
 *                                 before each pass (not timed), which makes
 *                                 the kernel drop its cached listing.
 *   exec REPS CMD [ARG]...        run CMD with stdout on /dev/null
 *   uuidcost TYPEDIR PARENTDIR COUNT REPS
 *                                 create COUNT devices whose UUIDs share
 *                                 their last 6 bytes (all but the first 4
 *                                 differ) and, in turn, COUNT with random
 *                                 (version 4) UUIDs; each set is removed
 *                                 again before the other is made.  Creates
 *                                 and removes are timed apart; the median
 *                                 per create of each kind and their ratio
 *                                 are reported.  A registry that hashes
 *                                 only the tail of a UUID makes the first
 *                                 kind collide.
 *
 * Devices are numbered; device i has the UUID 00000000-0000-4000-8000-
 * followed by i in twelve hex digits, so every run creates the same set.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UUID_LEN 36
/* Devices the "list ... TYPEDIR PARENTDIR" passes create and remove. */
#define SCRATCH_DEV 0xfffffffffULL

static const char *prog = "mdevfs-bench";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory");
	return p;
}

static unsigned long long number(const char *s, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die("bad %s '%s'", what, s);
	return v;
}

static void uuid_of(unsigned long long i, char out[UUID_LEN + 1])
{
	snprintf(out, UUID_LEN + 1, "00000000-0000-4000-8000-%012llx", i);
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* v[] holds whole-repetition times of ops operations each. */
static void report(const char *what, uint64_t *v, unsigned int reps,
		   unsigned long long ops)
{
	uint64_t med = median(v, reps);

	printf("op=%s median_ns=%.0f min_ns=%.0f max_ns=%.0f ops=%llu reps=%u\n",
	       what, (double)med / ops, (double)v[0] / ops,
	       (double)v[reps - 1] / ops, ops, reps);
}

/* ------------------------------------------------------------------ */
/* Small file operations                                               */

/* The directory that read_once() opens names in, AT_FDCWD for whole paths. */
static int read_dirfd = AT_FDCWD;

static void read_once(const char *path)
{
	char buf[4096];
	int fd = openat(read_dirfd, path, O_RDONLY);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (read(fd, buf, sizeof(buf)) <= 0)
		die("read %s: %s", path, strerror(errno));
	close(fd);
}

/* One write of len bytes; returns 0 or the errno of open/write. */
static int write_once(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

static void write_or_die(const char *path, const char *text, size_t len)
{
	int err = write_once(path, text, len);

	if (err)
		die("write %s to %s: %s", text, path, strerror(err));
}

static int read_loop(const char *op, const char *path, const char *iters_arg,
		     const char *reps_arg);

static int cmd_read(int argc, char **argv)
{
	if (argc != 3)
		die("usage: read PATH ITERS REPS");
	return read_loop("read", argv[0], argv[1], argv[2]);
}

/* readat: the same with the file opened in its directory, held open, so
 * that only the file itself is measured and not the path walk to it. */
static int cmd_readat(int argc, char **argv)
{
	char *dir, *name;
	int ret;

	if (argc != 3)
		die("usage: readat PATH ITERS REPS");
	dir = strdup(argv[0]);
	name = strrchr(dir, '/');
	if (!name || !name[1])
		die("readat: %s has no directory part", argv[0]);
	*name++ = '\0';
	read_dirfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY);
	if (read_dirfd < 0)
		die("open %s: %s", dir, strerror(errno));
	ret = read_loop("readat", name, argv[1], argv[2]);
	close(read_dirfd);
	read_dirfd = AT_FDCWD;
	free(dir);
	return ret;
}

static int read_loop(const char *op, const char *path, const char *iters_arg,
		     const char *reps_arg)
{
	unsigned long long iters;
	unsigned int reps;
	uint64_t *v;

	iters = number(iters_arg, "ITERS");
	reps = (unsigned int)number(reps_arg, "REPS");
	if (!iters || !reps)
		die("ITERS and REPS must be positive");
	v = xcalloc(reps, sizeof(*v));
	/* Warm up: the first open of a FUSE file goes through lookup. */
	for (int i = 0; i < 100; i++)
		read_once(path);
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();

		for (unsigned long long i = 0; i < iters; i++)
			read_once(path);
		v[r] = now_ns() - t0;
	}
	report(op, v, reps, iters);
	free(v);
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	unsigned long long iters;
	unsigned int reps;
	size_t len;
	uint64_t *v;

	if (argc != 4)
		die("usage: write PATH TEXT ITERS REPS");
	len = strlen(argv[1]);
	iters = number(argv[2], "ITERS");
	reps = (unsigned int)number(argv[3], "REPS");
	if (!iters || !reps)
		die("ITERS and REPS must be positive");
	v = xcalloc(reps, sizeof(*v));
	for (int i = 0; i < 100; i++)
		write_or_die(argv[0], argv[1], len);
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();

		for (unsigned long long i = 0; i < iters; i++)
			write_or_die(argv[0], argv[1], len);
		v[r] = now_ns() - t0;
	}
	report("write", v, reps, iters);
	free(v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Device lifecycle through the files                                  */

struct devfiles {
	char create[PATH_MAX];
	const char *parentdir;
};

static void devfiles_init(struct devfiles *df, const char *typedir,
			  const char *parentdir)
{
	if ((size_t)snprintf(df->create, sizeof(df->create), "%s/create",
			     typedir) >= sizeof(df->create))
		die("path too long");
	df->parentdir = parentdir;
}

static void dev_create(const struct devfiles *df, unsigned long long i)
{
	char uuid[UUID_LEN + 1];

	uuid_of(i, uuid);
	write_or_die(df->create, uuid, UUID_LEN);  /* 36 bytes, like mdevctl */
}

static void dev_remove(const struct devfiles *df, unsigned long long i)
{
	char uuid[UUID_LEN + 1], path[PATH_MAX];

	uuid_of(i, uuid);
	snprintf(path, sizeof(path), "%s/%s/remove", df->parentdir, uuid);
	write_or_die(path, "1", 1);
}

static int cmd_cycle(int argc, char **argv)
{
	struct devfiles df;
	unsigned long long iters, next = 0x100000000ULL;
	unsigned int reps;
	uint64_t *v;

	if (argc != 4)
		die("usage: cycle TYPEDIR PARENTDIR ITERS REPS");
	devfiles_init(&df, argv[0], argv[1]);
	iters = number(argv[2], "ITERS");
	reps = (unsigned int)number(argv[3], "REPS");
	if (!iters || !reps)
		die("ITERS and REPS must be positive");
	v = xcalloc(reps, sizeof(*v));
	for (int i = 0; i < 20; i++, next++) {
		dev_create(&df, next);
		dev_remove(&df, next);
	}
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();

		/* A fresh UUID each time, as a real client would use. */
		for (unsigned long long i = 0; i < iters; i++, next++) {
			dev_create(&df, next);
			dev_remove(&df, next);
		}
		v[r] = now_ns() - t0;
	}
	report("cycle", v, reps, iters);
	free(v);
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct devfiles df;
	unsigned long long first, count, batch = 1000, done = 0;
	uint64_t start, t_first = 0, t_last = 0, n_last = 0;

	if (argc != 3 && argc != 4)
		die("usage: create TYPEDIR FIRST COUNT [BATCH]");
	devfiles_init(&df, argv[0], "");
	first = number(argv[1], "FIRST");
	count = number(argv[2], "COUNT");
	if (argc == 4)
		batch = number(argv[3], "BATCH");
	if (!batch)
		die("BATCH must be positive");
	start = now_ns();
	while (done < count) {
		unsigned long long n = count - done < batch ? count - done : batch;
		uint64_t t0 = now_ns();

		for (unsigned long long i = 0; i < n; i++)
			dev_create(&df, first + done + i);
		t0 = now_ns() - t0;
		if (!done)
			t_first = t0 / n;
		t_last = t0;
		n_last = n;
		done += n;
	}
	printf("op=create count=%llu total_ms=%.1f first_batch_ns=%llu last_batch_ns=%llu\n",
	       count, (double)(now_ns() - start) / 1e6,
	       (unsigned long long)t_first,
	       (unsigned long long)(n_last ? t_last / n_last : 0));
	return 0;
}

static int cmd_remove(int argc, char **argv)
{
	struct devfiles df;
	unsigned long long first, count;
	uint64_t t0;

	if (argc != 3)
		die("usage: remove PARENTDIR FIRST COUNT");
	devfiles_init(&df, "", argv[0]);
	first = number(argv[1], "FIRST");
	count = number(argv[2], "COUNT");
	t0 = now_ns();
	for (unsigned long long i = 0; i < count; i++)
		dev_remove(&df, first + i);
	printf("op=remove count=%llu total_ms=%.1f\n", count,
	       (double)(now_ns() - t0) / 1e6);
	return 0;
}

static int cmd_trial(int argc, char **argv)
{
	struct devfiles df;
	unsigned long long first, count;
	unsigned int reps;
	uint64_t *v, *rm, rm_med;

	if (argc != 5)
		die("usage: trial TYPEDIR PARENTDIR FIRST COUNT REPS");
	devfiles_init(&df, argv[0], argv[1]);
	first = number(argv[2], "FIRST");
	count = number(argv[3], "COUNT");
	reps = (unsigned int)number(argv[4], "REPS");
	if (!count || !reps)
		die("COUNT and REPS must be positive");
	v = xcalloc(reps, sizeof(*v));
	rm = xcalloc(reps, sizeof(*rm));
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();

		for (unsigned long long i = 0; i < count; i++)
			dev_create(&df, first + i);
		v[r] = now_ns() - t0;
		t0 = now_ns();
		for (unsigned long long i = 0; i < count; i++)
			dev_remove(&df, first + i);
		rm[r] = now_ns() - t0;
	}
	rm_med = median(rm, reps);
	printf("rm_median_ns=%.0f ", (double)rm_med / count);
	report("trial", v, reps, count);
	free(rm);
	free(v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Create cost by the shape of the UUIDs                               */

/* Shared by every "same tail" UUID: bytes 10-15, so also 12-15. */
#define SAME_TAIL "5a5e7a11c0de"

static void write_uuids(const struct devfiles *df, char (*uuids)[UUID_LEN + 1],
			unsigned long long count)
{
	for (unsigned long long i = 0; i < count; i++)
		write_or_die(df->create, uuids[i], UUID_LEN);
}

static void remove_uuids(const struct devfiles *df, char (*uuids)[UUID_LEN + 1],
			 unsigned long long count)
{
	char path[PATH_MAX];

	for (unsigned long long i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s/remove", df->parentdir, uuids[i]);
		write_or_die(path, "1", 1);
	}
}

/* xorshift64*: the same "random" UUIDs every run. */
static uint64_t rnd_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

static int cmd_uuidcost(int argc, char **argv)
{
	struct devfiles df;
	unsigned long long count;
	unsigned int reps;
	char (*same)[UUID_LEN + 1], (*rnd)[UUID_LEN + 1];
	uint64_t *t_same, *t_rnd, *rm_same, *rm_rnd, state = 0x5eed5eed5eedULL;
	double c_same, c_rnd;

	if (argc != 4)
		die("usage: uuidcost TYPEDIR PARENTDIR COUNT REPS");
	devfiles_init(&df, argv[0], argv[1]);
	count = number(argv[2], "COUNT");
	reps = (unsigned int)number(argv[3], "REPS");
	if (!count || count > 0xffffffffULL || !reps)
		die("COUNT must be 1..2^32-1 and REPS positive");
	same = xcalloc(count, sizeof(*same));
	rnd = xcalloc(count, sizeof(*rnd));
	for (unsigned long long i = 0; i < count; i++) {
		uint64_t hi = rnd_next(&state), lo = rnd_next(&state);

		/* Only time_low (bytes 0-3) differs; never all zero. */
		snprintf(same[i], UUID_LEN + 1, "%08x-0000-4000-8000-" SAME_TAIL,
			 (unsigned int)(i + 1));
		snprintf(rnd[i], UUID_LEN + 1, "%08x-%04x-4%03x-%04x-%012llx",
			 (unsigned int)(hi >> 32), (unsigned int)(hi >> 16) & 0xffff,
			 (unsigned int)hi & 0xfff,
			 0x8000 | ((unsigned int)(lo >> 48) & 0x3fff),
			 (unsigned long long)(lo & 0xffffffffffffULL));
	}
	t_same = xcalloc(reps, sizeof(*t_same));
	t_rnd = xcalloc(reps, sizeof(*t_rnd));
	rm_same = xcalloc(reps, sizeof(*rm_same));
	rm_rnd = xcalloc(reps, sizeof(*rm_rnd));
	for (unsigned int r = 0; r < reps; r++) {
		/* Alternate which kind goes first, against drift. */
		for (int k = 0; k < 2; k++) {
			bool first_same = (r + (unsigned int)k) % 2 == 0;
			char (*u)[UUID_LEN + 1] = first_same ? same : rnd;
			uint64_t t0 = now_ns(), t1, t2;

			write_uuids(&df, u, count);
			t1 = now_ns();
			remove_uuids(&df, u, count);
			t2 = now_ns();
			(first_same ? t_same : t_rnd)[r] = t1 - t0;
			(first_same ? rm_same : rm_rnd)[r] = t2 - t1;
		}
	}
	c_same = (double)median(t_same, reps) / count;
	c_rnd = (double)median(t_rnd, reps) / count;
	printf("op=uuidcost count=%llu reps=%u same_tail_ns=%.0f random_ns=%.0f ratio=%.2f "
	       "same_tail_rm_ns=%.0f random_rm_ns=%.0f\n",
	       count, reps, c_same, c_rnd, c_same / c_rnd,
	       (double)median(rm_same, reps) / count,
	       (double)median(rm_rnd, reps) / count);
	free(rm_rnd);
	free(rm_same);
	free(t_rnd);
	free(t_same);
	free(rnd);
	free(same);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The devices listing                                                 */

static void mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			die("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		die("mkdir %s: %s", buf, strerror(errno));
}

/*
 * The same shape as the mdevfs tree, with the same relative link texts:
 *   bus/mdev/devices/<uuid> -> ../../../devices/virtual/mdpy/mdpy/<uuid>
 *   devices/virtual/mdpy/mdpy/<uuid>/mdev_type -> ../mdev_supported_types/mdpy-vga
 */
static int cmd_mirror(int argc, char **argv)
{
	char path[PATH_MAX], target[PATH_MAX], uuid[UUID_LEN + 1];
	unsigned long long first, count;
	uint64_t t0;

	if (argc != 3)
		die("usage: mirror DIR FIRST COUNT");
	first = number(argv[1], "FIRST");
	count = number(argv[2], "COUNT");
	t0 = now_ns();
	snprintf(path, sizeof(path), "%s/bus/mdev/devices", argv[0]);
	mkdirs(path);
	snprintf(path, sizeof(path),
		 "%s/devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga",
		 argv[0]);
	mkdirs(path);
	for (unsigned long long i = first; i < first + count; i++) {
		uuid_of(i, uuid);
		snprintf(path, sizeof(path), "%s/devices/virtual/mdpy/mdpy/%s",
			 argv[0], uuid);
		if (mkdir(path, 0755))
			die("mkdir %s: %s", path, strerror(errno));
		strcat(path, "/mdev_type");
		if (symlink("../mdev_supported_types/mdpy-vga", path))
			die("symlink %s: %s", path, strerror(errno));
		snprintf(path, sizeof(path), "%s/bus/mdev/devices/%s", argv[0],
			 uuid);
		snprintf(target, sizeof(target),
			 "../../../devices/virtual/mdpy/mdpy/%s", uuid);
		if (symlink(target, path))
			die("symlink %s: %s", path, strerror(errno));
	}
	printf("op=mirror count=%llu total_ms=%.1f\n", count,
	       (double)(now_ns() - t0) / 1e6);
	return 0;
}

/* One listing; returns the number of devices, checks every link text. */
static unsigned long long list_once(const char *devdir)
{
	static const char want[] = "/mdev_supported_types/mdpy-vga";
	char rel[NAME_MAX + 16], text[PATH_MAX];
	unsigned long long n = 0;
	struct dirent *de;
	DIR *d = opendir(devdir);

	if (!d)
		die("opendir %s: %s", devdir, strerror(errno));
	while ((de = readdir(d))) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s/mdev_type", de->d_name);
		len = readlinkat(dirfd(d), rel, text, sizeof(text) - 1);
		if (len < 0)
			die("readlink %s/%s: %s", devdir, rel, strerror(errno));
		text[len] = '\0';
		if ((size_t)len < sizeof(want) - 1 ||
		    strcmp(text + len - (sizeof(want) - 1), want))
			die("%s/%s -> %s: unexpected", devdir, rel, text);
		n++;
	}
	closedir(d);
	return n;
}

static int cmd_list(int argc, char **argv)
{
	struct devfiles df;
	unsigned long long n, first_n;
	unsigned int reps;
	bool touch = argc == 4;
	uint64_t *v, first;

	if (argc != 2 && argc != 4)
		die("usage: list DEVDIR REPS [TYPEDIR PARENTDIR]");
	reps = (unsigned int)number(argv[1], "REPS");
	if (!reps)
		die("REPS must be positive");
	if (touch)
		devfiles_init(&df, argv[2], argv[3]);
	v = xcalloc(reps, sizeof(*v));
	first = now_ns();
	first_n = list_once(argv[0]);
	first = now_ns() - first;
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t0;

		if (touch) {
			dev_create(&df, SCRATCH_DEV);
			dev_remove(&df, SCRATCH_DEV);
		}
		t0 = now_ns();
		n = list_once(argv[0]);
		v[r] = now_ns() - t0;
		if (n != first_n)
			die("listing changed from %llu to %llu entries",
			    first_n, n);
	}
	qsort(v, reps, sizeof(*v), cmp_u64);
	printf("op=list entries=%llu first_ms=%.3f median_ms=%.3f min_ms=%.3f max_ms=%.3f reps=%u\n",
	       first_n, (double)first / 1e6, (double)median(v, reps) / 1e6,
	       (double)v[0] / 1e6, (double)v[reps - 1] / 1e6, reps);
	free(v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Whole programs                                                      */

static int run_once(char **cmd)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: exec %s: %s\n", prog, cmd[0],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int cmd_exec(int argc, char **argv)
{
	unsigned int reps;
	uint64_t *v;
	int ret;

	if (argc < 2)
		die("usage: exec REPS CMD [ARG]...");
	reps = (unsigned int)number(argv[0], "REPS");
	if (!reps)
		die("REPS must be positive");
	v = xcalloc(reps, sizeof(*v));
	/* One untimed run: loads the program and fills the caches. */
	ret = run_once(argv + 1);
	if (ret)
		die("%s exited with %d", argv[1], ret);
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();

		ret = run_once(argv + 1);
		v[r] = now_ns() - t0;
		if (ret)
			die("%s exited with %d", argv[1], ret);
	}
	report("exec", v, reps, 1);
	free(v);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "read", cmd_read },
	{ "readat", cmd_readat },
	{ "write", cmd_write },
	{ "cycle", cmd_cycle },
	{ "create", cmd_create },
	{ "remove", cmd_remove },
	{ "trial", cmd_trial },
	{ "mirror", cmd_mirror },
	{ "list", cmd_list },
	{ "exec", cmd_exec },
	{ "uuidcost", cmd_uuidcost },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
			"usage: %s read|readat|write|cycle|create|remove|trial|mirror|list|exec|uuidcost ARGS...\n"
			"(see the comment at the top of bench/mdevfs-bench.c)\n",
			prog);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
	die("unknown command '%s'", argv[1]);
	return 2;
}
