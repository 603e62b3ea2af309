// SPDX-License-Identifier: MIT
/*
 * The mdevs the tree shows, one record each, and the directories that
 * list them read from the records (owner-kept sets, kernfs.h): the
 * bus's devices/, each type's devices/, each driver's directory, each
 * parent's directory of device directories, kernel/iommu_groups and
 * class/vfio-dev.  A record costs about as much as one entry and index
 * slot of a set of the tree's own, and stands for six of them, and it
 * holds the log that builds its mdev's directory.  It holds what the
 * events said (the driver of a binding, whether the vfio-dev is there),
 * never what the core has now, so a listing agrees with the
 * announcements; the group and vfio-dev it lists are its mdev's, whose
 * id and minor stay as they are while announced.  With the node tree
 * locked.
 */
#include "sysfs_priv.h"
#include "pos.h"

#include <string.h>

/*
 * A number stands for one node the kernel may hold, so a name that comes
 * back gets a new one: the bus's, the type's and the parent's come with
 * the record (an mdev is linked to its type once), the driver's, the
 * group's and the vfio-dev's with each binding.
 */
struct mdev_record {
	/* Builds its directory.  First: the directory's nodes and entries
	 * hold the log, and the last reference frees the record. */
	struct build_log log;
	/* The driver it is bound to; its group is its mdev's while bound. */
	const void *driver;
	uint64_t ino;                   /* + enum sysfs_listing: bus, type, parent */
	uint64_t bind_ino;              /* + enum binding_number */
	/* Its readdir position in index->records (pos.h), beside
	 * two flags in one word: there is a record per mdev. */
	uint64_t pos : 62;
	uint64_t linked : 1;            /* in its type's devices/ */
	uint64_t has_vfio : 1;          /* its mdev's vfio-dev is listed */
};

/* A slot of index->records: the record's position, and the record (NULL
 * for a hole). */
struct record_slot {
	struct node_pos_head head;
};

static struct mdev_device *record_mdev(const struct mdev_record *rec)
{
	return to_mdev_device(rec->log.owner);
}

/* A bound mdev's group and vfio-dev are parts of it. */
static const struct iommu_group *record_group(const struct mdev_record *rec)
{
	return rec->driver ? &record_mdev(rec)->iommu : NULL;
}

static const struct vfio_dev *record_vfio(const struct mdev_record *rec)
{
	return rec->has_vfio ? &record_mdev(rec)->vfio : NULL;
}

/* The numbers of a binding, taken by the first of its two announcements:
 * the vfio-dev (made by the VFIO registration in probe), or the binding. */
enum binding_number { BIND_DRIVER, BIND_GROUP, BIND_VFIO, BIND_NUMBERS };

/* One listing directory: which records, and how many. */
struct listing_view {
	struct sysfs_index *index;
	enum sysfs_listing kind;
	const void *key;   /* the type, driver or parent; NULL otherwise */
	guint count;
	bool attached;     /* a directory lists from it */
};

struct sysfs_index {
	struct sysfs_tree *tree;
	/* struct record_slot, by position: the bus, type, driver and
	 * parent directories list in this order, and resume by position. */
	struct node_pos_array records;
	/* The records, hashed by their mdev's name: a set of records
	 * (the name is inside) costs less per slot than a map. */
	GHashTable *by_name;
	GPtrArray *by_group;      /* IOMMU group id -> record, or NULL */
	GPtrArray *by_minor;      /* vfio-dev minor -> record, or NULL */
	GHashTable *views;        /* key -> struct listing_view */
	struct listing_view bus, groups, vfio;
	/* dir_listing, naming the tree's log source. */
	struct node_set_ops dir_listing;
};

static bool lists(const struct listing_view *view,
		  const struct mdev_record *rec)
{
	switch (view->kind) {
	case SYSFS_LIST_BUS:
		return true;
	case SYSFS_LIST_TYPE:
		return rec->linked && record_mdev(rec)->type == view->key;
	case SYSFS_LIST_DRIVER:
		return rec->driver && rec->driver == view->key;
	case SYSFS_LIST_PARENT:
		return record_mdev(rec)->type->parent == view->key;
	case SYSFS_LIST_GROUPS:
		return rec->driver != NULL;
	case SYSFS_LIST_VFIO:
		return rec->has_vfio;
	default:
		return false;
	}
}

