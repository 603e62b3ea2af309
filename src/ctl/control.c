// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "control.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
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
	int dirfd;             /* the socket's directory, checked */
	char *name;            /* the socket's name in it */
	dev_t dev;             /* the socket file we bound */
	ino_t ino;
	int fd;
	int stop_pipe[2];
	int wake_pipe[2];      /* a command finished */
	GPtrArray *running;    /* struct request *: command threads */
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

	g_autofree char *file = NULL;

	if (!argv[1] || argv[2])
		return fail("usage: load NAME[:ARGS]");
	/* A path is taken as the client gave it, and the daemon's working
	 * directory is nobody's business: mdevfs-ctl makes it absolute. */
	file = g_strndup(argv[1], strcspn(argv[1], ":"));
	if ((strchr(file, '/') || g_str_has_suffix(file, ".so")) &&
	    !g_path_is_absolute(file))
		return fail("load: backend path %s is relative; give an "
			    "absolute path", file);
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
	/* A misspelt type would otherwise wait silently for ever. */
	if (!mdev_host_has_type(c->host, argv[2]))
		return fail("no mdev type '%s' is registered", argv[2]);
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

/*
 * The server.  One thread polls the listening socket and at most
 * MAX_CLIENTS connections, each allowed READ_TIMEOUT_MS to send its one
 * line; a connection past the limit waits in the listen backlog.  Every
 * command runs in a thread of its own, so that one that never returns (a
 * backend's init stuck in `load`) holds nobody up: its client gets an
 * error after COMMAND_TIMEOUT_MS, and the thread is left to itself, also
 * at exit (never joined).
 */
#define MAX_CLIENTS 16
#define MAX_RUNNING 32           /* command threads, abandoned ones too */
#define READ_TIMEOUT_MS 5000
#define COMMAND_TIMEOUT_MS 10000
#define WRITE_TIMEOUT_MS 5000

struct request {
	gint refs;               /* the control thread's and the worker's */
	GMutex lock;             /* done, reply, abandoned */
	char *line;
	char *reply;
	bool done;
	bool abandoned;          /* the control is gone: do not wake it */
	int wake_fd;
	struct mdevfs_host *host;
	const char *const *plugin_dirs;
};

struct client {
	int fd;                  /* -1: a free slot */
	char in[MAX_LINE + 2];
	size_t used;
	struct request *req;     /* the command it waits for */
	char *out;               /* the reply being sent */
	size_t out_len, out_off;
	gint64 deadline;         /* g_get_monotonic_time() */
};

static void request_unref(struct request *r)
{
	if (!g_atomic_int_dec_and_test(&r->refs))
		return;
	g_mutex_clear(&r->lock);
	g_free(r->line);
	g_free(r->reply);
	g_free(r);
}

static gpointer run_request(gpointer data)
{
	struct request *r = data;
	char *reply = control_execute(r->host, r->plugin_dirs, r->line);

	g_mutex_lock(&r->lock);
	r->reply = reply;
	r->done = true;
	/* The pipe does not block; full, it wakes the thread anyway. */
	if (!r->abandoned && write(r->wake_fd, "x", 1) < 0 && errno != EAGAIN)
		g_warning("control: cannot wake the control thread");
	g_mutex_unlock(&r->lock);
	request_unref(r);
	return NULL;
}

static void client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	g_free(c->out);
	c->out = NULL;
	c->req = NULL;   /* a command still running is orphaned */
	c->used = 0;
}

/* Send reply (taken) to the client, then close. */
static void client_reply(struct client *c, char *reply)
{
	c->out = reply;
	c->out_len = strlen(reply);
	c->out_off = 0;
	c->deadline = g_get_monotonic_time() + WRITE_TIMEOUT_MS * 1000;
}

static void client_start(struct control *ctl, struct client *c,
			 const char *line)
{
	g_autoptr(GError) error = NULL;
	struct request *r;
	GThread *thread;

	if (ctl->running->len >= MAX_RUNNING) {
		client_reply(c, fail("too many commands still running"));
		return;
	}
	r = g_new0(struct request, 1);
	g_mutex_init(&r->lock);
	r->refs = 2;
	r->line = g_strdup(line);
	r->wake_fd = ctl->wake_pipe[1];
	r->host = ctl->host;
	r->plugin_dirs = ctl->plugin_dirs;
	thread = g_thread_try_new("mdevfs-command", run_request, r, &error);
	if (!thread) {
		r->refs = 1;
		request_unref(r);
		client_reply(c, fail("cannot run the command: %s",
				     error->message));
		return;
	}
	g_thread_unref(thread);  /* never joined */
	g_ptr_array_add(ctl->running, r);
	c->req = r;
	c->deadline = g_get_monotonic_time() + COMMAND_TIMEOUT_MS * 1000;
}

