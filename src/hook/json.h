/* SPDX-License-Identifier: MIT */
/*
 * A small, bounded JSON reader for what an OCI runtime hands a hook: the
 * container state on stdin and the bundle's config.json.  Values are
 * read whole into a tree; only what the hook needs can be looked up.
 */
#ifndef MDEVFS_HOOK_JSON_H
#define MDEVFS_HOOK_JSON_H

#include <stddef.h>

#include <glib.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
		 JSON_OBJECT };

struct json {
	enum json_type type;
	char *str;              /* JSON_STRING (UTF-8, no NUL inside) */
	double num;             /* JSON_NUMBER */
	gboolean boolean;       /* JSON_BOOL */
	GPtrArray *keys;        /* JSON_OBJECT: char * */
	GPtrArray *items;       /* JSON_OBJECT values, JSON_ARRAY items */
};

#define JSON_MAX_DEPTH 64

/* Parses text[0..len); NULL with *error set on any fault. */
struct json *json_parse(const char *text, size_t len, GError **error);
void json_free(struct json *v);
typedef struct json JsonValue;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonValue, json_free)

/* The member key of an object, or NULL (also when v is no object). */
const struct json *json_get(const struct json *v, const char *key);
/* The string member key, or NULL if absent or not a string. */
const char *json_get_string(const struct json *v, const char *key);

#endif
