// SPDX-License-Identifier: MIT
/* Backend argument parsing shared by the backends (see mdev.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "mdevfs/mdev.h"
#include "plugin.h"

/* One line "BACKEND: WHAT 'WORD'", the word escaped to stay on it. */
static void complain(const char *backend, const char *what, const char *word)
{
	g_autofree char *shown = g_strescape(word, NULL);

	mdev_backend_say("%s: %s '%s'", backend, what, shown);
}

GHashTable *mdevfs_args_parse(const char *backend, const char *args,
			      const char *const *keys)
{
	GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal,
						  g_free, g_free);
	g_auto(GStrv) words = g_strsplit_set(args ? args : "", ",;", -1);

	for (char **w = words; *w; w++) {
		const char *eq = strchr(*w, '=');
		g_autofree char *key = eq ? g_strndup(*w, (gsize)(eq - *w)) : NULL;

		if (!**w && !w[1] && w == words)
			break;  /* no arguments at all */
		if (!key) {
			complain(backend, "not KEY=VALUE:", *w);
			goto bad;
		}
		if (!g_strv_contains(keys, key)) {
			complain(backend, "unknown argument", key);
			goto bad;
		}
		if (g_hash_table_contains(table, key)) {
			complain(backend, "argument given twice:", key);
			goto bad;
		}
		g_hash_table_insert(table, g_steal_pointer(&key), g_strdup(eq + 1));
	}
	return table;
bad:
	g_hash_table_destroy(table);
	return NULL;
}

int mdevfs_arg_uint(const char *backend, GHashTable *args, const char *key,
		    unsigned int min, unsigned int max, unsigned int *value)
{
	const char *text = g_hash_table_lookup(args, key);
	unsigned long n = 0;

	if (!text)
		return 0;
	/* Plain decimal digits only: no sign, blank or 0x. */
	for (const char *p = text; *p; p++)
		if (!g_ascii_isdigit(*p))
			goto bad;
	if (!*text || kstrtoul(text, 10, &n) || n < min || n > max)
		goto bad;
	*value = (unsigned int)n;
	return 0;
bad:
	mdev_backend_say("%s: %s must be a number from %u to %u (got '%s')",
			 backend, key, min, max, text);
	return -EINVAL;
}
