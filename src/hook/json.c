// SPDX-License-Identifier: MIT
/*
 * A recursive-descent JSON parser (RFC 8259), bounded in depth; the
 * caller bounds the length.  Strings with a NUL (\u0000) are refused:
 * every string the hook uses is a path, an id or an annotation.
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

struct reader {
	const char *p, *end;
	GError **error;
};

static gboolean fault(struct reader *r, const char *what)
{
	if (r->error && !*r->error)
		g_set_error(r->error, G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
			    "bad JSON: %s", what);
	return FALSE;
}

void json_free(struct json *v)
{
	if (!v)
		return;
	g_free(v->str);
	if (v->keys)
		g_ptr_array_unref(v->keys);
	if (v->items)
		g_ptr_array_unref(v->items);
	g_free(v);
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end && strchr(" \t\r\n", *r->p) && *r->p)
		r->p++;
}

static gboolean literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fault(r, "unknown literal");
	r->p += n;
	return TRUE;
}

static int hex4(struct reader *r)
{
	int v = 0;

	if (r->end - r->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = g_ascii_xdigit_value(r->p[i]);

		if (c < 0)
			return -1;
		v = v * 16 + c;
	}
	r->p += 4;
	return v;
}

static gboolean escape(struct reader *r, GString *s)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at;
	int u, lo;

	if (r->p >= r->end)
		return fault(r, "unterminated string");
	at = strchr(from, *r->p);
	if (*r->p && at) {
		g_string_append_c(s, to[at - from]);
		r->p++;
		return TRUE;
	}
	if (*r->p != 'u')
		return fault(r, "unknown escape");
	r->p++;
	u = hex4(r);
	if (u < 0)
		return fault(r, "bad \\u escape");
	if (u >= 0xd800 && u < 0xdc00) {
		if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
			return fault(r, "lone surrogate");
		r->p += 2;
		lo = hex4(r);
		if (lo < 0xdc00 || lo > 0xdfff)
			return fault(r, "lone surrogate");
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	} else if (u >= 0xdc00 && u < 0xe000) {
		return fault(r, "lone surrogate");
	}
	if (u == 0)
		return fault(r, "NUL in a string");
	g_string_append_unichar(s, (gunichar)u);
	return TRUE;
}

static char *string(struct reader *r)
{
	g_autoptr(GString) s = g_string_new(NULL);

	r->p++;                 /* the opening quote */
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p;

		if (c < 0x20) {
			fault(r, "control character in a string");
			return NULL;
		}
		if (c == '\\') {
			r->p++;
			if (!escape(r, s))
				return NULL;
			continue;
		}
		g_string_append_c(s, (char)c);
		r->p++;
	}
	if (r->p >= r->end) {
		fault(r, "unterminated string");
		return NULL;
	}
	r->p++;
	if (!g_utf8_validate(s->str, s->len, NULL)) {
		fault(r, "a string is not UTF-8");
		return NULL;
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static gboolean number(struct reader *r, double *out)
{
	const char *start = r->p;
	char buf[64];
	char *end;

	while (r->p < r->end && strchr("+-0123456789.eE", *r->p) && *r->p)
		r->p++;
	if (r->p == start || (size_t)(r->p - start) >= sizeof(buf))
		return fault(r, "bad number");
	memcpy(buf, start, r->p - start);
	buf[r->p - start] = '\0';
	*out = g_ascii_strtod(buf, &end);
	if (*end)
		return fault(r, "bad number");
	return TRUE;
}

static struct json *value(struct reader *r, int depth);

static struct json *container(struct reader *r, int depth, gboolean object)
{
	g_autoptr(JsonValue) v = g_new0(struct json, 1);
	char close = object ? '}' : ']';

	v->type = object ? JSON_OBJECT : JSON_ARRAY;
	v->items = g_ptr_array_new_with_free_func((GDestroyNotify)json_free);
	if (object)
		v->keys = g_ptr_array_new_with_free_func(g_free);
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return g_steal_pointer(&v);
	}
	for (;;) {
		struct json *item;

		skip_space(r);
		if (object) {
			char *key;

			if (r->p >= r->end || *r->p != '"') {
				fault(r, "expected a key");
				return NULL;
			}
			key = string(r);
			if (!key)
				return NULL;
			g_ptr_array_add(v->keys, key);
			skip_space(r);
			if (r->p >= r->end || *r->p != ':') {
				fault(r, "expected ':'");
				return NULL;
			}
			r->p++;
		}
		item = value(r, depth + 1);
		if (!item)
			return NULL;
		g_ptr_array_add(v->items, item);
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return g_steal_pointer(&v);
		}
		fault(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
		return NULL;
	}
}

static struct json *value(struct reader *r, int depth)
{
	g_autoptr(JsonValue) v = NULL;

	if (depth > JSON_MAX_DEPTH) {
		fault(r, "nested too deeply");
		return NULL;
	}
	skip_space(r);
	if (r->p >= r->end) {
		fault(r, "unexpected end");
		return NULL;
	}
	switch (*r->p) {
	case '{':
		return container(r, depth, TRUE);
	case '[':
		return container(r, depth, FALSE);
	}
	v = g_new0(struct json, 1);
	switch (*r->p) {
	case '"':
		v->type = JSON_STRING;
		v->str = string(r);
		if (!v->str)
			return NULL;
		break;
	case 't':
	case 'f':
		v->type = JSON_BOOL;
		v->boolean = *r->p == 't';
		if (!literal(r, v->boolean ? "true" : "false"))
			return NULL;
		break;
	case 'n':
		v->type = JSON_NULL;
		if (!literal(r, "null"))
			return NULL;
		break;
	default:
		v->type = JSON_NUMBER;
		if (!number(r, &v->num))
			return NULL;
	}
	return g_steal_pointer(&v);
}

struct json *json_parse(const char *text, size_t len, GError **error)
{
	struct reader r = { .p = text, .end = text + len, .error = error };
	struct json *v = value(&r, 0);

	if (!v)
		return NULL;
	skip_space(&r);
	if (r.p != r.end) {
		fault(&r, "text after the value");
		json_free(v);
		return NULL;
	}
	return v;
}

const struct json *json_get(const struct json *v, const char *key)
{
	if (!v || v->type != JSON_OBJECT)
		return NULL;
	/* The last of duplicate keys wins, as in most readers. */
	for (guint i = v->keys->len; i-- > 0;)
		if (strcmp(v->keys->pdata[i], key) == 0)
			return v->items->pdata[i];
	return NULL;
}

const char *json_get_string(const struct json *v, const char *key)
{
	const struct json *m = json_get(v, key);

	return m && m->type == JSON_STRING ? m->str : NULL;
}
