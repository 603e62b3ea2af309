// SPDX-License-Identifier: MIT
/*
 * mdevfs-hook: an OCI runtime hook that shows an mdevfs tree at a
 * container's /sys, the rest of the container's /sys staying as it is.
 *
 *   mdevfs-hook [options] createContainer    (state on stdin)
 *   mdevfs-hook [options] poststop           (state on stdin)
 *   mdevfs-hook --cdi-spec --name=NAME --tree=DIR
 *
 * What it shows comes from the container's annotations (podman --annotation,
 * a Kubernetes pod's annotations through CRI-O) or from --tree (a CDI spec):
 *
 *   io.mdevfs.tree=DIR          an mdevfs already mounted on DIR, shared by
 *                               every container that names it;
 *   io.mdevfs.backends=LIST     a private instance: the hook starts a daemon
 *                               with these backends for this container only
 *   io.mdevfs.profile=KVER      (with backends) its kernel profile.
 *
 * The createContainer stage runs in the container's mount and PID
 * namespaces before the runtime switches to the container's root (runc
 * 1.1 and crun alike), so that the host's paths and the container's root
 * are both in reach.  The emulated subtrees are laid over <rootfs>/sys
 * with src/run/layout.c, the code mdevfs-run uses.  Every mount is made
 * in the container's mount namespace and goes with it.
 *
 * A private instance is started inside the container's PID namespace: the
 * kernel kills it when the container's init ends, so its lifetime is the
 * container's whatever the runtime does.  A monitor process (outside,
 * in the runtime's namespaces) waits for it and writes to the log why it
 * ended, and whether its container ended with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/pidfd.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "json.h"
#include "layout.h"

#define FUSE_MAGIC 0x65735546
#define STATE_MAX (1 << 20)             /* the OCI state on stdin */
#define CONFIG_MAX (16 << 20)           /* config.json */
#define MOUNT_WAIT_MS 20000
#define ANNOTATION_MAX 4096
#define MAX_BACKENDS 16

#define A_TREE "io.mdevfs.tree"
#define A_BACKENDS "io.mdevfs.backends"
#define A_PROFILE "io.mdevfs.profile"

struct opts {
	char *mdevfs;
	char *plugin_dir;
	char *log_dir;
	char *tree;
	char *name;
	char *hook_path;
	gboolean cdi_spec;
	gboolean version;
};

static int log_fd = -1;
static char short_id[13] = "?";
/* The container's PID namespace (createRuntime) and a pidfd of its init:
 * the monitor puts the daemon in the one and watches the other. */
static int pidns_fd = -1;
static int init_pidfd = -1;

/* ------------------------------------------------------------------ */
/* Messages: to the log, and errors also to stderr (the runtime quotes
 * a failing hook's stderr in its own error).                          */

static void say(bool error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void say(bool error, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	g_autofree char *line = NULL;
	char stamp[32] = "";
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	line = g_strdup_printf("%s mdevfs-hook[%s]: %s%s\n", stamp, short_id,
			       error ? "error: " : "", msg);
	if (log_fd >= 0 && write(log_fd, line, strlen(line)) < 0) {
		/* nothing better to do */
	}
	if (error || log_fd < 0)
		fprintf(stderr, "mdevfs-hook: %s\n", msg);
}

/* ------------------------------------------------------------------ */
/* Input                                                               */

static char *read_bounded(int fd, size_t max, size_t *len, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
				    "read: %s", g_strerror(errno));
			return NULL;
		}
		if (n == 0)
			break;
		if (buf->len + (size_t)n > max) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
				    "longer than %zu bytes", max);
			return NULL;
		}
		g_byte_array_append(buf, chunk, n);
	}
	*len = buf->len;
	g_byte_array_append(buf, (const guint8 *)"", 1);
	return (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

static struct json *read_json_fd(int fd, size_t max, const char *what)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	size_t len;
	struct json *v;

	text = read_bounded(fd, max, &len, &error);
	if (text)
		v = json_parse(text, len, &error);
	if (!text || !v) {
		say(true, "%s: %s", what, error->message);
		return NULL;
	}
	if (v->type != JSON_OBJECT) {
		say(true, "%s: not a JSON object", what);
		json_free(v);
		return NULL;
	}
	return v;
}

