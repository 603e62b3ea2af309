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

/* The parsed words, and whose they are for the messages. */
struct mdevfs_args {
	char *backend;
	GHashTable *values;  /* key -> value, both owned */
};

void mdevfs_args_free(struct mdevfs_args *args)
{
	if (!args)
		return;
	g_hash_table_destroy(args->values);
	g_free(args->backend);
	g_free(args);
}

/* Add one "KEY=VALUE" word; false after saying what is wrong with it. */
static bool add_word(struct mdevfs_args *a, const char *word,
		     const char *const *keys)
{
	const char *eq = strchr(word, '=');
	g_autofree char *key = eq ? g_strndup(word, (gsize)(eq - word)) : NULL;

	if (!key) {
		complain(a->backend, "not KEY=VALUE:", word);
		return false;
	}
	if (!g_strv_contains(keys, key)) {
		complain(a->backend, "unknown argument", key);
		return false;
	}
	if (g_hash_table_contains(a->values, key)) {
		complain(a->backend, "argument given twice:", key);
		return false;
	}
	g_hash_table_insert(a->values, g_steal_pointer(&key), g_strdup(eq + 1));
	return true;
}

struct mdevfs_args *mdevfs_args_parse(const char *backend, const char *args,
				      const char *const *keys)
{
	struct mdevfs_args *a = g_new0(struct mdevfs_args, 1);
	g_auto(GStrv) words = NULL;

	a->backend = g_strdup(backend ? backend : "backend");
	a->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  g_free);
	if (!args || !*args)
		return a;
	words = g_strsplit_set(args, ",;", -1);
	for (char **w = words; *w; w++)
		if (!add_word(a, *w, keys)) {
			mdevfs_args_free(a);
			return NULL;
		}
	return a;
}

const char *mdevfs_arg_str(const struct mdevfs_args *args, const char *key)
{
	return args ? g_hash_table_lookup(args->values, key) : NULL;
}

int mdevfs_arg_uint(const struct mdevfs_args *args, const char *key,
		    unsigned int min, unsigned int max, unsigned int *value)
{
	const char *text = mdevfs_arg_str(args, key);
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
			 args->backend, key, min, max, text);
	return -EINVAL;
}
