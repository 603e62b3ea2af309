// SPDX-License-Identifier: MIT
/*
 * The parsers behind `create` (kernel.md 3.2) and `remove` (3.5):
 * mdev_parse_uuid() and parse_ulong() (kstrtoul with base 0).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define U_LOWER "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
#define U_UPPER "83B8F4F2-509F-382F-3C1E-E6BFE0FA1001"
#define U_MIXED "83b8F4f2-509F-382f-3C1e-e6BFe0fA1001"

/* The 16 bytes in the order they are printed. */
static const unsigned char u_bytes[16] = {
	0x83, 0xb8, 0xf4, 0xf2, 0x50, 0x9f, 0x38, 0x2f,
	0x3c, 0x1e, 0xe6, 0xbf, 0xe0, 0xfa, 0x10, 0x01,
};

static void assert_u(const char *buf, size_t count)
{
	uuid_t out;

	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(mdev_parse_uuid(buf, count, out), 0);
	ck_assert_mem_eq(out, u_bytes, sizeof(u_bytes));
}

static void assert_bad(const char *buf, size_t count)
{
	uuid_t out;

	ck_assert_int_eq(mdev_parse_uuid(buf, count, out), -EINVAL);
}

/* U_LOWER followed by one byte. */
static void with_tail(char out[37], const char *uuid, char tail)
{
	memcpy(out, uuid, 36);
	out[36] = tail;
}

START_TEST(uuid_36_bytes)
{
	assert_u(U_LOWER, 36);
}
END_TEST

START_TEST(uuid_37_newline)
{
	assert_u(U_LOWER "\n", 37);
}
END_TEST

/* The 37th byte is never examined: space, 'x', NUL, CR, 0xff all pass. */
START_TEST(uuid_37_any_last_byte)
{
	static const char tails[] = { ' ', 'x', '\0', '\r', 'X', '-', (char)0xff };
	char buf[37];

	for (size_t i = 0; i < sizeof(tails); i++) {
		with_tail(buf, U_LOWER, tails[i]);
		assert_u(buf, 37);
	}
}
END_TEST

START_TEST(uuid_uppercase_and_mixed)
{
	assert_u(U_UPPER, 36);
	assert_u(U_UPPER "\n", 37);
	assert_u(U_MIXED, 36);
}
END_TEST

START_TEST(uuid_wrong_lengths)
{
	assert_bad(U_LOWER, 35);
	assert_bad(U_LOWER "\n\n", 38);
	assert_bad(U_LOWER "\r\n", 38);
	assert_bad(U_LOWER, 0);
	assert_bad(U_LOWER, 1);
}
END_TEST

START_TEST(uuid_braces)
{
	assert_bad("{" U_LOWER "}", 38);
	/* Same length as "U\n" but position 0 is not hex. */
	assert_bad("{" U_LOWER, 37);
}
END_TEST

START_TEST(uuid_no_dashes)
{
	assert_bad("83b8f4f2509f382f3c1ee6bfe0fa1001", 32);
	/* 36 bytes, but hex where the dashes belong. */
	assert_bad("83b8f4f20509f0382f03c1e0e6bfe0fa1001", 36);
}
END_TEST

START_TEST(uuid_leading_space)
{
	assert_bad(" " U_LOWER, 37);
}
END_TEST

START_TEST(uuid_bad_characters)
{
	char buf[37];

	memcpy(buf, U_LOWER, 36);
	buf[3] = 'g';
	assert_bad(buf, 36);
	memcpy(buf, U_LOWER, 36);
	buf[0] = ' ';
	assert_bad(buf, 36);
	memcpy(buf, U_LOWER, 36);
	buf[35] = ' ';  /* whitespace is not trimmed at the end either */
	assert_bad(buf, 36);
	memcpy(buf, U_LOWER, 36);
	buf[14] = '+';
	assert_bad(buf, 36);
	/* A dash moved one place. */
	assert_bad("83b8f4f-2509f-382f-3c1e-e6bfe0fa1001", 36);
}
END_TEST

START_TEST(uuid_nul_inside)
{
	static const size_t at[] = { 0, 8, 10, 20, 35 };
	char buf[37];

	for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
		with_tail(buf, U_LOWER, '\n');
		buf[at[i]] = '\0';
		assert_bad(buf, 36);
		assert_bad(buf, 37);
	}
}
END_TEST

START_TEST(uuid_page_sized_buffer)
{
	char *buf = g_malloc(4096);

	memset(buf, '\n', 4096);
	memcpy(buf, U_LOWER, 36);
	assert_bad(buf, 4096);
	g_free(buf);
}
END_TEST

