// SPDX-License-Identifier: MIT
/*
 * write_errno FILE TEXT: open FILE O_WRONLY, write TEXT with one write()
 * (shell escapes such as $'...\n' are the caller's business), and print
 * what happened as one word: OK, or the errno name (EEXIST, EINVAL, ...).
 * An open() failure prints "open:" and the errno name.  Exit status 0 for
 * OK, 1 for an errno, 2 for usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *name_of(int e)
{
	static const struct { int e; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
		{ EACCES, "EACCES" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { EUSERS, "EUSERS" },
		{ EAGAIN, "EAGAIN" }, { EBUSY, "EBUSY" }, { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" }, { ENOTCONN, "ENOTCONN" }, { ENOSYS, "ENOSYS" },
		{ ERANGE, "ERANGE" }, { EROFS, "EROFS" }, { ENOMEM, "ENOMEM" },
	};
	static char other[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(other, sizeof(other), "errno%d", e);
	return other;
}

int main(int argc, char *argv[])
{
	size_t len;
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FILE TEXT\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		printf("open:%s\n", name_of(errno));
		return 1;
	}
	len = strlen(argv[2]);
	n = write(fd, argv[2], len);
	if (n < 0) {
		printf("%s\n", name_of(errno));
		close(fd);
		return 1;
	}
	if (close(fd) != 0) {
		printf("close:%s\n", name_of(errno));
		return 1;
	}
	if ((size_t)n != len) {
		printf("short:%zd/%zu\n", n, len);
		return 1;
	}
	printf("OK\n");
	return 0;
}
