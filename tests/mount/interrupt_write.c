// SPDX-License-Identifier: MIT
/*
 * One write() that a SIGALRM interrupts after ALARM_S seconds; prints
 * "errno=NAME seconds=S".  usage: interrupt_write FILE TEXT ALARM_S
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char *argv[])
{
	struct sigaction sa = { .sa_handler = on_alarm };  /* no SA_RESTART */
	struct timespec a, b;
	ssize_t n;
	int fd;

	if (argc != 4)
		return 2;
	sigaction(SIGALRM, &sa, NULL);
	fd = open(argv[1], O_WRONLY);
	if (fd < 0) {
		perror("open");
		return 2;
	}
	alarm((unsigned int)atoi(argv[3]));
	clock_gettime(CLOCK_MONOTONIC, &a);
	n = write(fd, argv[2], strlen(argv[2]));
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("errno=%s seconds=%d\n", n < 0 ? (errno == EINTR ? "EINTR" : strerror(errno)) : "none",
	       (int)(b.tv_sec - a.tv_sec));
	return 0;
}