/* ---- parse_ulong ------------------------------------------------- */

struct ulong_case {
	const char *text;
	int ret;
	unsigned long value;
};

static void check_ulong(const char *text, size_t count, int want,
			unsigned long value)
{
	unsigned long out = 0xdeadbeef;
	int ret = parse_ulong(text, count, &out);

	ck_assert_msg(ret == want, "parse_ulong(\"%s\", %zu) = %d, want %d",
		      g_strescape(text, NULL), count, ret, want);
	if (want == 0)
		ck_assert_msg(out == value, "parse_ulong(\"%s\") gave %lu, want %lu",
			      g_strescape(text, NULL), out, value);
}

static void check_ulong_cases(const struct ulong_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_ulong(cases[i].text, strlen(cases[i].text), cases[i].ret,
			    cases[i].value);
}

START_TEST(ulong_accepts)
{
	static const struct ulong_case cases[] = {
		{ "1", 0, 1 },      { "1\n", 0, 1 },    { "0x1", 0, 1 },
		{ "01", 0, 1 },     { "+1", 0, 1 },     { "0", 0, 0 },
		{ "00", 0, 0 },     { "0\n", 0, 0 },    { "2", 0, 2 },
		{ "+7", 0, 7 },     { "0x10", 0, 16 },  { "0X1f", 0, 31 },
		{ "0xAbC\n", 0, 0xabc }, { "010", 0, 8 }, { "0777", 0, 0777 },
		{ "+0x1", 0, 1 },   { "+01", 0, 1 },    { "42\n", 0, 42 },
	};

	check_ulong_cases(cases, G_N_ELEMENTS(cases));
}
END_TEST