/* Read what the client sent; a whole line starts its command. */
static void client_read(struct control *ctl, struct client *c)
{
	ssize_t n = read(c->fd, c->in + c->used, sizeof(c->in) - 1 - c->used);
	char *nl;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(c);
		return;
	}
	if (n == 0 && c->used == 0) {
		client_close(c);  /* nothing asked: a probe of whether we listen */
		return;
	}
	c->used += (size_t)n;
	c->in[c->used] = '\0';
	nl = memchr(c->in, '\n', c->used);
	if (nl)
		*nl = '\0';
	else if (c->used > MAX_LINE)
		client_reply(c, fail("request longer than %d bytes: refused",
				     MAX_LINE));
	if (nl || (n == 0 && !c->out))  /* or the line ended at EOF */
		client_start(ctl, c, c->in);
}

static void client_write(struct client *c)
{
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->out_off += (size_t)n;
	if (n <= 0 || c->out_off == c->out_len)
		client_close(c);
}

/* Only the daemon's own uid and root may drive it. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void accept_client(struct control *ctl, struct client *clients)
{
	int fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (!peer_allowed(fd)) {
		close(fd);  /* nothing read, nothing run */
		return;
	}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (clients[i].fd < 0) {
			clients[i].fd = fd;
			clients[i].used = 0;
			clients[i].deadline = g_get_monotonic_time() +
					      READ_TIMEOUT_MS * 1000;
			return;
		}
	}
	close(fd);  /* not polled for when full */
}

/* Hand the replies of finished commands to their clients. */
static void collect_done(struct control *ctl, struct client *clients)
{
	char buf[64];

	while (read(ctl->wake_pipe[0], buf, sizeof(buf)) > 0)
		;
	for (guint i = ctl->running->len; i-- > 0;) {
		struct request *r = ctl->running->pdata[i];
		bool done;

		g_mutex_lock(&r->lock);
		done = r->done;
		g_mutex_unlock(&r->lock);
		if (!done)
			continue;
		for (int k = 0; k < MAX_CLIENTS; k++) {
			if (clients[k].fd >= 0 && clients[k].req == r) {
				clients[k].req = NULL;
				client_reply(&clients[k], g_steal_pointer(&r->reply));
			}
		}
		g_ptr_array_remove_index_fast(ctl->running, i);
		request_unref(r);
	}
}

static void client_expire(struct client *c)
{
	if (c->req) {
		c->req = NULL;
		client_reply(c, fail("the command did not finish within %d s; "
				     "it is left running", COMMAND_TIMEOUT_MS / 1000));
	} else if (!c->out) {
		client_reply(c, fail("no complete request within %d s",
				     READ_TIMEOUT_MS / 1000));
	} else {
		client_close(c);
	}
}

static gpointer control_thread(gpointer data)
{
	struct control *ctl = data;
	struct client clients[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS + 3];
	int slot[MAX_CLIENTS + 3];

	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i] = (struct client){ .fd = -1 };
	for (;;) {
		gint64 now = g_get_monotonic_time(), next = G_MAXINT64;
		int n = 0, listening = -1, active = 0, timeout;

		pfd[n++] = (struct pollfd){ .fd = ctl->stop_pipe[0], .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = ctl->wake_pipe[0], .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = &clients[i];

			if (c->fd < 0)
				continue;
			active++;
			next = MIN(next, c->deadline);
			if (c->req)
				continue;  /* its command runs */
			slot[n] = i;
			pfd[n++] = (struct pollfd){
				.fd = c->fd, .events = c->out ? POLLOUT : POLLIN };
		}
		if (active < MAX_CLIENTS) {
			listening = n;
			pfd[n++] = (struct pollfd){ .fd = ctl->fd, .events = POLLIN };
		}
		timeout = next == G_MAXINT64 ? -1 :
			  (int)CLAMP((next - now + 999) / 1000, 0, G_MAXINT);
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			g_warning("control: poll: %s", g_strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		if (pfd[1].revents)
			collect_done(ctl, clients);
		for (int k = 2; k < n; k++) {
			struct client *c;

			if (k == listening || !pfd[k].revents)
				continue;
			c = &clients[slot[k]];
			if (c->fd < 0 || c->req)
				continue;
			if (c->out)
				client_write(c);
			else
				client_read(ctl, c);
		}
		/* After the clients' turn: it takes free slots only. */
		if (listening >= 0 && pfd[listening].revents)
			accept_client(ctl, clients);
		now = g_get_monotonic_time();
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].fd >= 0 && clients[i].deadline <= now)
				client_expire(&clients[i]);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			client_close(&clients[i]);
	return NULL;
}

G_DEFINE_QUARK(mdevfs-control-error-quark, control_error)

