// SPDX-License-Identifier: MIT
/*
 * Differential fuzzing of the number parsers in src/core/parse.c against
 * the kernel's lib/kstrtox.c semantics (kref.h): parse_ulong() as every
 * store calls it (count bytes, no NUL needed), parse_ulong_base(),
 * kstrtoul(), kstrtouint() and kstrtoint() (NUL-terminated, as plugins
 * call them), for bases 0 and 2..16.  Both the errno and the value must
 * agree; an unsupported base must give EINVAL.
 *
 * Input: byte 0 picks the base (b % 18: 0..17; 1 and 17 are invalid),
 * the rest is the text.
 *
 * With MDEVFS_FUZZ_ALLOW_MINUS_PLUS=1 in the environment, kstrtoint()
 * taking "-+N" as -N (the kernel refuses it, see README.md) is let pass,
 * so that a long run can look for other differences.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "kref.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *esc(const char *s, size_t n)
{
	GString *out = g_string_new(NULL);

	for (size_t i = 0; i < n && i < 200; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 32 && c < 127 && c != '\\')
			g_string_append_c(out, (char)c);
		else
			g_string_append_printf(out, "\\x%02x", c);
	}
	return g_string_free(out, FALSE);
}

#define SAME(what, text, len, got, want, gotv, wantv)                      \
	do {                                                               \
		if ((got) != (want) || (!(got) && (gotv) != (wantv)))      \
			fh_bug("%s('%s', base %u): mdevfs %d/%llu, kernel %d/%llu", \
			       what, esc(text, len), base, got,            \
			       (unsigned long long)(got ? 0 : (gotv)), want, \
			       (unsigned long long)(want ? 0 : (wantv)));  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int base;
	const char *text;
	size_t len;
	char *z;

	if (size < 1)
		return 0;
	base = data[0] % 18;
	text = (const char *)data + 1;
	len = size - 1;
	/* The NUL-terminated copy a sysfs store gets. */
	z = g_strndup(text, len);

	if (base == 1 || base > 16) {
		unsigned long v;

		FH_ASSERT(parse_ulong_base(text, len, base, &v) == -EINVAL,
			  "base %u accepted", base);
		g_free(z);
		return 0;
	}
	{
		unsigned long got_v = 0;
		unsigned long long want_v = 0;
		int want = kref_kstrtoull(z, base, &want_v);
		int got = parse_ulong_base(text, len, base, &got_v);

		SAME("parse_ulong_base", text, len, got, want, got_v, want_v);
		got = kstrtoul(z, base, &got_v);
		SAME("kstrtoul", text, len, got, want, got_v, want_v);
		if (base == 0) {
			got = parse_ulong(text, len, &got_v);
			SAME("parse_ulong", text, len, got, want, got_v, want_v);
		}
	}
	{
		unsigned int got_v = 0, want_v = 0;
		int want = kref_kstrtouint(z, base, &want_v);
		int got = kstrtouint(z, base, &got_v);

		SAME("kstrtouint", text, len, got, want, got_v, want_v);
	}
	{
		static int allow_minus_plus = -1;
		int got_v = 0, want_v = 0;
		int want = kref_kstrtoint(z, base, &want_v);
		int got = kstrtoint(z, base, &got_v);

		if (allow_minus_plus < 0)
			allow_minus_plus = getenv("MDEVFS_FUZZ_ALLOW_MINUS_PLUS") != NULL;
		if (allow_minus_plus && z[0] == '-' && z[1] == '+') {
			unsigned long long v = 0;

			want = kref_kstrtoull(z + 1, base, &v);
			if (!want && v > (unsigned long long)INT_MAX + 1)
				want = -ERANGE;
			else if (!want)
				want_v = (int)-(long long)v;
		}

		SAME("kstrtoint", text, len, got, want, got_v, want_v);
	}
	{
		/* sysfs_streq() against its definition. */
		const char *nl = strchr(z, '\n');
		char *a = g_strndup(z, nl ? (size_t)(nl - z) : strlen(z));
		bool want = strcmp(a, "1") == 0 && (!nl || nl[1] == '\0');

		FH_ASSERT(sysfs_streq(z, "1") == want,
			  "sysfs_streq('%s', \"1\") = %d", esc(z, strlen(z)), !want);
		FH_ASSERT(sysfs_streq("1", z) == want,
			  "sysfs_streq(\"1\", '%s') = %d", esc(z, strlen(z)), !want);
		g_free(a);
	}
	g_free(z);
	return 0;
}