START_TEST(ulong_rejects)
{
	static const char *const bad[] = {
		"yes", "-1", " 1", "1 ", "", "\n", "0x", "+", "1\n\n",
		"\n1", "1\t", "08", "0x\n", "0xg", "++1", "+-1", "1x",
		"1.0", "0b1", "x1", "+\n", "0x+1",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		check_ulong(bad[i], strlen(bad[i]), -EINVAL, 0);
}
END_TEST

START_TEST(ulong_overflow)
{
	check_ulong("99999999999999999999999", 23, -ERANGE, 0);
#if ULONG_MAX == 0xffffffffffffffffUL
	check_ulong("18446744073709551615", 20, 0, ULONG_MAX);
	check_ulong("18446744073709551616", 20, -ERANGE, 0);
	check_ulong("0xffffffffffffffff\n", 19, 0, ULONG_MAX);
	check_ulong("0x10000000000000000", 19, -ERANGE, 0);
	check_ulong("01777777777777777777777", 23, 0, ULONG_MAX);
	check_ulong("02000000000000000000000", 23, -ERANGE, 0);
#endif
}
END_TEST

/* The kernel parses a NUL-terminated copy: a NUL ends the text. */
START_TEST(ulong_embedded_nul)
{
	check_ulong("1\0junk", 6, 0, 1);
	check_ulong("12\n\0zz", 6, 0, 12);
	check_ulong("1\0", 2, 0, 1);
	check_ulong("\0" "1", 2, -EINVAL, 0);
	check_ulong("0x\0" "1", 4, -EINVAL, 0);
}
END_TEST

/* Only count bytes are looked at. */
START_TEST(ulong_count_limits)
{
	check_ulong("123", 2, 0, 12);
	check_ulong("1 ", 1, 0, 1);
	check_ulong("1\n\n", 2, 0, 1);
	check_ulong("0x1", 2, -EINVAL, 0);
	check_ulong("7", 0, -EINVAL, 0);
}
END_TEST

/* The exported helpers backends use: fixed bases and signed values. */
START_TEST(kstrto_bases)
{
	unsigned long ul = 0;
	unsigned int ui = 0;
	int i = 0;

	ck_assert_int_eq(kstrtoul("ff", 16, &ul), 0);
	ck_assert_uint_eq(ul, 255);
	ck_assert_int_eq(kstrtoul("0xff\n", 16, &ul), 0);
	ck_assert_uint_eq(ul, 255);
	ck_assert_int_eq(kstrtoul("010", 10, &ul), 0);
	ck_assert_uint_eq(ul, 10);
	ck_assert_int_eq(kstrtoul("010", 0, &ul), 0);
	ck_assert_uint_eq(ul, 8);
	ck_assert_int_eq(kstrtoul("19", 8, &ul), -EINVAL);
	ck_assert_int_eq(kstrtoul("1", 17, &ul), -EINVAL);
	ck_assert_int_eq(kstrtouint("4294967296", 10, &ui), -ERANGE);
	ck_assert_int_eq(kstrtouint("4294967295", 10, &ui), 0);
	ck_assert_uint_eq(ui, 4294967295u);
	ck_assert_int_eq(kstrtoint("-2147483648", 10, &i), 0);
	ck_assert_int_eq(i, -2147483647 - 1);
	ck_assert_int_eq(kstrtoint("-2147483649", 10, &i), -ERANGE);
	ck_assert_int_eq(kstrtoint("2147483648", 10, &i), -ERANGE);
	ck_assert_int_eq(kstrtoint("-0x10", 0, &i), 0);
	ck_assert_int_eq(i, -16);
	ck_assert_int_eq(kstrtoint("--1", 0, &i), -EINVAL);
	ck_assert_int_eq(kstrtoint("-+1", 0, &i), -EINVAL);  /* found by fuzzing */
}
END_TEST

START_TEST(streq_newline)
{
	ck_assert(sysfs_streq("on", "on"));
	ck_assert(sysfs_streq("on\n", "on"));
	ck_assert(sysfs_streq("on", "on\n"));
	ck_assert(!sysfs_streq("on\n\n", "on"));
	ck_assert(!sysfs_streq("o", "on"));
	ck_assert(!sysfs_streq("on ", "on"));
}
END_TEST

/* The backends' argument helpers. */
START_TEST(backend_args)
{
	static const char *const keys[] = { "count", "board", NULL };
	struct mdevfs_args *t;
	unsigned int n = 7;

	t = mdevfs_args_parse("x", NULL, keys);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(mdevfs_arg_str(t, "count"));
	ck_assert_ptr_null(mdevfs_arg_str(t, "board"));
	ck_assert_int_eq(mdevfs_arg_uint(t, "count", 1, 9, &n), 0);
	ck_assert_uint_eq(n, 7);  /* absent: left alone */
	mdevfs_args_free(t);
	t = mdevfs_args_parse("x", "", keys);
	ck_assert_ptr_null(mdevfs_arg_str(t, "count"));
	mdevfs_args_free(t);
	t = mdevfs_args_parse("x", "count=3;board=t4", keys);
	ck_assert_str_eq(mdevfs_arg_str(t, "board"), "t4");
	ck_assert_int_eq(mdevfs_arg_uint(t, "count", 1, 9, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(mdevfs_arg_uint(t, "count", 4, 9, &n), -EINVAL);
	mdevfs_args_free(t);
	mdevfs_args_free(NULL);
	ck_assert_ptr_null(mdevfs_arg_str(NULL, "count"));
	ck_assert_ptr_null(mdevfs_args_parse("x", "count", keys));
	ck_assert_ptr_null(mdevfs_args_parse("x", "size=1", keys));
	ck_assert_ptr_null(mdevfs_args_parse("x", "count=1,count=2", keys));
	ck_assert_ptr_null(mdevfs_args_parse("x", "count=1,", keys));
	for (const char *const *bad = (const char *const[]){ "", "+1", "0x1",
							     " 1", "1 ", NULL };
	     *bad; bad++) {
		g_autofree char *arg = g_strdup_printf("count=%s", *bad);

		t = mdevfs_args_parse("x", arg, keys);
		ck_assert_int_eq(mdevfs_arg_uint(t, "count", 0, 9, &n), -EINVAL);
		mdevfs_args_free(t);
	}
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = unit_tcase(s, "uuid");

	tcase_add_test(tc, uuid_36_bytes);
	tcase_add_test(tc, uuid_37_newline);
	tcase_add_test(tc, uuid_37_any_last_byte);
	tcase_add_test(tc, uuid_uppercase_and_mixed);
	tcase_add_test(tc, uuid_wrong_lengths);
	tcase_add_test(tc, uuid_braces);
	tcase_add_test(tc, uuid_no_dashes);
	tcase_add_test(tc, uuid_leading_space);
	tcase_add_test(tc, uuid_bad_characters);
	tcase_add_test(tc, uuid_nul_inside);
	tcase_add_test(tc, uuid_page_sized_buffer);

	tc = unit_tcase(s, "ulong");
	tcase_add_test(tc, ulong_accepts);
	tcase_add_test(tc, ulong_rejects);
	tcase_add_test(tc, ulong_overflow);
	tcase_add_test(tc, ulong_embedded_nul);
	tcase_add_test(tc, ulong_count_limits);

	tc = unit_tcase(s, "exported");
	tcase_add_test(tc, kstrto_bases);
	tcase_add_test(tc, streq_newline);
	tcase_add_test(tc, backend_args);
	return s;
}

int main(void)
{
	return run_suite(parse_suite());
}
