// SPDX-License-Identifier: MIT
#include "sysfs_log.h"

#include <string.h>

/* The steps that say nothing but that they happened, when they are the
 * owner's: a bit each instead of a step. */
static const enum mdev_event_type bare[] = {
	MDEV_EVENT_DEVICE_ADD, MDEV_EVENT_REMOVE_FILE_ADD, MDEV_EVENT_MDEV_LINK,
};

/* Shared by a directory's set entry and its node (when made), and by
 * those of the device's IOMMU group: each holds a reference.  The steps
 * are exactly as many as there are: one log per device, and it changes
 * only when the device does. */
struct build_log {
	struct sysfs_tree *tree;
	struct device *owner;       /* whose directory it builds */
	guint refs, len;
	guint bare_done;            /* a bit per bare[] step of the owner */
	struct build_step *steps;   /* the others, in the order announced */
};

/* The owner's bare steps come first (in the order the core announces
 * them); none of the builders depends on the order of the others. */
static void log_fill(void *obj)
{
	struct build_log *log = obj;

	for (guint i = 0; i < G_N_ELEMENTS(bare); i++)
		if (log->bare_done & (1u << i))
			sysfs_tree_build(log->tree, &(struct build_step){
				.type = bare[i], .dev = log->owner });
	for (guint i = 0; i < log->len; i++)
		sysfs_tree_build(log->tree, &log->steps[i]);
}

/* The bit of step if it is one of the owner's bare steps, else 0. */
static guint bare_bit(const struct build_log *log, const struct build_step *step)
{
	if (step->dev != log->owner)
		return 0;
	for (guint i = 0; i < G_N_ELEMENTS(bare); i++)
		if (step->type == bare[i])
			return 1u << i;
	return 0;
}

static void log_hold(void *obj)
{
	((struct build_log *)obj)->refs++;
}

void build_log_unref(struct build_log *log)
{
	if (--log->refs > 0)
		return;
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

struct build_log *build_log_new(struct sysfs_tree *tree, struct device *owner)
{
	struct build_log *log = g_new0(struct build_log, 1);

	log->tree = tree;
	log->owner = owner;
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
	guint bit = bare_bit(log, step);

	if (bit) {
		log->bare_done |= bit;
		return;
	}
	log_resize(log, log->len + 1);
	log->steps[log->len - 1] = *step;
	/* Link names are a handful ("device", "physfn", "virtfnN"): one copy
	 * each for all devices. */
	if (step->type == MDEV_EVENT_LINK_ADD)
		log->steps[log->len - 1].name = g_intern_string(step->name);
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

	/* All of the owner's steps, or one bare kind of them. */
	if (step->dev == log->owner)
		log->bare_done &= step->type == MDEV_EVENT_DEVICE_ADD
					  ? 0 : ~bare_bit(log, step);

	for (guint i = 0; i < log->len; i++)
		if (!matches(&log->steps[i], step))
			log->steps[kept++] = log->steps[i];
	log_resize(log, kept);
}
