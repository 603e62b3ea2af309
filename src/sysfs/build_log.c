// SPDX-License-Identifier: MIT
/* Build logs (build_log.h): steps kept, dropped and replayed. */
#include "build_log.h"

#include <stddef.h>
#include <string.h>

static const enum mdev_event_type owned_type[OWN_COUNT] = {
	[OWN_ADD] = MDEV_EVENT_DEVICE_ADD,
	[OWN_REMOVE_FILE] = MDEV_EVENT_REMOVE_FILE_ADD,
	[OWN_TYPE_LINK] = MDEV_EVENT_MDEV_LINK,
	[OWN_GROUPS] = MDEV_EVENT_GROUPS_ADD,
	[OWN_BIND] = MDEV_EVENT_BIND,
	[OWN_CHILD_ADD] = MDEV_EVENT_DEVICE_ADD,
	[OWN_CHILD_LINK] = MDEV_EVENT_LINK_ADD,
};

static struct build_step owned_step(const struct build_log *log,
				    enum owned_step kind)
{
	struct build_step step = { .type = owned_type[kind], .dev = log->owner };

	if (kind == OWN_GROUPS)
		step.arg = log->groups;
	if (kind == OWN_BIND) {
		step.arg = log->driver;
		step.arg2 = log->group;
	}
	if (kind == OWN_CHILD_ADD || kind == OWN_CHILD_LINK)
		step.dev = log->child;
	if (kind == OWN_CHILD_LINK) {
		step.arg = log->link_target;
		step.name = log->link_name;
	}
	return step;
}

/* The tree of log, whose log_source it points to. */
static struct sysfs_tree *log_tree(const struct build_log *log)
{
	return (struct sysfs_tree *)((char *)log->lazy.source -
				     offsetof(struct sysfs_tree, log_source));
}

/* The owner's steps come first, in the order of enum owned_step: no
 * builder depends on the order in which steps are replayed, only on the
 * device's being added first. */
void build_log_replay(struct build_log *log, build_step_fn *carry_out)
{
	struct sysfs_tree *tree = log_tree(log);

	for (guint k = 0; k < OWN_COUNT; k++)
		if (log->owned & (1u << k)) {
			struct build_step step = owned_step(log, k);

			carry_out(tree, &step);
		}
	for (guint i = 0; i < log->len; i++)
		carry_out(tree, &log->steps[i]);
}

/* Which owned step step is, or OWN_COUNT.  A device added inside the
 * owner's directory is the child if there is none yet. */
static enum owned_step owned_kind(const struct build_log *log,
				  const struct build_step *step)
{
	bool child_free = !(log->owned & (1u << OWN_CHILD_ADD));

	if (step->dev != log->owner) {
		if (step->type == MDEV_EVENT_DEVICE_ADD &&
		    (child_free || step->dev == log->child))
			return OWN_CHILD_ADD;
		if (step->type == MDEV_EVENT_LINK_ADD && !child_free &&
		    step->dev == log->child)
			return OWN_CHILD_LINK;
		return OWN_COUNT;
	}
	for (guint k = 0; k < OWN_CHILD_ADD; k++)
		if (step->type == owned_type[k])
			return k;
	return OWN_COUNT;
}

void build_log_ref(struct build_log *log)
{
	log->refs++;
}

void build_log_unref(struct build_log *log)
{
	if (--log->refs > 0)
		return;
	g_free(log->steps);
	g_free(log);
}

void build_log_init(struct build_log *log, struct sysfs_tree *tree,
		    struct device *owner)
{
	*log = (struct build_log){ .lazy.source = &tree->log_source,
				   .owner = owner, .refs = 1 };
}

static void log_resize(struct build_log *log, guint len)
{
	log->steps = g_renew(struct build_step, log->steps, len);
	log->len = len;
}

void build_log_add(struct build_log *log, const struct build_step *step)
{
	enum owned_step kind = owned_kind(log, step);

	/* A second one of a kind (a second group of files) is a step. */
	if (kind < OWN_COUNT && !(log->owned & (1u << kind))) {
		log->owned |= 1u << kind;
		if (kind == OWN_GROUPS)
			log->groups = step->arg;
		if (kind == OWN_BIND) {
			log->driver = step->arg;
			log->group = step->arg2;
		}
		if (kind == OWN_CHILD_ADD)
			log->child = step->dev;
		if (kind == OWN_CHILD_LINK) {
			log->link_target = step->arg;
			log->link_name = g_intern_string(step->name);
		}
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
	enum owned_step kind = owned_kind(log, step);
	guint kept = 0;

	/* All of the owner's steps, or all of the child's, or the one of a
	 * kind that matches. */
	if (kind == OWN_ADD) {
		log->owned = 0;
	} else if (kind == OWN_CHILD_ADD) {
		log->owned &= ~(1u << OWN_CHILD_ADD | 1u << OWN_CHILD_LINK);
	} else if (kind < OWN_COUNT && (log->owned & (1u << kind))) {
		struct build_step have = owned_step(log, kind);

		if (matches(&have, step))
			log->owned &= ~(1u << kind);
	}

	for (guint i = 0; i < log->len; i++)
		if (!matches(&log->steps[i], step))
			log->steps[kept++] = log->steps[i];
	log_resize(log, kept);
}