static void fill_entry(const struct listing_view *view,
		       const struct mdev_record *rec, struct node_set_entry *e)
{
	*e = (struct node_set_entry){
		.name = record_mdev(rec)->dev.name,
		.target = record_mdev(rec)->dev.devpath,
		.ino = rec->ino + view->kind,
		.pos = rec->pos,
	};
	if (view->kind == SYSFS_LIST_PARENT || view->kind == SYSFS_LIST_GROUPS) {
		e->target = NULL;
		e->obj = (void *)&rec->log;
	}
	if (view->kind == SYSFS_LIST_DRIVER)
		e->ino = rec->bind_ino + BIND_DRIVER;
	if (view->kind == SYSFS_LIST_GROUPS) {
		e->name = record_group(rec)->name;
		e->ino = rec->bind_ino + BIND_GROUP;
		e->pos = (uint64_t)record_group(rec)->id;
	}
	if (view->kind == SYSFS_LIST_VFIO) {
		e->name = record_vfio(rec)->dev.name;
		e->target = record_vfio(rec)->dev.devpath;
		e->ino = rec->bind_ino + BIND_VFIO;
		e->pos = record_vfio(rec)->minor;
	}
}

/* The records by number (group id, vfio-dev minor) that a view lists by
 * position, or NULL if it lists from index->records.  A number stays its
 * entry's while the entry exists, which is all a position has to do
 * (pos.h). */
static GPtrArray *by_number(const struct listing_view *view)
{
	if (view->kind == SYSFS_LIST_GROUPS)
		return view->index->by_group;
	if (view->kind == SYSFS_LIST_VFIO)
		return view->index->by_minor;
	return NULL;
}

static struct mdev_record *slot_record(const struct sysfs_index *index,
				       guint i)
{
	const struct record_slot *slot = node_pos_at(&index->records, i);

	return (struct mdev_record *)slot->head.item;
}

static const char *record_name(gconstpointer rec)
{
	return ((const struct mdev_record *)rec)->log.owner->name;
}

static guint record_hash(gconstpointer rec)
{
	return g_str_hash(record_name(rec));
}

static gboolean record_equal(gconstpointer a, gconstpointer b)
{
	return strcmp(record_name(a), record_name(b)) == 0;
}

/* A lookup asks with a stand-in whose owner has the name. */
static struct mdev_record *record_by_name(struct sysfs_index *index,
					  const char *name)
{
	struct device owner = { .name = (char *)name };
	struct mdev_record like = { .log.owner = &owner };

	return g_hash_table_lookup(index->by_name, &like);
}

/* The record numbered by digits as the kernel prints a number. */
static struct mdev_record *numbered_record(GPtrArray *records,
					   const char *digits)
{
	guint64 id;

	if ((digits[0] == '0' && digits[1]) ||
	    !g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT, &id, NULL) ||
	    id >= records->len)
		return NULL;
	return records->pdata[id];
}

/* The record a view lists as name: groups by id, vfio-devs as vfio<minor>,
 * the others by the mdev's name. */
static struct mdev_record *record_named(const struct listing_view *view,
					const char *name)
{
	if (view->kind == SYSFS_LIST_GROUPS)
		return numbered_record(view->index->by_group, name);
	if (view->kind == SYSFS_LIST_VFIO)
		return g_str_has_prefix(name, "vfio")
			? numbered_record(view->index->by_minor, name + 4)
			: NULL;
	return record_by_name(view->index, name);
}

static bool view_find(void *owner, const char *name, struct node_set_entry *e)
{
	struct listing_view *view = owner;
	struct mdev_record *rec = record_named(view, name);

	if (!rec || !lists(view, rec))
		return false;
	fill_entry(view, rec, e);
	return true;
}

/* The first record the view lists at a number from pos on. */
static bool numbered_from(const struct listing_view *view, GPtrArray *all,
			  uint64_t pos, struct node_set_entry *e)
{
	for (; pos < all->len; pos++) {
		struct mdev_record *rec = all->pdata[pos];

		if (rec && lists(view, rec)) {
			fill_entry(view, rec, e);
			return true;
		}
	}
	return false;
}

static bool view_from(void *owner, uint64_t pos, struct node_set_entry *e)
{
	struct listing_view *view = owner;
	const struct node_pos_array *all = &view->index->records;

	if (by_number(view))
		return numbered_from(view, by_number(view), pos, e);
	for (guint i = node_pos_from(all, pos); i < node_pos_len(all); i++) {
		struct mdev_record *rec = slot_record(view->index, i);

		if (rec && lists(view, rec)) {
			fill_entry(view, rec, e);
			return true;
		}
	}
	return false;
}

