/* SPDX-License-Identifier: MIT */
/* The text of the core's attributes: parsers for what user space writes,
 * and sysfs_emit() (the public header) for what it reads. */
#ifndef MDEVFS_PARSE_H
#define MDEVFS_PARSE_H

#include <stddef.h>
#include <uuid/uuid.h>

/* A UUID's text, without its NUL (the kernel's name too). */
#define UUID_STRING_LEN 36

/*
 * A `create` write: exactly 36 bytes, or 37 with an unchecked last byte;
 * hex digits of either case with dashes at 8, 13, 18 and 23.
 * Returns 0 or -EINVAL.
 */
int mdev_parse_uuid(const char *buf, size_t count, uuid_t out);

/*
 * The kernel's kstrtoul() with base 0: optional '+', "0x" hex, leading-0
 * octal, else decimal, one optional trailing newline, no other bytes.
 * Returns 0, -EINVAL (bad text) or -ERANGE (overflow).
 */
int parse_ulong(const char *buf, size_t count, unsigned long *out);
/* The same with a fixed base (0 = automatic, 2..16). */
int parse_ulong_base(const char *buf, size_t count, unsigned int base,
		     unsigned long *out);

#endif
