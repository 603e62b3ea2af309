// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "control.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fault.h"
#include "plugin.h"

#define MAX_LINE 4096

struct control {
	struct mdevfs_host *host;
	const char *const *plugin_dirs;
	char *path;
	dev_t dev;             /* the socket file we bound */
	ino_t ino;
	int fd;
	int stop_pipe[2];
	GThread *thread;
};

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static char *ok(const char *body)
{
	return g_strdup_printf("ok\n%s", body ? body : "");
}

static char *fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static char *fail(const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_strdup_printf("error: %s\n", msg);
}

static char *from_errno(int ret, const char *what)
{
	return ret ? fail("%s: %s", what, g_strerror(-ret)) : ok(NULL);
}

static char *cmd_load(struct control *c, char **argv)
{
	g_autoptr(GError) error = NULL;

	if (!argv[1] || argv[2])
		return fail("usage: load NAME[:ARGS]");
	if (!mdev_backend_load(c->host, argv[1], c->plugin_dirs, &error))
		return fail("%s", error->message);
	return ok(NULL);
}

static char *cmd_unload(struct control *c, char **argv)
{
	g_autoptr(GError) error = NULL;

	if (!argv[1] || argv[2])
		return fail("usage: unload NAME");
	if (!mdev_backend_unload(c->host, argv[1], &error))
		return fail("%s", error->message);
	return ok(NULL);
}

static char *cmd_backends(struct control *c, char **argv)
{
	g_auto(GStrv) names = mdev_backend_names(c->host);
	g_autofree char *joined = NULL;

	if (argv[1])
		return fail("usage: backends");
	joined = g_strjoinv("\n", names);
	return g_strdup_printf("ok\n%s%s", joined, *names ? "\n" : "");
}

static char *cmd_parents(struct control *c, char **argv)
{
	g_autofree char *text = NULL;

	if (argv[1])
		return fail("usage: parents");
	text = mdev_host_describe_parents(c->host);
	return ok(text);
}

static char *cmd_unregister(struct control *c, char **argv)
{
	if (!argv[1] || argv[2])
		return fail("usage: unregister PARENT");
	return from_errno(mdev_host_unregister_parent(c->host, argv[1]), argv[1]);
}

static char *cmd_register(struct control *c, char **argv)
{
	if (!argv[1] || argv[2])
		return fail("usage: register PARENT");
	return from_errno(mdev_host_register_parent(c->host, argv[1]), argv[1]);
}

/* An errno by any name <errno.h> defines ("EINVAL", "EDQUOT") or number
 * 1..4095, as keyfile reads it; negative for anything else. */
static int parse_errno(const char *text)
{
	return mdevfs_errno_parse(text);
}

static bool parse_fault_arg(const char *arg, int *count, int *error,
			    unsigned int *delay)
{
	unsigned int n;

	if (g_str_has_prefix(arg, "count=")) {
		if (strcmp(arg + 6, "all") == 0) {
			*count = -1;
			return true;
		}
		if (kstrtouint(arg + 6, 10, &n) || n == 0 || n > G_MAXINT)
			return false;
		*count = (int)n;
		return true;
	}
	if (g_str_has_prefix(arg, "errno="))
		return (*error = parse_errno(arg + 6)) > 0;
	if (g_str_has_prefix(arg, "delay="))
		return kstrtouint(arg + 6, 10, delay) == 0 && *delay <= 600000;
	return false;
}

static char *cmd_fault(struct control *c, char **argv)
{
	static const char *const usage =
		"usage: fault create|remove|store TYPE [count=N|all] "
		"[errno=NAME] [delay=MS] | fault clear";
	enum mdev_fault_op op;
	int count = 1, error = 0;
	unsigned int delay = 0;

	if (argv[1] && strcmp(argv[1], "clear") == 0 && !argv[2]) {
		mdev_fault_clear(c->host);
		return ok(NULL);
	}
	if (!argv[1] || !argv[2])
		return fail("%s", usage);
	if (strcmp(argv[1], "create") == 0)
		op = FAULT_CREATE;
	else if (strcmp(argv[1], "remove") == 0)
		op = FAULT_REMOVE;
	else if (strcmp(argv[1], "store") == 0)
		op = FAULT_STORE;
	else
		return fail("%s", usage);
	for (char **a = argv + 3; *a; a++)
		if (!parse_fault_arg(*a, &count, &error, &delay))
			return fail("bad fault argument '%s'", *a);
	if (!error && !delay)
		return fail("a fault needs errno= or delay=");
	mdev_fault_add(c->host, op, argv[2], count, error, delay);
	return ok(NULL);
}

