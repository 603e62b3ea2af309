// SPDX-License-Identifier: MIT
#include "parse.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <string.h>

#define UUID_STRING_LEN 36

int mdev_parse_uuid(const char *buf, size_t count, uuid_t out)
{
	char text[UUID_STRING_LEN + 1];

	if (count != UUID_STRING_LEN && count != UUID_STRING_LEN + 1)
		return -EINVAL;
	/* libuuid checks the dash positions and the hex digits of both cases;
	 * the kernel looks only at the first 36 bytes. */
	memcpy(text, buf, UUID_STRING_LEN);
	text[UUID_STRING_LEN] = '\0';
	if (memchr(text, '\0', UUID_STRING_LEN))
		return -EINVAL;
	return uuid_parse(text, out) == 0 ? 0 : -EINVAL;
}

static int digit_value(char c)
{
	if (g_ascii_isdigit(c))
		return c - '0';
	if (g_ascii_isxdigit(c))
		return g_ascii_tolower(c) - 'a' + 10;
	return 99;
}

int parse_ulong(const char *buf, size_t count, unsigned long *out)
{
	unsigned int base = 10;
	unsigned long value = 0;
	size_t i = 0, start;

	/* The kernel parses a NUL-terminated copy, so a NUL ends the text. */
	count = strnlen(buf, count);
	if (count > 0 && buf[count - 1] == '\n')
		count--;
	if (i < count && buf[i] == '+')
		i++;
	if (i < count && buf[i] == '0') {
		if (i + 1 < count && g_ascii_tolower(buf[i + 1]) == 'x' &&
		    i + 2 < count && g_ascii_isxdigit(buf[i + 2])) {
			base = 16;
			i += 2;
		} else {
			base = 8;
		}
	}
	start = i;
	for (; i < count; i++) {
		unsigned int d = (unsigned int)digit_value(buf[i]);

		if (d >= base)
			return -EINVAL;
		if (value > (ULONG_MAX - d) / base)
			return -ERANGE;
		value = value * base + d;
	}
	if (i == start)
		return -EINVAL;
	*out = value;
	return 0;
}