static guint view_size(void *owner)
{
	return ((struct listing_view *)owner)->count;
}

static const struct node_set_ops link_listing = {
	.find = view_find, .from = view_from, .size = view_size,
};

/* A set of directories names their source: the tree's (each index has
 * its own copy of these ops). */
static const struct node_set_ops dir_listing = {
	.find = view_find, .from = view_from, .size = view_size,
};

/* ------------------------------------------------------------------ */

static void view_attach(struct listing_view *view, struct node *dir)
{
	bool dirs = view->kind == SYSFS_LIST_PARENT ||
		    view->kind == SYSFS_LIST_GROUPS;

	view->attached = dir && node_set_owned(dir, dirs ? &view->index->dir_listing
							: &link_listing,
					       view);
}

struct sysfs_index *sysfs_index_new(struct sysfs_tree *tree)
{
	struct sysfs_index *index = g_new0(struct sysfs_index, 1);
	struct build_log *log;

	index->tree = tree;
	index->dir_listing = dir_listing;
	index->dir_listing.dirs = &tree->log_source;
	node_pos_init(&index->records, sizeof(struct record_slot));
	index->by_name = g_hash_table_new(record_hash, record_equal);
	index->by_group = g_ptr_array_new();
	index->by_minor = g_ptr_array_new();
	index->views = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	index->bus = (struct listing_view){ .index = index,
					    .kind = SYSFS_LIST_BUS };
	index->groups = (struct listing_view){ .index = index,
					       .kind = SYSFS_LIST_GROUPS };
	index->vfio = (struct listing_view){ .index = index,
					     .kind = SYSFS_LIST_VFIO };
	view_attach(&index->bus, node_dir_path(&tree->nodes, "bus/mdev/devices"));
	view_attach(&index->groups,
		    node_dir_path(&tree->nodes, "kernel/iommu_groups"));
	/* There from the start if VFIO makes vfio-dev devices at all. */
	view_attach(&index->vfio, sysfs_walk(tree, "class/vfio-dev", &log));
	return index;
}

static void record_free(struct mdev_record *rec)
{
	if (rec)
		build_log_unref(&rec->log);
}

void sysfs_index_free(struct sysfs_index *index)
{
	for (guint i = 0; i < node_pos_len(&index->records); i++)
		record_free(slot_record(index, i));
	node_pos_fini(&index->records);
	g_ptr_array_free(index->by_group, TRUE);
	g_ptr_array_free(index->by_minor, TRUE);
	g_hash_table_destroy(index->by_name);
	g_hash_table_destroy(index->views);
	g_free(index);
}

void sysfs_index_list(struct sysfs_index *index, struct node *dir,
		      enum sysfs_listing kind, const void *key)
{
	struct listing_view *view = g_new0(struct listing_view, 1);

	*view = (struct listing_view){ .index = index, .kind = kind,
				       .key = key };
	g_hash_table_replace(index->views, (gpointer)key, view);
	view_attach(view, dir);
}

void sysfs_index_unlist(struct sysfs_index *index, struct node *dir,
			const void *key)
{
	struct listing_view *view = g_hash_table_lookup(index->views, key);

	if (dir && view && view->attached)
		node_set_owned(dir, NULL, NULL);
	g_hash_table_remove(index->views, key);
}

bool sysfs_index_lists(struct sysfs_index *index, enum sysfs_listing kind,
		       const void *key)
{
	struct listing_view *view =
		kind == SYSFS_LIST_BUS	    ? &index->bus
		: kind == SYSFS_LIST_GROUPS ? &index->groups
		: kind == SYSFS_LIST_VFIO   ? &index->vfio
					    : g_hash_table_lookup(index->views, key);

	return view && view->attached;
}

static void count(struct sysfs_index *index, const void *key, int by)
{
	struct listing_view *view = g_hash_table_lookup(index->views, key);

	if (view)
		view->count += by;
}

static struct mdev_record *record_of(struct sysfs_index *index,
				     const struct mdev_device *mdev)
{
	return record_by_name(index, mdev->dev.name);
}

struct build_log *sysfs_index_log(struct sysfs_index *index,
				  const struct mdev_device *mdev)
{
	struct mdev_record *rec = record_of(index, mdev);

	return rec ? &rec->log : NULL;
}