/* An absolute path of sane length, without . or .. components. */
static bool plain_path(const char *p)
{
	g_auto(GStrv) parts = NULL;

	if (!p || p[0] != '/' || strlen(p) >= PATH_MAX)
		return false;
	parts = g_strsplit(p, "/", -1);
	for (char **c = parts; *c; c++)
		if (strcmp(*c, ".") == 0 || strcmp(*c, "..") == 0)
			return false;
	return true;
}

static bool valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > 256)
		return false;
	for (const char *c = id; *c; c++)
		if (!g_ascii_isalnum(*c) && !strchr("_.-", *c))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Trust: paths that other users could change are refused              */

/*
 * Every directory from / down to path, and path itself, must belong to
 * root or to us and must not be writable by anyone else (a sticky
 * directory above the last component excepted, as /tmp).  In a rootless
 * container "root" and "us" are the same user: the one running podman.
 */
static uid_t overflow_uid = (uid_t)-1;

/*
 * In a user namespace that does not map the host's root (rootless podman),
 * files of root show as the overflow uid (65534).  Above the last
 * component such an owner is taken for root; it could also be another
 * unmapped user, which mdevfs-hook(1) notes.
 */
static void find_overflow_uid(void)
{
	g_autofree char *map = NULL, *text = NULL;

	if (!g_file_get_contents("/proc/self/uid_map", &map, NULL, NULL))
		return;
	g_strstrip(map);
	/* The initial namespace maps everything: no overflow there. */
	if (g_regex_match_simple("^0\\s+0\\s+4294967295$", map, 0, 0))
		return;
	if (g_file_get_contents("/proc/sys/kernel/overflowuid", &text, NULL, NULL))
		overflow_uid = (uid_t)g_ascii_strtoull(text, NULL, 10);
}

static bool trusted(const char *path, bool want_dir, GError **error)
{
	g_autofree char *real = realpath(path, NULL);
	g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func(g_free);
	uid_t me = geteuid();

	if (!real) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "%s: %s", path, g_strerror(errno));
		return false;
	}
	/* "/", "/a", "/a/b", ... real */
	g_ptr_array_add(steps, g_strdup("/"));
	for (const char *c = real + 1; *c; c++)
		if (*c == '/')
			g_ptr_array_add(steps, g_strndup(real, c - real));
	if (strcmp(real, "/") != 0)
		g_ptr_array_add(steps, g_strdup(real));
	for (guint i = 0; i < steps->len; i++) {
		const char *at = steps->pdata[i];
		bool last = i + 1 == steps->len;
		struct stat st;

		if (lstat(at, &st) != 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
				    "%s: %s", at, g_strerror(errno));
			return false;
		}
		if (st.st_uid != 0 && st.st_uid != me &&
		    !(st.st_uid == overflow_uid && !last)) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
				    "%s belongs to uid %u, neither root nor uid %u",
				    at, (unsigned)st.st_uid, (unsigned)me);
			return false;
		}
		if ((st.st_mode & 022) &&
		    !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) && !last)) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
				    "%s is writable by others (mode %04o)", at,
				    (unsigned)(st.st_mode & 07777));
			return false;
		}
		if (last && want_dir && !S_ISDIR(st.st_mode)) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
				    "%s is not a directory", at);
			return false;
		}
	}
	return true;
}

/* Whether real is the mount point of an mdevfs (fstype fuse.mdevfs). */
static bool is_mdevfs_mount(const char *real)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		return false;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) halves = g_strsplit(*l, " - ", 2);
		g_auto(GStrv) f = NULL;
		g_autofree char *point = NULL;

		if (g_strv_length(halves) != 2)
			continue;
		f = g_strsplit(halves[0], " ", 6);
		if (g_strv_length(f) < 5)
			continue;
		point = g_strcompress(f[4]);
		if (strcmp(point, real) == 0 &&
		    g_str_has_prefix(halves[1], "fuse.mdevfs "))
			return true;
	}
	return false;
}

/*
 * Opens the tree to show: a trusted directory on which an mdevfs is
 * mounted.  The descriptor is what gets mounted (/proc/self/fd/N), so the
 * path cannot be swapped between the checks and the mounts.
 */
