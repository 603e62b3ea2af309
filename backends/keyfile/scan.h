/* SPDX-License-Identifier: MIT */
/*
 * Where things are in a key file.  GKeyFile reports syntax errors without
 * a line number and silently merges a repeated group or key, so the text
 * is scanned once more to find the line of every group header and key and
 * to refuse repetitions.
 */
#ifndef KEYFILE_SCAN_H
#define KEYFILE_SCAN_H

#include <glib.h>

struct kf_scan {
	GHashTable *groups;  /* group name -> line (GINT_TO_POINTER) */
	GHashTable *keys;    /* "group\nkey" -> line */
};

/*
 * Parse text into kf.  On a syntax error, *line is the offending line and
 * *reason says what is wrong with it (g_free); returns FALSE.
 */
gboolean kf_scan_parse(GKeyFile *kf, const char *text, gsize len, int *line,
		       char **reason);

/*
 * Index a text GKeyFile accepted.  A group or key met twice is refused
 * with *line and *reason set; returns FALSE.
 */
gboolean kf_scan_index(struct kf_scan *scan, const char *text, int *line,
		       char **reason);
void kf_scan_clear(struct kf_scan *scan);

/* Line of a group header or of a key in it; 0 if unknown. */
int kf_scan_group_line(const struct kf_scan *scan, const char *group);
int kf_scan_key_line(const struct kf_scan *scan, const char *group,
		     const char *key);

#endif
