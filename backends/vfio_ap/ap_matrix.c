// SPDX-License-Identifier: MIT
#include "ap_matrix.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdevfs/mdev.h"

#define AP_BYTES (AP_IDS / 8)
/* "0x", 64 digits and a separator: an ap_config write is cut to three. */
#define AP_MASK_TEXT (2 + AP_IDS / 4 + 1)
#define AP_CONFIG_TEXT (3 * AP_MASK_TEXT)

/* ------------------------------------------------------------------ */
/* Masks and APQN sets                                                 */

bool ap_test(const struct ap_bits *m, unsigned int id)
{
	return id < AP_IDS && (m->b[id / 8] & (0x80u >> (id % 8)));
}

void ap_assign(struct ap_bits *m, unsigned int id, bool on)
{
	unsigned char bit = (unsigned char)(0x80u >> (id % 8));

	if (id >= AP_IDS)
		return;
	if (on)
		m->b[id / 8] |= bit;
	else
		m->b[id / 8] &= (unsigned char)~bit;
}

bool ap_meets(const struct ap_bits *a, const struct ap_bits *b)
{
	for (size_t i = 0; i < AP_BYTES; i++)
		if (a->b[i] & b->b[i])
			return true;
	return false;
}

int ap_highest(const struct ap_bits *m)
{
	for (int id = AP_IDS - 1; id >= 0; id--)
		if (ap_test(m, (unsigned int)id))
			return id;
	return -1;
}

bool ap_bits_equal(const struct ap_bits *a, const struct ap_bits *b)
{
	return memcmp(a->b, b->b, AP_BYTES) == 0;
}

bool ap_apqns_hit(const struct ap_apqns *set, const struct ap_bits *apm,
		  const struct ap_bits *aqm)
{
	for (unsigned int a = 0; a < AP_IDS; a++)
		if (ap_test(apm, a) && ap_meets(&set->queues[a], aqm))
			return true;
	return false;
}

void ap_apqns_ids(const struct ap_apqns *set, struct ap_bits *apm,
		  struct ap_bits *aqm)
{
	memset(apm, 0, sizeof(*apm));
	memset(aqm, 0, sizeof(*aqm));
	for (unsigned int a = 0; a < AP_IDS; a++) {
		const struct ap_bits *q = &set->queues[a];

		if (ap_highest(q) >= 0)
			ap_assign(apm, a, true);
		for (size_t i = 0; i < AP_BYTES; i++)
			aqm->b[i] |= q->b[i];
	}
}

/* Whether every id of sub is in super. */
static bool ap_within(const struct ap_bits *sub, const struct ap_bits *super)
{
	for (size_t i = 0; i < AP_BYTES; i++)
		if (sub->b[i] & ~super->b[i])
			return false;
	return true;
}

void ap_guest_matrix(const struct ap_matrix *m, const struct ap_apqns *bound,
		     const struct ap_bits *host_apm, const struct ap_bits *host_aqm,
		     struct ap_bits *apm, struct ap_bits *aqm)
{
	for (size_t i = 0; i < AP_BYTES; i++) {
		apm->b[i] = m->apm.b[i] & host_apm->b[i];
		aqm->b[i] = m->aqm.b[i] & host_aqm->b[i];
	}
	if (!bound)
		return;
	for (unsigned int a = 0; a < AP_IDS; a++)
		if (ap_test(apm, a) && !ap_within(aqm, &bound->queues[a]))
			ap_assign(apm, a, false);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/* A digit's value, or 99 for anything that is not a digit. */
static unsigned int digit_value(char c)
{
	return g_ascii_isxdigit(c) ? (unsigned int)g_ascii_xdigit_value(c) : 99;
}

/* 1..max_len hex digits, a value below AP_IDS. */
static bool parse_id(const char *text, size_t max_len, unsigned int *id)
{
	size_t len = strlen(text);

	if (len == 0 || len > max_len)
		return false;
	*id = 0;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isxdigit(text[i]))
			return false;
		*id = *id * 16 + digit_value(text[i]);
	}
	return *id < AP_IDS;
}

bool ap_parse_apqn(const char *text, unsigned int *apid, unsigned int *apqi)
{
	g_auto(GStrv) parts = g_strsplit(text, ".", -1);

	return g_strv_length(parts) == 2 && parse_id(parts[0], 2, apid) &&
	       parse_id(parts[1], 4, apqi);
}

