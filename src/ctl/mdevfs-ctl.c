// SPDX-License-Identifier: MIT
/*
 * mdevfs-ctl: send one command to a running mdevfs daemon.
 *
 *   mdevfs-ctl MOUNTPOINT COMMAND [ARGS...]
 *   mdevfs-ctl --socket=PATH COMMAND [ARGS...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

/*
 * Nothing is sent to a socket that another user listens on (one who made
 * the path, or swapped the socket for their own): the daemon must run as
 * root or as the caller.
 */
static bool peer_trusted(int fd, const char *path)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		fprintf(stderr, "mdevfs-ctl: cannot tell who listens on %s: %s\n",
			path, g_strerror(errno));
		return false;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		fprintf(stderr, "mdevfs-ctl: refusing %s: it is served by uid %u, "
			"neither root nor you (uid %u)\n", path,
			(unsigned int)cred.uid, (unsigned int)geteuid());
		return false;
	}
	return true;
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "mdevfs-ctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "mdevfs-ctl: cannot reach the daemon at %s: %s\n",
			path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!peer_trusted(fd, path)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send the line, copy the reply to stdout/stderr; 0 if it said ok. */
static int transact(int fd, const char *line)
{
	GString *reply = g_string_new(NULL);
	char buf[4096];
	ssize_t n;
	int status;

	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0 ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "mdevfs-ctl: write: %s\n", g_strerror(errno));
		g_string_free(reply, TRUE);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		g_string_append_len(reply, buf, n);
	if (g_str_has_prefix(reply->str, "ok\n")) {
		fputs(reply->str + 3, stdout);
		status = 0;
	} else {
		fprintf(stderr, "mdevfs-ctl: %s", reply->len ? reply->str :
				"no reply from the daemon\n");
		status = 1;
	}
	g_string_free(reply, TRUE);
	return status;
}

/*
 * The command line, with the path of `load PATH[:ARGS]` made absolute
 * against our working directory: the daemon refuses a relative one.  A
 * path is what contains '/' or ends in .so, as the daemon tells them
 * from names.
 */
static char *command_line(char **words)
{
	g_autofree char *cwd = NULL;
	const char *spec = words[1], *colon;
	g_autofree char *file = NULL;
	g_autofree char *abs = NULL;
	char *saved, *line;

	if (strcmp(words[0], "load") != 0 || !spec || words[2])
		return g_strjoinv(" ", words);
	colon = strchr(spec, ':');
	file = g_strndup(spec, colon ? (gsize)(colon - spec) : strlen(spec));
	if ((!strchr(file, '/') && !g_str_has_suffix(file, ".so")) ||
	    g_path_is_absolute(file))
		return g_strjoinv(" ", words);
	cwd = g_get_current_dir();
	abs = g_canonicalize_filename(file, cwd);
	saved = words[1];
	words[1] = g_strconcat(abs, colon ? colon : "", NULL);
	line = g_strjoinv(" ", words);
	g_free(words[1]);
	words[1] = saved;
	return line;
}

int main(int argc, char *argv[])
{
	g_autofree char *socket_path = NULL;
	g_autofree char *line = NULL;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	GOptionEntry entries[] = {
		{ "socket", 's', 0, G_OPTION_ARG_FILENAME, &socket_path,
		  "The daemon's control socket (instead of MOUNTPOINT)", "PATH" },
		G_OPTION_ENTRY_NULL
	};
	int first, fd, status;

	context = g_option_context_new("[MOUNTPOINT] COMMAND [ARGS...]");
	g_option_context_set_summary(context,
		"Commands: backends | load NAME[:ARGS] | unload NAME | parents |\n"
		"  unregister PARENT | register PARENT |\n"
		"  fault create|remove|store TYPE [count=N|all] [errno=NAME] [delay=MS] |\n"
		"  fault clear | faults");
	g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_set_strict_posix(context, TRUE);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "mdevfs-ctl: %s\n", error->message);
		return 2;
	}
	first = socket_path ? 1 : 2;
	if (argc <= first) {
		fprintf(stderr, "mdevfs-ctl: no command (try --help)\n");
		return 2;
	}
	if (!socket_path)
		socket_path = control_default_path(argv[1]);
	line = command_line(argv + first);
	fd = connect_to(socket_path);
	if (fd < 0)
		return 1;
	status = transact(fd, line);
	close(fd);
	return status;
}