static char *cmd_faults(struct control *c, char **argv)
{
	g_autofree char *text = NULL;

	if (argv[1])
		return fail("usage: faults");
	text = mdev_fault_describe(c->host);
	return ok(text);
}

static const struct {
	const char *name;
	char *(*run)(struct control *c, char **argv);
} commands[] = {
	{ "load", cmd_load }, { "unload", cmd_unload },
	{ "backends", cmd_backends }, { "parents", cmd_parents },
	{ "unregister", cmd_unregister }, { "register", cmd_register },
	{ "fault", cmd_fault }, { "faults", cmd_faults },
};

char *control_execute(struct mdevfs_host *host, const char *const *plugin_dirs,
		      const char *line)
{
	struct control c = { .host = host, .plugin_dirs = plugin_dirs };
	g_auto(GStrv) argv = NULL;
	g_autofree char *clean = g_strstrip(g_strdup(line));

	argv = g_strsplit_set(clean, " \t", -1);
	/* Drop empty words from repeated blanks. */
	for (char **r = argv, **w = argv;; r++) {
		if (!*r) {
			*w = NULL;
			break;
		}
		if (**r)
			*w++ = *r;
		else
			g_free(*r);
	}
	if (!argv[0])
		return fail("empty command");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].run(&c, argv);
	return fail("unknown command '%s'", argv[0]);
}

/* ------------------------------------------------------------------ */
/* Socket                                                              */

static void serve_client(struct control *ctl, int fd)
{
	char line[MAX_LINE + 1];
	size_t used = 0;
	ssize_t n;
	g_autofree char *reply = NULL;

	while (used < MAX_LINE &&
	       (n = read(fd, line + used, MAX_LINE - used)) > 0) {
		used += (size_t)n;
		if (memchr(line, '\n', used))
			break;
	}
	if (used == 0)
		return;  /* nothing asked: a probe of whether we listen */
	line[used] = '\0';
	line[strcspn(line, "\n")] = '\0';
	reply = control_execute(ctl->host, ctl->plugin_dirs, line);
	for (size_t off = 0, len = strlen(reply); off < len; off += (size_t)n) {
		n = write(fd, reply + off, len - off);
		if (n <= 0)
			break;
	}
}

static gpointer control_thread(gpointer data)
{
	struct control *ctl = data;

	for (;;) {
		fd_set set;
		int fd, top = MAX(ctl->fd, ctl->stop_pipe[0]);

		FD_ZERO(&set);
		FD_SET(ctl->fd, &set);
		FD_SET(ctl->stop_pipe[0], &set);
		if (select(top + 1, &set, NULL, NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (FD_ISSET(ctl->stop_pipe[0], &set))
			break;
		fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_client(ctl, fd);
		close(fd);
	}
	return NULL;
}

G_DEFINE_QUARK(mdevfs-control-error-quark, control_error)

/*
 * Whether a daemon listens on the socket at path: 1 yes, 0 no (nothing
 * there, or a socket nobody listens on, left by a daemon that died), -1
 * if that cannot be told (error set).  The probe connects without
 * blocking and sends nothing; a full backlog (EAGAIN) means alive.
 */
static int socket_in_use(const char *path, const struct sockaddr_un *addr,
			 GError **error)
{
	struct stat st;
	int fd, ret, err;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot check control socket %s: %s", path,
			    g_strerror(err));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
			    "control socket path %s exists and is not a socket",
			    path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "socket: %s", g_strerror(err));
		return -1;
	}
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	err = errno;
	close(fd);
	if (ret == 0 || err == EAGAIN || err == EINPROGRESS)
		return 1;
	if (err == ECONNREFUSED || err == ENOENT)
		return 0;
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
		    "cannot check control socket %s: %s", path, g_strerror(err));
	return -1;
}

/*
 * Bind and listen on path, replacing only a stale socket.  The check and
 * the bind are done under an flock on the socket's directory, so two
 * daemons starting together cannot both find the path free.  *id gets
 * the socket's device and inode, to know it again at exit.
 */
