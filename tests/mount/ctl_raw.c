// SPDX-License-Identifier: MIT
/*
 * A raw control-socket client and server for control_socket.sh:
 *
 *   ctl_raw send SOCKET LINE       send LINE and a newline, print the reply
 *   ctl_raw long SOCKET LINE N     send LINE, N spaces and a newline
 *   ctl_raw idle SOCKET SECS       connect, send nothing for SECS seconds
 *   ctl_raw serve SOCKET SECS      listen (mode 0666) for SECS seconds, and
 *                                  print "got N bytes" for what the first
 *                                  client sent within 2 s
 *
 * exit: 0, or 1 when the socket cannot be reached or made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int fill(struct sockaddr_un *addr, const char *path)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path)) {
		fprintf(stderr, "ctl_raw: path too long\n");
		return -1;
	}
	strcpy(addr->sun_path, path);
	return 0;
}

static int reach(const char *path)
{
	struct sockaddr_un addr;
	int fd;

	if (fill(&addr, path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "ctl_raw: connect %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

static int transact(const char *path, const char *line, long pad)
{
	char buf[4096];
	ssize_t n;
	int fd = reach(path);

	if (fd < 0)
		return 1;
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0)
		perror("ctl_raw: send");
	for (long i = 0; i < pad; i++)
		if (send(fd, " ", 1, MSG_NOSIGNAL) < 0)
			break;
	if (send(fd, "\n", 1, MSG_NOSIGNAL) < 0)
		perror("ctl_raw: send");
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}

static int serve(const char *path, int secs)
{
	struct sockaddr_un addr;
	struct pollfd p;
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	int fd, c;

	if (fill(&addr, path))
		return 1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	umask(0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 4)) {
		fprintf(stderr, "ctl_raw: listen %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, secs * 1000) == 1 && (c = accept(fd, NULL, NULL)) >= 0) {
		p = (struct pollfd){ .fd = c, .events = POLLIN };
		while (poll(&p, 1, 2000) == 1 &&
		       (n = read(c, buf, sizeof(buf))) > 0)
			got += (size_t)n;
		close(c);
		printf("got %zu bytes\n", got);
	} else {
		printf("no client\n");
	}
	close(fd);
	unlink(path);
	return 0;
}

int main(int argc, char *argv[])
{
	int fd;

	if (argc == 4 && strcmp(argv[1], "send") == 0)
		return transact(argv[2], argv[3], 0);
	if (argc == 5 && strcmp(argv[1], "long") == 0)
		return transact(argv[2], argv[3], atol(argv[4]));
	if (argc == 4 && strcmp(argv[1], "idle") == 0) {
		fd = reach(argv[2]);
		if (fd < 0)
			return 1;
		sleep((unsigned int)atoi(argv[3]));
		close(fd);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: ctl_raw send|long|idle|serve SOCKET ...\n");
	return 2;
}