/*
 * One mask of an ap_config write: "0x" or "x" may lead, then up to 64 hex
 * digits, the first one for ids 0-3; ids not written are not set.
 */
static int parse_mask(const char *s, size_t len, struct ap_bits *out)
{
	unsigned int nibble = 0;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (len >= 2 && s[0] == '0' && s[1] == 'x')
		i = 2;
	else if (len >= 1 && s[0] == 'x')
		i = 1;
	for (; i < len && g_ascii_isxdigit(s[i]) && nibble < AP_IDS / 4;
	     i++, nibble++) {
		unsigned int v = digit_value(s[i]);

		out->b[nibble / 2] |= (unsigned char)(nibble % 2 ? v : v << 4);
	}
	return i == len ? 0 : -EINVAL;
}

/* Where the field starting at `at` ends: a ',' or '\n', or len. */
static size_t field_end(const char *s, size_t at, size_t len)
{
	while (at < len && s[at] != ',' && s[at] != '\n')
		at++;
	return at;
}

/*
 * Fields are split at ',' and '\n' and the text is cut to three full
 * masks; anything after the third field is not looked at.
 */
int ap_parse_config(const char *buf, size_t count, struct ap_matrix *out)
{
	struct ap_bits *masks[] = { &out->apm, &out->aqm, &out->adm };
	size_t len = strnlen(buf, MIN(count, (size_t)AP_CONFIG_TEXT));
	size_t at = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(masks); i++) {
		size_t end;

		if (at > len)  /* the text ran out before this field */
			return -EINVAL;
		end = field_end(buf, at, len);
		if (parse_mask(buf + at, end - at, masks[i]))
			return -EINVAL;
		at = end + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Show texts                                                          */

/* Append to a show buffer like sysfs_emit_at(): what does not fit is cut. */
static void emit_at(char *buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emit_at(char *buf, size_t *len, const char *fmt, ...)
{
	size_t room = MDEVFS_ATTR_BUF_SIZE - *len;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += MIN((size_t)n, room - 1);
}

enum id_line {
	LINE_ADAPTER,  /* "05." */
	LINE_DOMAIN,   /* ".0004" */
	LINE_CONTROL,  /* "0004" */
};

/* One line per id of m. */
static void emit_ids(char *buf, size_t *len, const struct ap_bits *m,
		     enum id_line kind)
{
	for (unsigned int id = 0; id < AP_IDS; id++) {
		if (!ap_test(m, id))
			continue;
		if (kind == LINE_ADAPTER)
			emit_at(buf, len, "%02x.\n", id);
		else if (kind == LINE_DOMAIN)
			emit_at(buf, len, ".%04x\n", id);
		else
			emit_at(buf, len, "%04x\n", id);
	}
}

ssize_t ap_show_matrix(char *buf, const struct ap_bits *apm,
		       const struct ap_bits *aqm)
{
	bool adapters = ap_highest(apm) >= 0, domains = ap_highest(aqm) >= 0;
	size_t len = 0;

	buf[0] = '\0';
	if (adapters && domains) {
		for (unsigned int a = 0; a < AP_IDS; a++)
			for (unsigned int d = 0; ap_test(apm, a) && d < AP_IDS; d++)
				if (ap_test(aqm, d))
					emit_at(buf, &len, "%02x.%04x\n", a, d);
	} else if (adapters) {
		emit_ids(buf, &len, apm, LINE_ADAPTER);
	} else if (domains) {
		emit_ids(buf, &len, aqm, LINE_DOMAIN);
	}
	return (ssize_t)len;
}

ssize_t ap_show_domains(char *buf, const struct ap_bits *adm)
{
	size_t len = 0;

	buf[0] = '\0';
	emit_ids(buf, &len, adm, LINE_CONTROL);
	return (ssize_t)len;
}

ssize_t ap_show_config(char *buf, const struct ap_matrix *m)
{
	const struct ap_bits *masks[] = { &m->apm, &m->aqm, &m->adm };
	size_t len = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(masks); i++) {
		emit_at(buf, &len, "0x");
		for (size_t j = 0; j < AP_BYTES; j++)
			emit_at(buf, &len, "%02x", (unsigned int)masks[i]->b[j]);
		emit_at(buf, &len, "%c", i + 1 < G_N_ELEMENTS(masks) ? ',' : '\n');
	}
	return (ssize_t)len;
}