static int listen_on(const char *path, struct stat *id, GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree char *dir = g_path_get_dirname(path);
	int fd = -1, dirfd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
			    "control socket path too long: %s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "cannot make %s: %s", dir, g_strerror(errno));
		return -1;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || flock(dirfd, LOCK_EX) != 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot lock %s: %s", dir, g_strerror(err));
		goto out;
	}
	switch (socket_in_use(path, &addr, error)) {
	case 1:
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_IN_USE,
			    "control socket %s is in use by another daemon", path);
		goto out;
	case 0:
		/* Nobody listens: a socket left by a daemon that died. */
		if (unlink(path) != 0 && errno != ENOENT) {
			err = errno;
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(err),
				    "cannot remove stale control socket %s: %s",
				    path, g_strerror(err));
			goto out;
		}
		break;
	default:
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    lstat(path, id) || chmod(path, 0600) || listen(fd, 8)) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot listen on %s: %s", path, g_strerror(err));
		if (fd >= 0) {
			struct stat now;

			/* Our own socket file, if bind made it. */
			if (lstat(path, &now) == 0 && now.st_dev == id->st_dev &&
			    now.st_ino == id->st_ino)
				unlink(path);
			close(fd);
		}
		fd = -1;
	}
out:
	if (dirfd >= 0)
		close(dirfd);  /* drops the lock */
	return fd;
}

/*
 * The thread blocks every signal: libfuse's loop sleeps until SIGINT or
 * SIGTERM interrupts the main thread, and a signal taken by this thread
 * instead would leave the daemon running after it.
 */
static GThread *start_thread_without_signals(struct control *ctl)
{
	sigset_t all, saved;
	GThread *thread;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &saved);
	thread = g_thread_new("mdevfs-control", control_thread, ctl);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return thread;
}

struct control *control_open(struct mdevfs_host *host, const char *path,
			     const char *const *plugin_dirs, GError **error)
{
	struct control *ctl;
	struct stat id = { 0 };
	int fd = listen_on(path, &id, error);

	if (fd < 0)
		return NULL;
	ctl = g_new0(struct control, 1);
	ctl->host = host;
	ctl->plugin_dirs = plugin_dirs;
	ctl->path = g_strdup(path);
	ctl->fd = fd;
	ctl->dev = id.st_dev;
	ctl->ino = id.st_ino;
	if (pipe2(ctl->stop_pipe, O_CLOEXEC)) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "pipe: %s", g_strerror(errno));
		ctl->stop_pipe[0] = ctl->stop_pipe[1] = -1;
		control_stop(ctl);
		return NULL;
	}
	return ctl;
}

void control_run(struct control *ctl)
{
	if (ctl && !ctl->thread)
		ctl->thread = start_thread_without_signals(ctl);
}

struct control *control_start(struct mdevfs_host *host, const char *path,
			      const char *const *plugin_dirs, GError **error)
{
	struct control *ctl = control_open(host, path, plugin_dirs, error);

	control_run(ctl);
	return ctl;
}

/* Remove the socket file only while it is still the one we bound: after
 * a kill -9 and a restart, or a removal by hand, it may be another
 * daemon's.  (Under the directory lock, as listen_on() checks.) */
static void unlink_own_socket(struct control *ctl)
{
	g_autofree char *dir = g_path_get_dirname(ctl->path);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (dirfd >= 0 && flock(dirfd, LOCK_EX) != 0) {
		close(dirfd);
		dirfd = -1;
	}
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
	if (dirfd >= 0)
		close(dirfd);
}

void control_stop(struct control *ctl)
{
	if (!ctl)
		return;
	if (ctl->thread) {
		if (write(ctl->stop_pipe[1], "x", 1) != 1)
			g_warning("control: cannot wake the control thread");
		g_thread_join(ctl->thread);
	}
	if (ctl->stop_pipe[0] >= 0) {
		close(ctl->stop_pipe[0]);
		close(ctl->stop_pipe[1]);
	}
	/* Unlinked while still listening, so no other daemon can have
	 * taken the path over in between. */
	unlink_own_socket(ctl);
	close(ctl->fd);
	g_free(ctl->path);
	g_free(ctl);
}
