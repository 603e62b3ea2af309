/* SPDX-License-Identifier: MIT */
/*
 * Readdir positions, one rule for every directory of the tree.
 *
 * POSIX asks that an entry neither added nor removed while a directory is
 * listed be returned exactly once, and a listing is resumed from the
 * offset of the last entry returned (FUSE READDIR, telldir/seekdir).  So
 * each entry's offset must stay what it was for as long as the entry
 * exists, whatever else comes and goes, and tell where to go on.
 *
 * An offset is 1 for ".", 2 for ".." and then, for an entry at position
 * p, where a listing goes on after it:
 *
 *   - a node child of its directory: 3 + its seq, which node_dir_add()
 *     gives from the directory's counter and nothing changes later (a node
 *     that goes and comes back is a new entry, with a new seq);
 *   - an entry of a set (set.c's own sets and the owner-kept ones of
 *     index.c): NODE_SET_OFF + 1 + p, after every node child.
 *
 * A set entry's position is a number that is never reused and never
 * changes while the entry exists: a 64-bit counter taken when the entry
 * is added (struct node_pos_array below), or a number the entry is known
 * by that stays while it exists (an IOMMU group's id, a vfio-dev's
 * minor).  An array of entries kept in the order they were added is then
 * sorted by position for good: removing an entry leaves a hole that keeps
 * its position, holes are compacted out without reordering, and a listing
 * resumes with a binary search for the first entry at or after the
 * position it asks for.
 *
 * Why not the kernfs rule (a hash of the name, collisions ordered by
 * name): it needs a search tree ordered by hash beside the sets' name
 * indexes, at least three pointers an entry, and entries whose hashes
 * collide share an offset, so a listing that stops between them repeats
 * or skips one.  A counter costs 8 bytes an entry and cannot collide.
 *
 * With the tree lock held.
 */
#ifndef MDEVFS_NODE_POS_H
#define MDEVFS_NODE_POS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Offsets at and above this are a set's entries; node children below it
 * (their seq is 40 bits: NODE_SEQ_MAX). */
#define NODE_SET_OFF ((off_t)1 << 40)
/* The largest seq a node child can have and still list below the sets. */
#define NODE_SEQ_MAX ((uint64_t)NODE_SET_OFF - 4)
/* The largest set position: 62 bits, so that a holder may keep flags
 * beside it in one word, and NODE_SET_OFF + 1 + pos stays below 2^63
 * (FUSE offsets are signed 64-bit). */
#define NODE_POS_MAX ((UINT64_C(1) << 62) - 1)

/* The offset a listing goes on from after the node child with seq. */
static inline off_t node_pos_seq_off(uint64_t seq)
{
	return (off_t)seq + 3;
}

/* The first seq a listing at offset off (below NODE_SET_OFF) shows. */
static inline uint64_t node_pos_off_seq(off_t off)
{
	return off > 2 ? (uint64_t)off - 2 : 0;
}

/* The offset a listing goes on from after the set entry at pos. */
static inline off_t node_pos_set_off(uint64_t pos)
{
	return NODE_SET_OFF + 1 + (off_t)pos;
}

/* The first set position a listing at offset off (at or above
 * NODE_SET_OFF) shows. */
static inline uint64_t node_pos_off_set(off_t off)
{
	return (uint64_t)(off - NODE_SET_OFF);
}

/*
 * What each element of a struct node_pos_array begins with: its position
 * and what it holds, NULL for a hole (a removed entry, whose position
 * stays until the array is compacted).
 */
struct node_pos_head {
	uint64_t pos;
	const void *item;
};

/* Entries by position, in the order added. */
struct node_pos_array {
	GArray *slots;     /* elements that begin with struct node_pos_head */
	uint64_t next;     /* the position the next entry gets */
	guint holes;
};

/* elem_size: the size of an element (at least a struct node_pos_head). */
void node_pos_init(struct node_pos_array *a, guint elem_size);
void node_pos_fini(struct node_pos_array *a);

static inline guint node_pos_len(const struct node_pos_array *a)
{
	return a->slots->len;
}

static inline guint node_pos_live(const struct node_pos_array *a)
{
	return a->slots->len - a->holes;
}

/* The element at index i (indexes move when holes are compacted). */
static inline void *node_pos_at(const struct node_pos_array *a, guint i)
{
	return a->slots->data + (gsize)i * g_array_get_element_size(a->slots);
}

/* Append elem (with a non-NULL item) at the next position, which it is
 * given and which is returned. */
uint64_t node_pos_append(struct node_pos_array *a, void *elem);
/* The index of the first live element at position pos or after it;
 * node_pos_len() if there is none. */
guint node_pos_from(const struct node_pos_array *a, uint64_t pos);
/* The index of the live element at position pos, or -1. */
gint node_pos_find(const struct node_pos_array *a, uint64_t pos);
/*
 * Make the element at index i a hole.  Once holes are most of the array
 * they are compacted out, the others keeping their order and positions;
 * true then (every index may have changed).
 */
bool node_pos_remove(struct node_pos_array *a, guint i);

#endif