struct build_log *sysfs_index_add(struct sysfs_index *index,
				  struct mdev_device *mdev)
{
	struct node_tree *nodes = &index->tree->nodes;
	struct mdev_record *rec = record_of(index, mdev);

	/* The core adds an mdev once; a second announcement changes nothing. */
	if (rec)
		return &rec->log;
	rec = g_new0(struct mdev_record, 1);
	build_log_init(&rec->log, index->tree, &mdev->dev);
	rec->ino = nodes->next_ino;
	nodes->next_ino += SYSFS_LIST_PARENT + 1;
	rec->pos = node_pos_append(&index->records,
				   &(struct record_slot){ .head.item = rec });
	g_hash_table_add(index->by_name, rec);
	index->bus.count++;
	count(index, mdev->type->parent, 1);
	return &rec->log;
}

static void record_link(struct sysfs_index *index, struct mdev_record *rec,
			bool linked)
{
	if (rec->linked != linked) {
		rec->linked = linked;
		count(index, record_mdev(rec)->type, linked ? 1 : -1);
	}
}

void sysfs_index_link(struct sysfs_index *index, struct mdev_device *mdev,
		      bool linked)
{
	struct mdev_record *rec = record_of(index, mdev);

	if (rec)
		record_link(index, rec, linked);
}

/* rec at number id of records, which grows to have it. */
static void number_record(GPtrArray *records, guint id,
			  struct mdev_record *rec)
{
	if (id >= records->len)
		g_ptr_array_set_size(records, (gint)id + 1);
	records->pdata[id] = rec;
}

static void binding_numbers(struct sysfs_index *index, struct mdev_record *rec)
{
	if (rec->driver || rec->has_vfio)
		return;   /* the binding has them */
	rec->bind_ino = index->tree->nodes.next_ino;
	index->tree->nodes.next_ino += BIND_NUMBERS;
}

void sysfs_index_bind(struct sysfs_index *index, struct mdev_device *mdev,
		      const void *driver, const struct iommu_group *group)
{
	struct mdev_record *rec = record_of(index, mdev);

	if (!rec || rec->driver)
		return;
	binding_numbers(index, rec);
	rec->driver = driver;
	number_record(index->by_group, (guint)group->id, rec);
	count(index, driver, 1);
	index->groups.count++;
}

static void record_unbind(struct sysfs_index *index, struct mdev_record *rec)
{
	if (!rec->driver)
		return;
	index->by_group->pdata[record_group(rec)->id] = NULL;
	count(index, rec->driver, -1);
	index->groups.count--;
	rec->driver = NULL;
}

void sysfs_index_unbind(struct sysfs_index *index, struct mdev_device *mdev)
{
	struct mdev_record *rec = record_of(index, mdev);

	if (rec)
		record_unbind(index, rec);
}

static void record_set_vfio(struct sysfs_index *index,
			    struct mdev_record *rec, const struct vfio_dev *vdev)
{
	if (rec->has_vfio == (vdev != NULL))
		return;
	if (vdev) {
		binding_numbers(index, rec);
		number_record(index->by_minor, vdev->minor, rec);
		index->vfio.count++;
	} else {
		index->by_minor->pdata[record_vfio(rec)->minor] = NULL;
		index->vfio.count--;
	}
	rec->has_vfio = vdev != NULL;
}

void sysfs_index_vfio(struct sysfs_index *index, struct mdev_device *mdev,
		      const struct vfio_dev *vdev)
{
	struct mdev_record *rec = record_of(index, mdev);

	if (rec)
		record_set_vfio(index, rec, vdev);
}

void sysfs_index_del(struct sysfs_index *index, struct mdev_device *mdev)
{
	struct mdev_record *rec = record_of(index, mdev);
	gint slot;

	if (!rec)
		return;
	slot = node_pos_find(&index->records, rec->pos);
	g_assert(slot >= 0);
	/* The core unlinks and unbinds first; should it not, the listings
	 * must still forget the record. */
	record_link(index, rec, false);
	record_set_vfio(index, rec, NULL);
	record_unbind(index, rec);
	g_hash_table_remove(index->by_name, rec);
	node_pos_remove(&index->records, (guint)slot);
	index->bus.count--;
	count(index, mdev->type->parent, -1);
	record_free(rec);
}
