// SPDX-License-Identifier: MIT
/*
 * Line numbers for a key file.  The syntax is GKeyFile's own: a text that
 * GKeyFile refuses is cut at ever shorter line boundaries (a GKeyFile
 * parse fails at the first bad line, so the failure is monotonic in the
 * prefix length) until the first line that makes it fail is found.
 */
#include "scan.h"

#include <string.h>

#define SHOWN_MAX 40
/* Keep name[fr] and the like, so that they are refused as unknown keys
 * instead of being dropped for not matching the locale. */
#define KEY_FILE_FLAGS G_KEY_FILE_KEEP_TRANSLATIONS

/* Offsets just past the end of each line (the '\n' or the text end). */
static GArray *line_ends(const char *text, gsize len)
{
	GArray *ends = g_array_new(FALSE, FALSE, sizeof(gsize));

	for (gsize i = 0; i < len; i++)
		if (text[i] == '\n') {
			gsize end = i + 1;

			g_array_append_val(ends, end);
		}
	if (len && text[len - 1] != '\n')
		g_array_append_val(ends, len);
	return ends;
}

static gboolean prefix_parses(const char *text, gsize len, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();

	return g_key_file_load_from_data(kf, text, len, KEY_FILE_FLAGS, error);
}

/* The line as a reader would recognise it: trimmed and cut short. */
static char *shown_line(const char *text, gsize start, gsize end)
{
	g_autofree char *raw = g_strndup(text + start, end - start);
	g_autofree char *valid = g_utf8_make_valid(g_strstrip(raw), -1);

	if (g_utf8_strlen(valid, -1) <= SHOWN_MAX)
		return g_steal_pointer(&valid);
	*g_utf8_offset_to_pointer(valid, SHOWN_MAX) = '\0';
	return g_strconcat(valid, "...", NULL);
}

static char *explain(const char *shown, const GError *error)
{
	const char *eq = strchr(shown, '=');

	if (shown[0] == '[')
		return g_strdup_printf("malformed group header '%s'", shown);
	if (!eq || eq == shown)
		return g_strdup_printf("'%s' is not a [group] header, a key = value line or a # comment",
				       shown);
	while (eq > shown && g_ascii_isspace(eq[-1]))
		eq--;
	if (g_error_matches(error, G_KEY_FILE_ERROR,
			    G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
		return g_strdup_printf("key '%.*s' comes before the first [group]",
				       (int)(eq - shown), shown);
	return g_strdup(error->message);
}

gboolean kf_scan_parse(GKeyFile *kf, const char *text, gsize len, int *line,
		       char **reason)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) ends = NULL;
	g_autofree char *shown = NULL;
	guint lo = 0, hi;

	if (g_key_file_load_from_data(kf, text, len, KEY_FILE_FLAGS, NULL))
		return TRUE;
	ends = line_ends(text, len);
	hi = ends->len ? ends->len - 1 : 0;
	/* Find the shortest failing prefix: lines 0..lo. */
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (prefix_parses(text, g_array_index(ends, gsize, mid), NULL))
			lo = mid + 1;
		else
			hi = mid;
	}
	prefix_parses(text, ends->len ? g_array_index(ends, gsize, lo) : len,
		      &error);
	if (!error)  /* only the whole text fails: blame its last line */
		prefix_parses(text, len, &error);
	shown = shown_line(text, lo ? g_array_index(ends, gsize, lo - 1) : 0,
			   ends->len ? g_array_index(ends, gsize, lo) : len);
	*line = (int)lo + 1;
	*reason = explain(shown, error);
	return FALSE;
}

/* ------------------------------------------------------------------ */

static char *key_id(const char *group, const char *key)
{
	return g_strconcat(group, "\n", key, NULL);
}

static gboolean note(GHashTable *table, char *id, int line, int *first)
{
	gpointer old = g_hash_table_lookup(table, id);

	if (old) {
		*first = GPOINTER_TO_INT(old);
		g_free(id);
		return FALSE;
	}
	g_hash_table_insert(table, id, GINT_TO_POINTER(line));
	return TRUE;
}

/* GKeyFile's reading of one line: a header's name or a key, else NULL. */
static char *header_name(const char *s)
{
	const char *end = strrchr(s, ']');

	return s[0] == '[' && end ? g_strndup(s + 1, (gsize)(end - s - 1)) : NULL;
}

static char *key_name(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq ? g_strchomp(g_strndup(s, (gsize)(eq - s))) : NULL;
}

static gboolean index_line(struct kf_scan *scan, const char *s, int line,
			   char **group, char **reason)
{
	g_autofree char *name = header_name(s);
	int first = 0;

	if (name) {
		g_free(*group);
		*group = g_strdup(name);
		if (note(scan->groups, g_strdup(name), line, &first))
			return TRUE;
		*reason = g_strdup_printf("duplicate group [%s] (first at line %d)",
					  name, first);
		return FALSE;
	}
	name = key_name(s);
	if (!name || !*group ||
	    note(scan->keys, key_id(*group, name), line, &first))
		return TRUE;
	*reason = g_strdup_printf("duplicate key '%s' in [%s] (first at line %d)",
				  name, *group, first);
	return FALSE;
}

gboolean kf_scan_index(struct kf_scan *scan, const char *text, int *line,
		       char **reason)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *group = NULL;

	scan->groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	scan->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int i = 0; lines[i]; i++) {
		char *s = g_strchug(lines[i]);

		if (!*s || *s == '#')
			continue;
		if (!index_line(scan, s, i + 1, &group, reason)) {
			*line = i + 1;
			return FALSE;
		}
	}
	return TRUE;
}

void kf_scan_clear(struct kf_scan *scan)
{
	g_clear_pointer(&scan->groups, g_hash_table_destroy);
	g_clear_pointer(&scan->keys, g_hash_table_destroy);
}

int kf_scan_group_line(const struct kf_scan *scan, const char *group)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(scan->groups, group));
}

int kf_scan_key_line(const struct kf_scan *scan, const char *group,
		     const char *key)
{
	g_autofree char *id = key_id(group, key);

	return GPOINTER_TO_INT(g_hash_table_lookup(scan->keys, id));
}
