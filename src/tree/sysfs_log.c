// SPDX-License-Identifier: MIT
#include "sysfs_log.h"

#include <string.h>

/* Shared by a directory's set entry and its node (when made), and by
 * those of the device's IOMMU group: each holds a reference.  The steps
 * are exactly as many as there are: one log per device, and it changes
 * only when the device does. */
struct build_log {
	struct sysfs_tree *tree;
	guint refs, len;
	struct build_step *steps;   /* in the order announced */
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

static void log_hold(void *obj)
{
	((struct build_log *)obj)->refs++;
}

void build_log_unref(struct build_log *log)
{
	if (--log->refs > 0)
		return;
	for (guint i = 0; i < log->len; i++)
		step_clear(&log->steps[i]);
	g_free(log->steps);
	g_free(log);
}

static void log_release(void *obj)
{
	build_log_unref(obj);
}

const struct node_source build_log_source = {
	.fill = log_fill,
	.hold = log_hold,
	.release = log_release,
};

struct build_log *build_log_new(struct sysfs_tree *tree)
{
	struct build_log *log = g_new0(struct build_log, 1);

	log->tree = tree;
	log->refs = 1;
	return log;
}

static void log_resize(struct build_log *log, guint len)
{
	log->steps = g_renew(struct build_step, log->steps, len);
	log->len = len;
}

void build_log_add(struct build_log *log, const struct build_step *step)
{
	log_resize(log, log->len + 1);
	log->steps[log->len - 1] = *step;
	if (step->type == MDEV_EVENT_LINK_ADD)
		log->steps[log->len - 1].name = g_strdup(step->name);
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

void build_log_drop(struct build_log *log, const struct build_step *step)
{
	guint kept = 0;

	for (guint i = 0; i < log->len; i++) {
		if (matches(&log->steps[i], step))
			step_clear(&log->steps[i]);
		else
			log->steps[kept++] = log->steps[i];
	}
	log_resize(log, kept);
}
