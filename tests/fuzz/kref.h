/* SPDX-License-Identifier: MIT */
/*
 * Reference parsers with the kernel's semantics, written from
 * lib/kstrtox.c and lib/uuid.c, to check the core's parse.c against:
 * the harnesses compare every result (value and errno) with these.
 */
#ifndef MDEVFS_FUZZ_KREF_H
#define MDEVFS_FUZZ_KREF_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline int kref_lower(int c)
{
	return c | 0x20;
}

static inline bool kref_isxdigit(int c)
{
	return (c >= '0' && c <= '9') || (kref_lower(c) >= 'a' && kref_lower(c) <= 'f');
}

/* _kstrtoull(): no sign; base 0 or 2..16; s NUL-terminated. */
static inline int kref_kstrtoull_nosign(const char *s, unsigned int base,
					unsigned long long *res)
{
	unsigned long long acc = 0;
	bool overflow = false;
	size_t digits = 0;

	/* _parse_integer_fixup_radix() */
	if (base == 0) {
		if (s[0] == '0') {
			if (kref_lower(s[1]) == 'x' && kref_isxdigit(s[2]))
				base = 16;
			else
				base = 8;
		} else {
			base = 10;
		}
	}
	if (base == 16 && s[0] == '0' && kref_lower(s[1]) == 'x')
		s += 2;
	/* _parse_integer() */
	for (;; s++, digits++) {
		unsigned int v;

		if (*s >= '0' && *s <= '9')
			v = (unsigned int)(*s - '0');
		else if (kref_lower(*s) >= 'a' && kref_lower(*s) <= 'f')
			v = (unsigned int)(kref_lower(*s) - 'a' + 10);
		else
			break;
		if (v >= base)
			break;
		if (acc > (ULLONG_MAX - v) / base)
			overflow = true;
		acc = acc * base + v;
	}
	if (overflow)
		return -ERANGE;
	if (!digits)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = acc;
	return 0;
}

/* kstrtoull() = kstrtoul() on 64-bit: one optional leading '+'. */
static inline int kref_kstrtoull(const char *s, unsigned int base,
				 unsigned long long *res)
{
	if (s[0] == '+')
		s++;
	return kref_kstrtoull_nosign(s, base, res);
}

static inline int kref_kstrtouint(const char *s, unsigned int base,
				  unsigned int *res)
{
	unsigned long long v;
	int ret = kref_kstrtoull(s, base, &v);

	if (ret)
		return ret;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = (unsigned int)v;
	return 0;
}

/* kstrtoll() then the int range check of kstrtoint(). */
static inline int kref_kstrtoint(const char *s, unsigned int base, int *res)
{
	unsigned long long v;
	long long ll;
	int ret;

	if (s[0] == '-') {
		/* The kernel parses the rest without kstrtoull's '+'. */
		ret = kref_kstrtoull_nosign(s + 1, base, &v);
		if (ret)
			return ret;
		if ((long long)(0ULL - v) > 0)
			return -ERANGE;
		ll = (long long)(0ULL - v);
	} else {
		ret = kref_kstrtoull(s, base, &v);
		if (ret)
			return ret;
		if ((long long)v < 0)
			return -ERANGE;
		ll = (long long)v;
	}
	if (ll != (int)ll)
		return -ERANGE;
	*res = (int)ll;
	return 0;
}

/* uuid_is_valid(): 36 characters, dashes at 8, 13, 18, 23, hex elsewhere. */
static inline bool kref_uuid_is_valid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!kref_isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/*
 * What the kernel's create_store() accepts: a count of 36 or 37 bytes,
 * of which kstrndup() keeps those before a NUL, and guid_parse() needs a
 * valid UUID in the first 36.  The device is named by the lowercase text.
 */
static inline bool kref_create_ok(const char *buf, size_t count, char name[37])
{
	char copy[38];
	size_t len;

	if (count < 36 || count > 37)
		return false;
	len = strnlen(buf, count);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (len < 36 || !kref_uuid_is_valid(copy))
		return false;
	for (int i = 0; i < 36; i++)
		name[i] = (char)(copy[i] >= 'A' && copy[i] <= 'F' ?
				 copy[i] - 'A' + 'a' : copy[i]);
	name[36] = '\0';
	return true;
}

#endif
