// SPDX-License-Identifier: MIT
#include "fault.h"

#include <errno.h>
#include <string.h>

static const char *const op_names[] = {
	[FAULT_CREATE] = "create", [FAULT_REMOVE] = "remove",
	[FAULT_STORE] = "store",
};

const char *mdev_fault_op_name(enum mdev_fault_op op)
{
	return op_names[op];
}

static __thread const volatile gint *cancel_flag;

void mdev_fault_set_cancel_flag(const volatile gint *flag)
{
	cancel_flag = flag;
}

/* Sleep in short steps so an interrupted caller is let go promptly. */
static int delay(unsigned int ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

	while (g_get_monotonic_time() < end) {
		if (cancel_flag && g_atomic_int_get(cancel_flag))
			return -EINTR;
		g_usleep(MIN(10000, end - g_get_monotonic_time() + 1));
	}
	return 0;
}

void mdev_fault_free(gpointer data)
{
	struct mdev_fault *fault = data;

	g_free(fault->type_id);
	g_free(fault);
}

void mdev_fault_add(struct mdevfs_host *host, enum mdev_fault_op op,
		    const char *type_id, int count, int error,
		    unsigned int delay_ms)
{
	struct mdev_fault *fault = g_new0(struct mdev_fault, 1);

	fault->op = op;
	fault->type_id = g_strdup(type_id);
	fault->count = count;
	fault->error = error;
	fault->delay_ms = delay_ms;
	host_lock(host);
	g_ptr_array_add(host->faults, fault);
	host_unlock(host);
}

void mdev_fault_clear(struct mdevfs_host *host)
{
	host_lock(host);
	g_ptr_array_set_size(host->faults, 0);
	host_unlock(host);
}

char *mdev_fault_describe(struct mdevfs_host *host)
{
	GString *text = g_string_new(NULL);

	host_lock(host);
	for (guint i = 0; i < host->faults->len; i++) {
		const struct mdev_fault *f = host->faults->pdata[i];

		g_string_append_printf(text, "%s %s count=%d errno=%d delay=%u\n",
				       op_names[f->op], f->type_id, f->count,
				       f->error, f->delay_ms);
	}
	host_unlock(host);
	return g_string_free(text, FALSE);
}

int mdev_fault_hit(struct mdevfs_host *host, enum mdev_fault_op op,
		   const struct mdev_type *type)
{
	unsigned int delay_ms = 0;
	int error = 0;

	host_lock(host);
	for (guint i = 0; i < host->faults->len; i++) {
		struct mdev_fault *f = host->faults->pdata[i];

		if (f->op != op || strcmp(f->type_id, type->id) != 0)
			continue;
		error = f->error;
		delay_ms = f->delay_ms;
		if (f->count > 0 && --f->count == 0)
			g_ptr_array_remove_index(host->faults, i);
		break;
	}
	host_unlock(host);
	if (delay_ms && delay(delay_ms))
		return -EINTR;
	return -error;
}