/*
 * Whether a daemon listens on the socket name in dirfd (addr reaches
 * it): 1 yes, 0 no (nothing there, or a socket nobody listens on, left by
 * a daemon that died), -1 if that cannot be told (error set).  The probe
 * connects without blocking and sends nothing; a full backlog (EAGAIN)
 * means alive.
 */
static int socket_in_use(int dirfd, const char *name, const char *path,
			 const struct sockaddr_un *addr, GError **error)
{
	struct stat st;
	int fd, ret, err;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
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

static void set_unsafe(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void set_unsafe(GError **error, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, CONTROL_ERROR, CONTROL_ERROR_UNSAFE, msg);
}

/*
 * The socket's directory may be trusted: the daemon's own private one
 * (the default path) is owned by the daemon's uid and closed to group
 * and others; the directory of a --control path is owned by the daemon's
 * uid or root, and writable by others only if sticky (where nobody else
 * can remove or rename the socket).  Neither may be a symbolic link.
 */
static bool dir_trusted(const char *dir, const struct stat *st,
			bool private_dir, GError **error)
{
	unsigned int me = (unsigned int)geteuid();
	unsigned int owner = (unsigned int)st->st_uid;
	unsigned int mode = (unsigned int)st->st_mode & 07777;

	if (S_ISLNK(st->st_mode)) {
		set_unsafe(error, "control socket directory %s is a symbolic link",
			   dir);
		return false;
	}
	if (!S_ISDIR(st->st_mode)) {
		set_unsafe(error, "control socket directory %s is not a directory",
			   dir);
		return false;
	}
	if (private_dir && owner != me) {
		set_unsafe(error, "control socket directory %s belongs to uid %u, "
			   "not to this daemon's uid %u", dir, owner, me);
		return false;
	}
	if (private_dir && (mode & 077)) {
		set_unsafe(error, "control socket directory %s is open to other "
			   "users (mode %04o, want 0700)", dir, mode);
		return false;
	}
	if (!private_dir && owner != me && owner != 0) {
		set_unsafe(error, "control socket directory %s belongs to uid %u, "
			   "not to this daemon's uid %u or root", dir, owner, me);
		return false;
	}
	if (!private_dir && (mode & 022) && !(mode & S_ISVTX)) {
		set_unsafe(error, "control socket directory %s is writable by "
			   "other users and not sticky (mode %04o)", dir, mode);
		return false;
	}
	return true;
}

/* Open the socket's directory, made 0700 if missing, and check it. */
static int open_socket_dir(const char *dir, bool private_dir, GError **error)
{
	struct stat st;
	int fd, err;

	if (lstat(dir, &st) != 0 && errno == ENOENT) {
		g_autofree char *parent = g_path_get_dirname(dir);

		if ((g_mkdir_with_parents(parent, 0700) != 0 ||
		     mkdir(dir, 0700) != 0) && errno != EEXIST) {
			err = errno;
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(err),
				    "cannot make %s: %s", dir, g_strerror(err));
			return -1;
		}
	}
	if (lstat(dir, &st) != 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot use %s: %s", dir, g_strerror(err));
		return -1;
	}
	if (!dir_trusted(dir, &st, private_dir, error))
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ELOOP || err == ENOTDIR)
			set_unsafe(error, "control socket directory %s changed "
				   "(now a symbolic link?)", dir);
		else
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(err),
				    "cannot open %s: %s", dir, g_strerror(err));
		return -1;
	}
	/* What was opened is what counts. */
	if (fstat(fd, &st) != 0 || !dir_trusted(dir, &st, private_dir, error)) {
		if (error && !*error)
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
				    "cannot check %s", dir);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Bind and listen on path, replacing only a stale socket.  The directory
 * is checked and opened once; everything after goes through that
 * descriptor (bind and connect by /proc/self/fd/N/NAME), so a directory
 * swapped for another after the check is not used.  The check and the
 * bind are done under an flock on the directory, so two daemons starting
 * together cannot both find the path free.  The socket is made 0600 by
 * the umask at bind: no chmod() of a path that may have been swapped.
 */
