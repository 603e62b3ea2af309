// SPDX-License-Identifier: MIT
/*
 * Listen on the udev netlink group for N events (or until a timeout) and
 * print each as one line: its properties joined by spaces, after checking
 * the libudev header.  Used by uevents.sh inside a private netns.
 * usage: uevent_listen COUNT TIMEOUT_MS
 */
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct header {
	char prefix[8];
	uint32_t magic, header_size, properties_off, properties_len;
	uint32_t subsystem_hash, devtype_hash, bloom_hi, bloom_lo;
};

static int print_event(const char *buf, ssize_t len)
{
	const struct header *h = (const void *)buf;
	uint32_t off, plen;

	if (len < (ssize_t)sizeof(*h) || strcmp(h->prefix, "libudev") ||
	    ntohl(h->magic) != 0xfeedcafe) {
		fprintf(stderr, "not a libudev message\n");
		return -1;
	}
	off = h->properties_off;
	plen = h->properties_len;
	if (off + plen > (uint32_t)len) {
		fprintf(stderr, "bad property block\n");
		return -1;
	}
	for (uint32_t i = off; i < off + plen; i += (uint32_t)strlen(buf + i) + 1)
		printf("%s%s", i == off ? "" : " ", buf + i);
	printf("\n");
	fflush(stdout);
	return 0;
}

int main(int argc, char *argv[])
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 2 };
	int count = argc > 1 ? atoi(argv[1]) : 1;
	int timeout = argc > 2 ? atoi(argv[2]) : 5000;
	char buf[8192];
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("netlink");
		return 2;
	}
	/* Tell the caller we are listening. */
	printf("listening\n");
	fflush(stdout);
	while (count > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout) <= 0)
			return 1;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0 || print_event(buf, n))
			return 1;
		count--;
	}
	return 0;
}
