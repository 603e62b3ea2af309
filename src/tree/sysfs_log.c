// SPDX-License-Identifier: MIT
#include "sysfs_log.h"

#include <string.h>

/* Exactly as long as its steps: there is one per device, and a log
 * changes only when the device does. */
struct build_log {
	struct sysfs_tree *tree;
	guint len;
	struct build_step steps[];  /* in the order announced */
};

static void log_fill(void *obj)
{
	struct build_log *log = obj;

	for (guint i = 0; i < log->len; i++)
		sysfs_tree_build(log->tree, &log->steps[i]);
}

static void step_clear(struct build_step *step)
{
	if (step->type == MDEV_EVENT_LINK_ADD)
		g_free((char *)step->name);
}

static void log_release(void *obj)
{
	struct build_log *log = obj;

	for (guint i = 0; i < log->len; i++)
		step_clear(&log->steps[i]);
	g_free(log);
}

static const struct node_source log_source = {
	.fill = log_fill,
	.release = log_release,
};

static struct build_log *log_resize(struct build_log *log, guint len)
{
	log = g_realloc(log, sizeof(*log) + len * sizeof(log->steps[0]));
	log->len = len;
	return log;
}

void build_log_attach(struct sysfs_tree *tree, struct node *dir)
{
	struct build_log *log = log_resize(NULL, 0);

	log->tree = tree;
	node_set_source(dir, &log_source, log);
}

void build_log_add(struct node *dir, const struct build_step *step)
{
	struct build_log *log = dir->source_obj;

	log = log_resize(log, log->len + 1);
	log->steps[log->len - 1] = *step;
	if (step->type == MDEV_EVENT_LINK_ADD)
		log->steps[log->len - 1].name = g_strdup(step->name);
	dir->source_obj = log;
}

static bool matches(const struct build_step *have, const struct build_step *like)
{
	if (have->dev != like->dev)
		return false;
	if (like->type == MDEV_EVENT_DEVICE_ADD)
		return true;
	if (have->type != like->type || (like->arg && have->arg != like->arg))
		return false;
	return like->type != MDEV_EVENT_LINK_ADD || !like->name ||
	       strcmp(have->name, like->name) == 0;
}

void build_log_drop(struct node *dir, const struct build_step *step)
{
	struct build_log *log = dir->source_obj;
	guint kept = 0;

	for (guint i = 0; i < log->len; i++) {
		if (matches(&log->steps[i], step))
			step_clear(&log->steps[i]);
		else
			log->steps[kept++] = log->steps[i];
	}
	dir->source_obj = log_resize(log, kept);
}
