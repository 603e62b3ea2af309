// SPDX-License-Identifier: MIT
/*
 * The control server: a thread that polls the socket and its clients and
 * runs each command in a thread of its own (the commands are in
 * control_cmd.c, the socket's placement in control_socket.c).
 */
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

#include "control_priv.h"

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
		client_reply(c, control_fail("too many commands still running"));
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
		client_reply(c, control_fail("cannot run the command: %s",
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
		client_reply(c, control_fail("request longer than %d bytes: refused",
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
		client_reply(c, control_fail("the command did not finish within %d s; "
				     "it is left running", COMMAND_TIMEOUT_MS / 1000));
	} else if (!c->out) {
		client_reply(c, control_fail("no complete request within %d s",
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
	ctl->fd = control_listen(ctl, path, private_dir, error);
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
	control_unlink_own_socket(ctl);
	if (ctl->fd >= 0)
		close(ctl->fd);
	g_free(ctl->path);
	g_free(ctl->name);
	g_free(ctl);
	return left;
}
