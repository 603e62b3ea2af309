// SPDX-License-Identifier: MIT
/*
 * add_check: what a libudev consumer such as libvirtd finds in /sys when
 * the udev "add" event of an mdev reaches it.
 *
 * Usage: add_check COUNT TIMEOUT-MS
 *
 * Listens on the udev netlink group (what udevd sends after processing a
 * kernel event, and what mdevfs --uevents sends), prints "listening",
 * then for each of COUNT "add" events of SUBSYSTEM=mdev looks at once at
 * the device's iommu_group and mdev_type links and its driver link, as
 * libvirtd does (it drops an mdev whose iommu_group it cannot resolve).
 * Prints one line per event, "seen DEVPATH" or what it found missing, as
 * soon as it has looked (its caller removes the mdev only then), and a
 * summary;
 * exits 0 if every event found the device complete, 1 if not, 2 on
 * error or when the events did not come within TIMEOUT-MS.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define UDEV_GROUP 2

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int missing(const char *devpath, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "/sys%s/%s", devpath, name);
	return lstat(path, &st) < 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = UDEV_GROUP };
	static char buf[65536];
	int count, seen = 0, incomplete = 0, fd;
	long deadline;

	if (argc != 3) {
		fprintf(stderr, "usage: add_check COUNT TIMEOUT-MS\n");
		return 2;
	}
	count = atoi(argv[1]);
	deadline = now_ms() + atol(argv[2]);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("add_check: netlink");
		return 2;
	}
	printf("listening\n");
	fflush(stdout);
	while (seen < count) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const char *action = NULL, *devpath = NULL, *subsystem = NULL;
		long left = deadline - now_ms();
		ssize_t len;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			fprintf(stderr, "add_check: %d of %d add events came\n",
				seen, count);
			return 2;
		}
		len = recv(fd, buf, sizeof(buf) - 1, 0);
		/* libudev's messages: "libudev" header, properties after it. */
		if (len <= 40 || strncmp(buf, "libudev", 8) != 0)
			continue;
		buf[len] = '\0';
		for (char *p = buf + 40; p < buf + len; p += strlen(p) + 1) {
			if (strncmp(p, "ACTION=", 7) == 0)
				action = p + 7;
			else if (strncmp(p, "DEVPATH=", 8) == 0)
				devpath = p + 8;
			else if (strncmp(p, "SUBSYSTEM=", 10) == 0)
				subsystem = p + 10;
		}
		if (!action || !devpath || !subsystem ||
		    strcmp(action, "add") != 0 || strcmp(subsystem, "mdev") != 0)
			continue;
		seen++;
		{
			int no_group = missing(devpath, "iommu_group");
			int no_type = missing(devpath, "mdev_type");
			int no_driver = missing(devpath, "driver");

			if (no_group || no_type || no_driver) {
				incomplete++;
				printf("add %s: no%s%s%s yet\n", devpath,
				       no_group ? " iommu_group" : "",
				       no_type ? " mdev_type" : "",
				       no_driver ? " driver" : "");
			} else {
				printf("seen %s\n", devpath);
			}
			/* The caller removes the mdev once it reads this. */
			fflush(stdout);
		}
	}
	printf("%d add events, %d found the mdev incomplete\n", seen, incomplete);
	return incomplete ? 1 : 0;
}
