// SPDX-License-Identifier: MIT
/*
 * Starting up: libfuse's messages kept until the start succeeds or fails
 * (then folded into one "mdevfs: ..." line), and the checks of the mount
 * point made before anything is mounted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "fs.h"
#include "startup.h"

/*
 * libfuse's own error messages while starting ("fuse: bad mount point
 * ...", "fuse: mount failed: ...") are kept here and folded into the one
 * line mdevfs prints when the start fails; once mounted, libfuse logs as
 * usual again (-d needs that).  NULL when not capturing.
 */
static GPtrArray *startup_log;

static void capture_fuse_log(enum fuse_log_level level, const char *fmt,
			     va_list ap) G_GNUC_PRINTF(2, 0);

static void capture_fuse_log(enum fuse_log_level level, const char *fmt,
			     va_list ap)
{
	char *msg;

	if (!startup_log || level > FUSE_LOG_ERR) {
		vfprintf(stderr, fmt, ap);
		return;
	}
	msg = g_strdup_vprintf(fmt, ap);
	g_strchomp(msg);
	if (*msg)
		g_ptr_array_add(startup_log, msg);
	else
		g_free(msg);
}

void startup_log_begin(void)
{
	startup_log = g_ptr_array_new_with_free_func(g_free);
	fuse_set_log_func(capture_fuse_log);
}

void startup_log_end(bool flush)
{
	if (!startup_log)
		return;
	fuse_set_log_func(NULL);
	for (guint i = 0; flush && i < startup_log->len; i++)
		fprintf(stderr, "%s\n", (char *)startup_log->pdata[i]);
	g_ptr_array_free(startup_log, TRUE);
	startup_log = NULL;
}

bool startup_log_said(void)
{
	return startup_log && startup_log->len;
}

/* What libfuse said, on one line without its "fuse: "; NULL if nothing. */
static char *startup_reason(void)
{
	GString *text;

	if (!startup_log || !startup_log->len)
		return NULL;
	text = g_string_new(NULL);
	for (guint i = 0; i < startup_log->len; i++) {
		const char *msg = startup_log->pdata[i];

		if (g_str_has_prefix(msg, "fuse: "))
			msg += 6;
		if (i)
			g_string_append(text, "; ");
		g_string_append(text, msg);
	}
	g_strdelimit(text->str, "\n", ' ');
	return g_string_free(text, FALSE);
}

void startup_failed(const char *fmt, ...)
{
	g_autofree char *what = NULL;
	g_autofree char *reason = startup_reason();
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "mdevfs: %s%s%s\n", what, reason ? ": " : "",
		reason ? reason : "");
	startup_log_end(false);
}

void startup_failed_log(const char *fallback)
{
	g_autofree char *reason = startup_reason();

	fprintf(stderr, "mdevfs: %s\n", reason ? reason : fallback);
	startup_log_end(false);
}

/* "\040" and the like in a /proc/self/mountinfo path, decoded in place. */
static void mountinfo_unescape(char *s)
{
	char *w = s;

	for (; *s; s++, w++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				    (s[3] - '0'));
			s += 3;
		} else {
			*w = *s;
		}
	}
	*w = '\0';
}

/* Whether the topmost mount at dir (a real path) is an mdevfs. */
static bool mdevfs_mounted_at(const char *dir)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	bool found = false;

	if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
		return false;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", -1);
		guint n = g_strv_length(f), sep;

		if (n < 7)
			continue;
		for (sep = 6; sep < n && strcmp(f[sep], "-") != 0; sep++)
			;
		if (sep + 1 >= n)
			continue;
		mountinfo_unescape(f[4]);
		/* Later lines are mounted on top of earlier ones. */
		if (strcmp(f[4], dir) == 0)
			found = strcmp(f[sep + 1], "fuse.mdevfs") == 0;
	}
	return found;
}

/* The rules are in startup.h. */
bool check_mountpoint(const char *dir)
{
	struct stat st;
	struct statfs sfs;
	bool mdevfs;

	if (stat(dir, &st) != 0) {
		if (errno == ENOTCONN)
			goto dead;
		fprintf(stderr, "mdevfs: bad mount point %s: %s\n", dir,
			g_strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mdevfs: bad mount point %s: %s\n", dir,
			g_strerror(ENOTDIR));
		return false;
	}
	mdevfs = mdevfs_mounted_at(dir);
	if (statfs(dir, &sfs) != 0 && errno == ENOTCONN)
		goto dead;
	if (mdevfs) {
		fprintf(stderr, "mdevfs: %s is already mounted by a running "
			"mdevfs\n", dir);
		return false;
	}
	return true;
dead:
	fprintf(stderr, "mdevfs: %s is a FUSE mount whose daemon is gone "
		"(unmount it first: fusermount3 -u %s)\n", dir, dir);
	return false;
}
