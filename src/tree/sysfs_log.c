// SPDX-License-Identifier: MIT
#include "sysfs_log.h"

#include <string.h>

struct build_log {
	struct sysfs_tree *tree;
	GArray *steps;      /* struct build_step, in the order announced */
};

static void log_fill(void *obj)
{
	struct build_log *log = obj;

	for (guint i = 0; i < log->steps->len; i++)
		sysfs_tree_build(log->tree,
				 &g_array_index(log->steps, struct build_step, i));
}

static void step_clear(gpointer data)
{
	struct build_step *step = data;

	g_free((char *)step->name);
}

static void log_release(void *obj)
{
	struct build_log *log = obj;

	g_array_free(log->steps, TRUE);
	g_free(log);
}

static const struct node_source log_source = {
	.fill = log_fill,
	.release = log_release,
};

void build_log_attach(struct sysfs_tree *tree, struct node *dir)
{
	struct build_log *log = g_new(struct build_log, 1);

	log->tree = tree;
	log->steps = g_array_sized_new(FALSE, FALSE, sizeof(struct build_step), 4);
	g_array_set_clear_func(log->steps, step_clear);
	node_set_source(dir, &log_source, log);
}

void build_log_add(struct node *dir, const struct build_step *step)
{
	struct build_log *log = dir->source_obj;
	struct build_step copy = *step;

	copy.name = g_strdup(step->name);
	g_array_append_val(log->steps, copy);
}

static bool matches(const struct build_step *have, const struct build_step *like)
{
	if (have->dev != like->dev)
		return false;
	if (like->type == MDEV_EVENT_DEVICE_ADD)
		return true;
	return have->type == like->type && (!like->arg || have->arg == like->arg) &&
	       (!like->name || g_strcmp0(have->name, like->name) == 0);
}

void build_log_drop(struct node *dir, const struct build_step *step)
{
	struct build_log *log = dir->source_obj;

	for (guint i = log->steps->len; i-- > 0;)
		if (matches(&g_array_index(log->steps, struct build_step, i), step))
			g_array_remove_index(log->steps, i);
}
