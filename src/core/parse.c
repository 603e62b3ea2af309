// SPDX-License-Identifier: MIT
#define _GNU_SOURCE  /* strerrorname_np() */
#include "parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <glib.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "mdevfs/mdev.h"


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

/* Base 0 picks 16 for "0x", 8 for a leading 0, else 10; base 16 also
 * takes an optional "0x".  Returns the index of the first digit. */
static size_t fixup_base(const char *buf, size_t count, size_t i,
			 unsigned int *base)
{
	bool hex_prefix = i + 2 < count && buf[i] == '0' &&
			  g_ascii_tolower(buf[i + 1]) == 'x' &&
			  g_ascii_isxdigit(buf[i + 2]);

	if (*base == 0) {
		if (hex_prefix)
			*base = 16;
		else
			*base = i < count && buf[i] == '0' ? 8 : 10;
	}
	return *base == 16 && hex_prefix ? i + 2 : i;
}

int parse_ulong_base(const char *buf, size_t count, unsigned int base,
		     unsigned long *out)
{
	unsigned long value = 0;
	size_t i = 0, start;

	if (base == 1 || base > 16)
		return -EINVAL;
	/* The kernel parses a NUL-terminated copy, so a NUL ends the text. */
	count = strnlen(buf, count);
	if (count > 0 && buf[count - 1] == '\n')
		count--;
	if (i < count && buf[i] == '+')
		i++;
	i = fixup_base(buf, count, i, &base);
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

int parse_ulong(const char *buf, size_t count, unsigned long *out)
{
	return parse_ulong_base(buf, count, 0, out);
}

int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	return parse_ulong_base(s, strlen(s), base, res);
}

int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long value;
	int ret = kstrtoul(s, base, &value);

	if (ret)
		return ret;
	if (value > UINT_MAX)
		return -ERANGE;
	*res = (unsigned int)value;
	return 0;
}

int kstrtoint(const char *s, unsigned int base, int *res)
{
	unsigned long value;
	int ret;

	if (s[0] == '-') {
		/* The kernel parses the rest without kstrtoull's '+'. */
		if (s[1] == '+')
			return -EINVAL;
		ret = kstrtoul(s + 1, base, &value);
		if (ret)
			return ret;
		if (value > (unsigned long)INT_MAX + 1)
			return -ERANGE;
		*res = value ? -(int)(value - 1) - 1 : 0;
		return 0;
	}
	ret = kstrtoul(s, base, &value);
	if (ret)
		return ret;
	if (value > INT_MAX)
		return -ERANGE;
	*res = (int)value;
	return 0;
}

bool sysfs_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	return *s1 == '\n' && !s1[1] && !*s2;
}

/*
 * One table for every errno <errno.h> defines: glibc's strerrorname_np()
 * (2.32+) names each number; the aliases it never returns are added.
 */
int mdevfs_errno_parse(const char *text)
{
	static const struct {
		const char *name;
		int value;
	} aliases[] = {
		{ "EWOULDBLOCK", EWOULDBLOCK },
		{ "EDEADLOCK", EDEADLOCK },
		{ "ENOTSUP", ENOTSUP },
	};
	unsigned int n = 0;

	if (!text || !*text)
		return -EINVAL;
	if (g_ascii_isdigit(text[0])) {
		for (const char *c = text; *c; c++) {
			if (!g_ascii_isdigit(*c))
				return -EINVAL;
			n = n * 10 + (unsigned int)(*c - '0');
			if (n > MDEVFS_ERRNO_MAX)
				return -EINVAL;
		}
		return n ? (int)n : -EINVAL;
	}
	if (text[0] != 'E')
		return -EINVAL;
	for (size_t i = 0; i < G_N_ELEMENTS(aliases); i++)
		if (strcmp(text, aliases[i].name) == 0)
			return aliases[i].value;
	for (int e = 1; e <= MDEVFS_ERRNO_MAX; e++) {
		const char *name = strerrorname_np(e);

		if (name && strcmp(name, text) == 0)
			return e;
	}
	return -EINVAL;
}

/* The show() side: what a read of an attribute gets. */
int sysfs_emit(char *buf, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, MDEVFS_ATTR_BUF_SIZE, fmt, ap);
	va_end(ap);
	if (len < 0)
		return 0;
	return len < MDEVFS_ATTR_BUF_SIZE ? len : MDEVFS_ATTR_BUF_SIZE - 1;
}