static int open_mdevfs_tree(const char *tree, GError **error)
{
	g_autofree char *real = NULL;
	struct statfs sfs;
	struct stat st;
	int fd;

	if (!plain_path(tree)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s=%s: not an absolute path without . and ..",
			    A_TREE, tree);
		return -1;
	}
	if (!trusted(tree, true, error))
		return -1;
	real = realpath(tree, NULL);
	fd = real ? open(real, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "%s: %s", tree, g_strerror(errno));
		return -1;
	}
	if (fstatfs(fd, &sfs) != 0 || sfs.f_type != FUSE_MAGIC ||
	    !is_mdevfs_mount(real)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: no mdevfs is mounted there", tree);
		close(fd);
		return -1;
	}
	if (fstat(fd, &st) != 0 || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 022)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
			    "%s changed while it was checked", tree);
		close(fd);
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------------ */
/* The log                                                             */

static void open_log(const struct opts *o, const char *id, const char *bundle)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;

	if (o->log_dir) {
		if (!trusted(o->log_dir, true, &error)) {
			fprintf(stderr, "mdevfs-hook: no log: %s\n", error->message);
			return;
		}
		path = g_strdup_printf("%s/%s.log", o->log_dir, id);
	} else if (bundle) {
		path = g_build_filename(bundle, "mdevfs-hook.log", NULL);
	} else {
		return;
	}
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		      0600);
	if (log_fd < 0)
		fprintf(stderr, "mdevfs-hook: no log: %s: %s\n", path,
			g_strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Annotations of a private instance                                   */

static bool valid_backend(const char *b)
{
	const char *colon = strchr(b, ':');
	size_t name_len = colon ? (size_t)(colon - b) : strlen(b);

	if (name_len == 0 || name_len > 64)
		return false;
	for (size_t i = 0; i < name_len; i++)
		if (!g_ascii_isalnum(b[i]) && !strchr("_-", b[i]))
			return false;
	if (!colon)
		return true;
	/* Arguments: no '/', so that no path reaches a daemon run as root. */
	if (strlen(colon + 1) > 256)
		return false;
	for (const char *c = colon + 1; *c; c++)
		if (!g_ascii_isalnum(*c) && !strchr("_.,=:+-", *c))
			return false;
	return true;
}

static char **parse_backends(const char *text, GError **error)
{
	g_auto(GStrv) words = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

	if (strlen(text) > ANNOTATION_MAX) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: longer than %d bytes", A_BACKENDS, ANNOTATION_MAX);
		return NULL;
	}
	words = g_strsplit_set(text, " \t", -1);
	for (char **w = words; *w; w++) {
		if (!**w)
			continue;
		if (!valid_backend(*w) || out->len >= MAX_BACKENDS) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "%s: '%.80s' is not NAME[:ARGS] (at most %d, "
				    "no '/' in either)", A_BACKENDS, *w, MAX_BACKENDS);
			return NULL;
		}
		g_ptr_array_add(out, g_strdup(*w));
	}
	if (out->len == 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: no backend named", A_BACKENDS);
		return NULL;
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

static bool valid_profile(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 16)
		return false;
	for (const char *c = p; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '.')
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* The staging directory: a tmpfs in the container's mount namespace   */

static char *make_stage(const char *bundle, GError **error)
{
	g_autofree char *stage = g_build_filename(bundle, "mdevfs-hook.d", NULL);
	g_autofree char *fs = g_build_filename(stage, "fs", NULL);
	struct stat st;

	if (mkdir(stage, 0700) != 0 && errno != EEXIST) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "mkdir %s: %s", stage, g_strerror(errno));
		return NULL;
	}
	if (lstat(stage, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid()) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
			    "%s is not a directory of ours", stage);
		return NULL;
	}
	if (mount("mdevfs-hook", stage, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0700") != 0 ||
	    mount(NULL, stage, NULL, MS_PRIVATE | MS_REC, NULL) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "mounting tmpfs on %s: %s", stage, g_strerror(errno));
		return NULL;
	}
	if (mkdir(fs, 0755) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "mkdir %s: %s", fs, g_strerror(errno));
		umount2(stage, MNT_DETACH);
		return NULL;
	}
	return g_steal_pointer(&stage);
}

/* ------------------------------------------------------------------ */
/* A private instance                                                  */

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
}

