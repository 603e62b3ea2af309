// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t fs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int fs_write(const char *path, const char *text, size_t len, char *stage)
{
	ssize_t n;
	int fd, err = 0;

	*stage = 'o';
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	*stage = 'w';
	n = write(fd, text, len);
	if (n < 0) {
		err = errno;
	} else if ((size_t)n != len) {
		*stage = 's';
		err = EIO;
	}
	if (close(fd) != 0 && !err) {
		*stage = 'c';
		err = errno;
	}
	return err;
}

int fs_read(const char *path, char *buf, size_t size)
{
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	buf[0] = '\0';
	if (fd < 0)
		return errno;
	while (used < size - 1) {
		ssize_t n = read(fd, buf + used, size - 1 - used);

		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	close(fd);
	return err;
}

int fs_drop_cache(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return errno;
	err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return err;
}

const char *fs_esc(const char *text)
{
	static __thread char ring[4][256];
	static __thread int next;
	char *buf = ring[next++ % 4], *o = buf;

	for (; *text && o < buf + sizeof(ring[0]) - 5; text++) {
		if (*text == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if ((unsigned char)*text < 32 || (unsigned char)*text > 126) {
			o += sprintf(o, "\\x%02x", (unsigned char)*text);
		} else {
			*o++ = *text;
		}
	}
	*o = '\0';
	return buf;
}

int fs_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	if (n < 0) {
		buf[0] = '\0';
		return errno;
	}
	buf[n] = '\0';
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int fs_list(const char *dir, char (*names)[64], int max, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int err = 0;

	*n = 0;
	if (!d)
		return errno;
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e) {
			err = errno;
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*n < max) {
			size_t len = strnlen(e->d_name, 63);

			memcpy(names[*n], e->d_name, len);
			names[*n][len] = '\0';
		}
		(*n)++;
	}
	closedir(d);
	qsort(names, (size_t)(*n < max ? *n : max), 64, by_name);
	return err;
}

bool fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int fs_run(const char *const *argv)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