static int listen_on(struct control *ctl, const char *path, bool private_dir,
		     GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *name = g_path_get_basename(path);
	struct stat id = { 0 };
	mode_t mask;
	int fd = -1, dirfd, err = 0, len;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
			    "control socket path too long: %s", path);
		return -1;
	}
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, "/") == 0 || g_str_has_suffix(path, "/")) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "control socket path %s names a directory", path);
		return -1;
	}
	dirfd = open_socket_dir(dir, private_dir, error);
	if (dirfd < 0)
		return -1;
	len = snprintf(addr.sun_path, sizeof(addr.sun_path),
		       "/proc/self/fd/%d/%s", dirfd, name);
	if (len < 0 || (size_t)len >= sizeof(addr.sun_path)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
			    "control socket name too long: %s", name);
		goto fail;
	}
	if (flock(dirfd, LOCK_EX) != 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot lock %s: %s", dir, g_strerror(err));
		goto fail;
	}
	switch (socket_in_use(dirfd, name, path, &addr, error)) {
	case 1:
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_IN_USE,
			    "control socket %s is in use by another daemon", path);
		goto fail;
	case 0:
		/* Nobody listens: a socket left by a daemon that died. */
		if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) {
			err = errno;
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(err),
				    "cannot remove stale control socket %s: %s",
				    path, g_strerror(err));
			goto fail;
		}
		break;
	default:
		goto fail;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		mask = umask(0177);
		err = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
		umask(mask);
	}
	if (fd < 0 || err != 0 ||
	    fstatat(dirfd, name, &id, AT_SYMLINK_NOFOLLOW) != 0 ||
	    listen(fd, 16) != 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot listen on %s: %s", path, g_strerror(err));
		if (fd >= 0) {
			struct stat now;

			/* Our own socket file, if bind made it. */
			if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISSOCK(now.st_mode) && now.st_uid == geteuid() &&
			    (id.st_ino == 0 || now.st_ino == id.st_ino))
				unlinkat(dirfd, name, 0);
			close(fd);
		}
		goto fail;
	}
	flock(dirfd, LOCK_UN);
	ctl->dirfd = dirfd;
	ctl->name = g_steal_pointer(&name);
	ctl->dev = id.st_dev;
	ctl->ino = id.st_ino;
	return fd;
fail:
	close(dirfd);  /* drops the lock */
	return -1;
}

/*
 * The threads block every signal: libfuse's loop sleeps until SIGINT or
 * SIGTERM interrupts the main thread, and a signal taken by this thread
 * instead would leave the daemon running after it.  Command threads,
 * started from it, inherit the mask.
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
			     bool private_dir, const char *const *plugin_dirs,
			     GError **error)
{
	struct control *ctl = g_new0(struct control, 1);

	ctl->host = host;
	ctl->plugin_dirs = plugin_dirs;
	ctl->path = g_strdup(path);
	ctl->dirfd = -1;
	ctl->stop_pipe[0] = ctl->stop_pipe[1] = -1;
	ctl->wake_pipe[0] = ctl->wake_pipe[1] = -1;
	ctl->running = g_ptr_array_new();
	ctl->fd = listen_on(ctl, path, private_dir, error);
	if (ctl->fd < 0) {
		control_stop(ctl);
		return NULL;
	}
	if (pipe2(ctl->stop_pipe, O_CLOEXEC) ||
	    pipe2(ctl->wake_pipe, O_CLOEXEC | O_NONBLOCK)) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "pipe: %s", g_strerror(errno));
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
			      bool private_dir, const char *const *plugin_dirs,
			      GError **error)
{
	struct control *ctl = control_open(host, path, private_dir,
					   plugin_dirs, error);

	control_run(ctl);
	return ctl;
}

/* Remove the socket file only while it is still the one we bound: after
 * a kill -9 and a restart, or a removal by hand, it may be another
 * daemon's.  (Under the directory lock, as listen_on() checks.) */
static void unlink_own_socket(struct control *ctl)
{
	struct stat st;

	if (ctl->dirfd < 0)
		return;
	if (flock(ctl->dirfd, LOCK_EX) != 0)
		g_warning("control: cannot lock the socket's directory");
	if (fstatat(ctl->dirfd, ctl->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlinkat(ctl->dirfd, ctl->name, 0);
	close(ctl->dirfd);
	ctl->dirfd = -1;
}

static void close_pipe(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
}

bool control_stop(struct control *ctl)
{
	bool left = false;

	if (!ctl)
		return false;
	if (ctl->thread) {
		if (write(ctl->stop_pipe[1], "x", 1) != 1)
			g_warning("control: cannot wake the control thread");
		g_thread_join(ctl->thread);  /* it never blocks but in poll() */
	}
	/* Commands still running are left to themselves: they must not
	 * wake a control that is gone. */
	for (guint i = 0; i < ctl->running->len; i++) {
		struct request *r = ctl->running->pdata[i];

		g_mutex_lock(&r->lock);
		r->abandoned = true;
		left |= !r->done;
		g_mutex_unlock(&r->lock);
		request_unref(r);
	}
	g_ptr_array_free(ctl->running, TRUE);
	close_pipe(ctl->stop_pipe);
	close_pipe(ctl->wake_pipe);
	/* Unlinked while still listening, so no other daemon can have
	 * taken the path over in between. */
	unlink_own_socket(ctl);
	if (ctl->fd >= 0)
		close(ctl->fd);
	g_free(ctl->path);
	g_free(ctl->name);
	g_free(ctl);
	return left;
}