static char **daemon_argv(const struct opts *o, char **backends,
			  const char *profile, const char *mnt)
{
	GPtrArray *argv = g_ptr_array_new();

	g_ptr_array_add(argv, g_strdup(o->mdevfs));
	g_ptr_array_add(argv, g_strdup("-f"));
	g_ptr_array_add(argv, g_strdup("--control=none"));
	/* Container users other than root may read the tree too; the
	 * modes decide, as in sysfs. */
	g_ptr_array_add(argv, g_strdup("-oallow_other"));
	if (o->plugin_dir)
		g_ptr_array_add(argv, g_strconcat("--plugin-dir=", o->plugin_dir, NULL));
	if (profile)
		g_ptr_array_add(argv, g_strconcat("--profile=", profile, NULL));
	for (char **b = backends; *b; b++)
		g_ptr_array_add(argv, g_strconcat("--backend=", *b, NULL));
	g_ptr_array_add(argv, g_strdup(mnt));
	g_ptr_array_add(argv, NULL);
	return (char **)g_ptr_array_free(argv, FALSE);
}

static void close_from(int lowest)
{
	if (close_range(lowest, ~0U, 0) == 0)
		return;
	for (int fd = lowest; fd < 1024; fd++)
		close(fd);
}

/* Whether the container's init ends within ms: then a daemon that just
 * ended went with its container (the kernel ends a PID namespace's
 * processes when its init ends, and the init last). */
static bool container_ending(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return false;
	while (poll(&p, 1, ms) < 0)
		if (errno != EINTR)
			return false;
	return p.revents != 0;
}

/*
 * The monitor: a session of its own, stdout and stderr on the log, no
 * other descriptor of the runtime's (a pipe left open would keep the
 * runtime waiting for the hook).  It starts the daemon in the container's
 * PID namespace and waits for it.  The hook itself never joins that
 * namespace: a process whose children would land there cannot run
 * LeakSanitizer's tracer at exit (an ASan build then never ends).
 */
static G_GNUC_NORETURN void monitor(char **argv)
{
	int null = open("/dev/null", O_RDWR);
	char why[128];
	int status;
	pid_t pid;

	setsid();
	if (pidns_fd >= 0 && setns(pidns_fd, CLONE_NEWPID) != 0) {
		say(true, "joining the container's PID namespace: %s",
		    g_strerror(errno));
		_exit(1);
	}
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	if (log_fd >= 0) {
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
	} else if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	if (init_pidfd >= 0 && dup2(init_pidfd, 3) == 3)
		init_pidfd = 3;
	else
		init_pidfd = -1;
	close_from(init_pidfd == 3 ? 4 : 3);
	log_fd = STDERR_FILENO;
	signal(SIGPIPE, SIG_IGN);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (init_pidfd >= 0)
			close(init_pidfd);
		execv(argv[0], argv);
		say(true, "cannot start %s: %s", argv[0], g_strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		say(true, "fork: %s", g_strerror(errno));
		_exit(1);
	}
	say(false, "daemon started: pid %d (in the container's PID "
	    "namespace, seen from %s)", (int)pid,
	    pidns_fd >= 0 ? "the runtime's" : "its own");
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	describe_status(status, why, sizeof(why));
	if (container_ending(init_pidfd, 3000)) {
		say(false, "the mdevfs daemon ended with its container (%s)", why);
		_exit(0);
	}
	say(true, "the mdevfs daemon (pid %d) ended while the container ran: "
	    "%s; the container's emulated /sys entries now fail with "
	    "ENOTCONN (\"Transport endpoint is not connected\")", (int)pid, why);
	_exit(0);
}

/* Waits until a daemon is mounted on stage/fs, or has ended. */
static bool wait_mounted(pid_t mon, const char *stage, const char *fs)
{
	struct stat up, st;
	int status;

	if (stat(stage, &up) != 0)
		return false;
	for (int ms = 0; ms < MOUNT_WAIT_MS; ms += 10) {
		if (waitpid(mon, &status, WNOHANG) == mon) {
			say(true, "the mdevfs daemon ended before mounting its "
			    "tree (its messages are in the log)");
			return false;
		}
		if (stat(fs, &st) == 0 && st.st_dev != up.st_dev)
			return true;
		usleep(10000);
	}
	say(true, "the mdevfs daemon did not mount its tree within %d s",
	    MOUNT_WAIT_MS / 1000);
	return false;
}

static pid_t start_instance(const struct opts *o, char **backends,
			    const char *profile, const char *stage)
{
	g_autofree char *fs = g_build_filename(stage, "fs", NULL);
	g_auto(GStrv) argv = daemon_argv(o, backends, profile, fs);
	g_autofree char *line = g_strjoinv(" ", argv);
	pid_t mon;

	say(false, "starting %s", line);
	fflush(NULL);
	mon = fork();
	if (mon < 0) {
		say(true, "fork: %s", g_strerror(errno));
		return -1;
	}
	if (mon == 0)
		monitor(argv);
	if (!wait_mounted(mon, stage, fs)) {
		kill(-mon, SIGKILL);
		waitpid(mon, NULL, 0);
		return -1;
	}
	return mon;
}

