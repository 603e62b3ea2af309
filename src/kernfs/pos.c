// SPDX-License-Identifier: MIT
/*
 * Arrays of entries by readdir position (pos.h): appended in the
 * order of their positions, searched by binary search, compacted without
 * reordering.  With the tree lock held.
 */
#include "pos.h"

#include <string.h>

/* Fewer holes than this stay; more go once they are half the array. */
#define POS_HOLES_MIN 64

static struct node_pos_head *head_at(const struct node_pos_array *a, guint i)
{
	return node_pos_at(a, i);
}

void node_pos_init(struct node_pos_array *a, guint elem_size)
{
	g_assert(elem_size >= sizeof(struct node_pos_head));
	a->slots = g_array_new(FALSE, FALSE, elem_size);
	a->next = 0;
	a->holes = 0;
}

void node_pos_fini(struct node_pos_array *a)
{
	g_array_free(a->slots, TRUE);
	a->slots = NULL;
}

uint64_t node_pos_append(struct node_pos_array *a, void *elem)
{
	struct node_pos_head *head = elem;

	/* 2^62 additions to one directory: not in this universe's time. */
	if (a->next > NODE_POS_MAX)
		g_error("readdir positions exhausted");
	head->pos = a->next++;
	g_array_append_vals(a->slots, elem, 1);
	return head->pos;
}

/* The index of the first element, hole or not, at pos or after it. */
static guint lower_bound(const struct node_pos_array *a, uint64_t pos)
{
	guint lo = 0, hi = a->slots->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (head_at(a, mid)->pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

guint node_pos_from(const struct node_pos_array *a, uint64_t pos)
{
	guint i = lower_bound(a, pos);

	while (i < a->slots->len && !head_at(a, i)->item)
		i++;
	return i;
}

gint node_pos_find(const struct node_pos_array *a, uint64_t pos)
{
	guint i = lower_bound(a, pos);

	if (i < a->slots->len && head_at(a, i)->pos == pos &&
	    head_at(a, i)->item)
		return (gint)i;
	return -1;
}

bool node_pos_remove(struct node_pos_array *a, guint i)
{
	guint size = g_array_get_element_size(a->slots), kept = 0;

	head_at(a, i)->item = NULL;
	a->holes++;
	if (a->holes < POS_HOLES_MIN || a->holes * 2 < a->slots->len)
		return false;
	/* Slide the live elements down, in order: their positions stay, so
	 * a listing resumed at any position finds the same entries. */
	for (guint j = 0; j < a->slots->len; j++) {
		if (!head_at(a, j)->item)
			continue;
		if (j != kept)
			memcpy(node_pos_at(a, kept), node_pos_at(a, j), size);
		kept++;
	}
	g_array_set_size(a->slots, kept);
	a->holes = 0;
	return true;
}