/* ------------------------------------------------------------------ */
/* The stages                                                          */

static char *rootfs_of(const char *bundle)
{
	g_autofree char *path = g_build_filename(bundle, "config.json", NULL);
	g_autoptr(JsonValue) config = NULL;
	const char *root;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		say(true, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	config = read_json_fd(fd, CONFIG_MAX, path);
	close(fd);
	root = json_get_string(json_get(config, "root"), "path");
	if (!root) {
		say(true, "%s: no root.path", path);
		return NULL;
	}
	if (strlen(root) >= PATH_MAX)
		return NULL;
	return root[0] == '/' ? g_strdup(root) : g_build_filename(bundle, root, NULL);
}

static int create_container(const struct opts *o, const struct json *state,
			    const char *bundle)
{
	const struct json *ann = json_get(state, "annotations");
	const char *tree = o->tree ? o->tree : json_get_string(ann, A_TREE);
	const char *blist = json_get_string(ann, A_BACKENDS);
	const char *profile = json_get_string(ann, A_PROFILE);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) backends = NULL;
	g_autofree char *rootfs = NULL;
	g_autofree char *stage = NULL;
	g_autofree char *src = NULL;
	g_autofree char *sys = NULL;
	g_autofree char *scratch = NULL;
	struct mount_log mounts;
	int tree_fd = -1;
	pid_t mon = -1;
	bool ok;

	if (!tree && !blist) {
		say(false, "neither %s nor %s: nothing to do", A_TREE, A_BACKENDS);
		return 0;
	}
	if (tree && blist) {
		say(true, "%s and %s exclude each other", A_TREE, A_BACKENDS);
		return 1;
	}
	if (profile && (!blist || !valid_profile(profile))) {
		say(true, "%s=%.40s: wants a kernel version such as 6.1, and %s",
		    A_PROFILE, profile, A_BACKENDS);
		return 1;
	}
	if (blist) {
		backends = parse_backends(blist, &error);
		if (!backends) {
			say(true, "%s", error->message);
			return 1;
		}
	}
	rootfs = rootfs_of(bundle);
	if (!rootfs)
		return 1;
	sys = g_build_filename(rootfs, "sys", NULL);
	if (tree) {
		tree_fd = open_mdevfs_tree(tree, &error);
		if (tree_fd < 0) {
			say(true, "%s", error->message);
			return 1;
		}
	}
	stage = make_stage(bundle, &error);
	if (!stage) {
		say(true, "%s", error->message);
		if (tree_fd >= 0)
			close(tree_fd);
		return 1;
	}
	if (tree) {
		src = g_strdup_printf("/proc/self/fd/%d", tree_fd);
		say(false, "showing the mdevfs tree on %s at the container's /sys",
		    tree);
	} else {
		mon = start_instance(o, backends, profile, stage);
		if (mon < 0) {
			umount2(stage, MNT_DETACH);
			return 1;
		}
		src = g_build_filename(stage, "fs", NULL);
	}
	scratch = g_build_filename(stage, "sys", NULL);
	{
		struct graft g = { .src = src, .dst = sys,
				   .replace = graft_sys_replace, .devices = true,
				   .scratch = scratch };

		mount_log_init(&mounts);
		ok = graft_merge(&g, &mounts, &error);
		if (ok)
			say(false, "laid %u mount%s over the container's /sys",
			    mounts.paths->len, mounts.paths->len == 1 ? "" : "s");
		else
			say(true, "cannot lay the tree over the container's /sys: %s",
			    error->message);
		mount_log_clear(&mounts);
	}
	if (tree_fd >= 0)
		close(tree_fd);
	if (!ok) {
		if (mon > 0) {
			kill(-mon, SIGKILL);
			waitpid(mon, NULL, 0);
		}
		umount2(stage, MNT_DETACH);
		return 1;
	}
	/* The staging tmpfs is detached with the host's root when the
	 * runtime switches to the container's: the overlays and binds keep
	 * what they use. */
	return 0;
}

/*
 * createRuntime runs in the runtime's namespaces (runc's parent process),
 * after the container's mounts are made and before it switches to its
 * root.  The hook joins the container's mount namespace, and a private
 * daemon its PID namespace (see monitor()), so that the rest is as at
 * createContainer, except that neither is in the container's cgroup: the
 * device cgroup there refuses /dev/fuse to a daemon the hook starts.
 */
static bool join_container(const struct json *state)
{
	const struct json *pid = json_get(state, "pid");
	g_autofree char *mnt = NULL, *pidns = NULL;
	int fd;

	if (!pid || pid->type != JSON_NUMBER || pid->num < 2 ||
	    pid->num > (double)INT_MAX) {
		say(true, "createRuntime: the state has no container pid");
		return false;
	}
	mnt = g_strdup_printf("/proc/%d/ns/mnt", (int)pid->num);
	pidns = g_strdup_printf("/proc/%d/ns/pid", (int)pid->num);
	/* Opened first: /proc is the container's once in its mount
	 * namespace. */
	init_pidfd = pidfd_open((pid_t)pid->num, 0);
	pidns_fd = open(pidns, O_RDONLY | O_CLOEXEC);
	fd = open(mnt, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pidns_fd < 0) {
		say(true, "%s: %s", fd < 0 ? mnt : pidns, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (setns(fd, CLONE_NEWNS) != 0) {
		say(true, "joining the container's mount namespace: %s",
		    g_strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

static int poststop(const struct json *state, const char *bundle)
{
	const struct json *ann = json_get(state, "annotations");
	g_autofree char *stage = g_build_filename(bundle, "mdevfs-hook.d", NULL);

	if (json_get_string(ann, A_BACKENDS))
		say(false, "container stopped: its mdevfs instance ended with "
		    "the container's PID namespace, its mounts with its mount "
		    "namespace");
	else
		say(false, "container stopped: its view of the tree went with "
		    "its mount namespace");
	/* Empty on the host: the tmpfs was only ever in the container's. */
	if (rmdir(stage) != 0 && errno != ENOENT)
		say(false, "warning: rmdir %s: %s", stage, g_strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------ */
/* A CDI specification naming a tree                                   */

static char *json_quote(const char *s)
{
	GString *q = g_string_new("\"");

	for (const char *c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			g_string_append_printf(q, "\\%c", *c);
		else if ((unsigned char)*c < 0x20)
			g_string_append_printf(q, "\\u%04x", *c);
		else
			g_string_append_c(q, *c);
	}
	g_string_append_c(q, '"');
	return g_string_free(q, FALSE);
}

static int cdi_spec(const struct opts *o)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	const char *hook = o->hook_path ? o->hook_path : self;
	g_autofree char *qname = NULL, *qhook = NULL, *qtree = NULL, *qlog = NULL;
	g_autoptr(GString) extra = g_string_new("");

	if (!o->name || !valid_id(o->name) || strchr(o->name, '.') ||
	    !o->tree || !plain_path(o->tree) || !hook) {
		fprintf(stderr, "mdevfs-hook: --cdi-spec wants --name=NAME "
			"(letters, digits, _ and -) and --tree=/ABSOLUTE/DIR\n");
		return 2;
	}
	qname = json_quote(o->name);
	qhook = json_quote(hook);
	{
		g_autofree char *t = g_strconcat("--tree=", o->tree, NULL);

		qtree = json_quote(t);
	}
	if (o->log_dir) {
		g_autofree char *l = g_strconcat("--log-dir=", o->log_dir, NULL);

		qlog = json_quote(l);
		g_string_append_printf(extra, ", %s", qlog);
	}
	printf("{\n"
	       "  \"cdiVersion\": \"0.5.0\",\n"
	       "  \"kind\": \"mdevfs.io/host\",\n"
	       "  \"devices\": [\n"
	       "    {\n"
	       "      \"name\": %s,\n"
	       "      \"containerEdits\": {\n"
	       "        \"hooks\": [\n"
	       "          { \"hookName\": \"createRuntime\", \"path\": %s,\n"
	       "            \"args\": [\"mdevfs-hook\", %s%s, \"createRuntime\"] },\n"
	       "          { \"hookName\": \"poststop\", \"path\": %s,\n"
	       "            \"args\": [\"mdevfs-hook\", %s%s, \"poststop\"] }\n"
	       "        ]\n"
	       "      }\n"
	       "    }\n"
	       "  ]\n"
	       "}\n", qname, qhook, qtree, extra->str, qhook, qtree, extra->str);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------ */

static void free_opts(struct opts *o)
{
	g_free(o->mdevfs);
	g_free(o->plugin_dir);
	g_free(o->log_dir);
	g_free(o->tree);
	g_free(o->name);
	g_free(o->hook_path);
}

static bool parse_options(int *argc, char ***argv, struct opts *o)
{
	const GOptionEntry entries[] = {
		{ "mdevfs", 0, 0, G_OPTION_ARG_FILENAME, &o->mdevfs,
		  "The daemon for private instances (default " MDEVFS_DAEMON ")",
		  "PATH" },
		{ "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->plugin_dir,
		  "Where private instances find backends", "DIR" },
		{ "log-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->log_dir,
		  "Write the log to DIR/ID.log (default: the bundle's "
		  "mdevfs-hook.log)", "DIR" },
		{ "tree", 0, 0, G_OPTION_ARG_FILENAME, &o->tree,
		  "Show the mdevfs mounted on DIR (overrides " A_TREE ")", "DIR" },
		{ "cdi-spec", 0, 0, G_OPTION_ARG_NONE, &o->cdi_spec,
		  "Print a CDI specification for --tree as mdevfs.io/host=NAME",
		  NULL },
		{ "name", 0, 0, G_OPTION_ARG_STRING, &o->name,
		  "The CDI device name (with --cdi-spec)", "NAME" },
		{ "hook-path", 0, 0, G_OPTION_ARG_FILENAME, &o->hook_path,
		  "The hook's path in the CDI spec (default: this program)",
		  "PATH" },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &o->version,
		  "Print the version and exit", NULL },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("[STAGE]");
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"OCI hook: show an mdevfs tree at a container's /sys.\n"
		"STAGE is createRuntime, createContainer or poststop (by default the state's\n"
		"status says which); the runtime gives the container's state on\n"
		"stdin. See mdevfs-hook(1).");
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		fprintf(stderr, "mdevfs-hook: %s (try --help)\n", error->message);
		return false;
	}
	if (!o->mdevfs)
		o->mdevfs = g_strdup(MDEVFS_DAEMON);
	return true;
}

static int run(int argc, char *argv[], struct opts *opts);

int main(int argc, char *argv[])
{
	struct opts o = { 0 };
	int ret = run(argc, argv, &o);

	free_opts(&o);
	return ret;
}

static int run(int argc, char *argv[], struct opts *opts)
{
	g_autoptr(JsonValue) state = NULL;
	const char *stage, *id, *bundle;
	int ret = 1;

	setlocale(LC_ALL, "");
	if (!parse_options(&argc, &argv, opts))
		return 2;
	if (opts->version) {
		printf("mdevfs-hook %s\n", MDEVFS_VERSION);
		return 0;
	}
	if (opts->cdi_spec)
		return cdi_spec(opts);
	if (argc > 2) {
		fprintf(stderr, "mdevfs-hook: at most one STAGE (try --help)\n");
		return 2;
	}
	state = read_json_fd(STDIN_FILENO, STATE_MAX, "the container state");
	if (!state)
		return 1;
	/* Without a STAGE, the state's status says it: "creating" at
	 * createRuntime, "stopped" at poststop (one hooks.d file). */
	stage = argc == 2 ? argv[1] : json_get_string(state, "status");
	if (stage && strcmp(stage, "creating") == 0)
		stage = "createRuntime";
	else if (stage && strcmp(stage, "stopped") == 0)
		stage = "poststop";
	if (!stage)
		stage = "(none)";
	id = json_get_string(state, "id");
	bundle = json_get_string(state, "bundle");
	if (!valid_id(id) || !plain_path(bundle)) {
		fprintf(stderr, "mdevfs-hook: the state has no valid id and bundle\n");
		return 1;
	}
	g_strlcpy(short_id, id, sizeof(short_id));
	find_overflow_uid();
	open_log(opts, id, bundle);
	if (strcmp(stage, "createContainer") == 0)
		ret = create_container(opts, state, bundle);
	else if (strcmp(stage, "createRuntime") == 0)
		ret = join_container(state) ? create_container(opts, state, bundle) : 1;
	else if (strcmp(stage, "poststop") == 0)
		ret = poststop(state, bundle);
	else
		say(true, "unknown stage '%.40s'", stage);
	if (log_fd >= 0)
		close(log_fd);
	return ret;
}
