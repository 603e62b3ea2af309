/* SPDX-License-Identifier: MIT */
/*
 * The core's mutexes, which know their owner in debug builds, so that a
 * function that needs a lock held (or not held) can say so and a wrong
 * caller fails in the test suite, as the kernel's lockdep_assert_held()
 * makes it fail in a debug kernel.  Release builds (NDEBUG) keep a bare
 * GMutex and check nothing.
 */
#ifndef MDEVFS_LOCKDEP_H
#define MDEVFS_LOCKDEP_H

#include <glib.h>

struct core_mutex {
	GMutex mutex;
#ifndef NDEBUG
	GThread *owner;   /* atomic: read by threads that do not hold it */
#endif
};

static inline void core_mutex_init(struct core_mutex *m)
{
	g_mutex_init(&m->mutex);
#ifndef NDEBUG
	m->owner = NULL;
#endif
}

static inline void core_mutex_clear(struct core_mutex *m)
{
	g_mutex_clear(&m->mutex);
}

#ifndef NDEBUG
static inline void core_mutex_owned(struct core_mutex *m, GThread *owner)
{
	g_atomic_pointer_set(&m->owner, owner);
}

static inline gboolean core_mutex_held(struct core_mutex *m)
{
	return g_atomic_pointer_get(&m->owner) == g_thread_self();
}
#endif

static inline void core_mutex_lock(struct core_mutex *m)
{
#ifndef NDEBUG
	/* Not recursive: a second lock by the owner would hang. */
	g_assert(!core_mutex_held(m));
#endif
	g_mutex_lock(&m->mutex);
#ifndef NDEBUG
	core_mutex_owned(m, g_thread_self());
#endif
}

static inline void core_mutex_unlock(struct core_mutex *m)
{
#ifndef NDEBUG
	g_assert(core_mutex_held(m));
	core_mutex_owned(m, NULL);
#endif
	g_mutex_unlock(&m->mutex);
}

/* g_cond_wait() on m: the owner is nobody while the thread sleeps. */
static inline void core_cond_wait(GCond *cond, struct core_mutex *m)
{
#ifndef NDEBUG
	g_assert(core_mutex_held(m));
	core_mutex_owned(m, NULL);
#endif
	g_cond_wait(cond, &m->mutex);
#ifndef NDEBUG
	core_mutex_owned(m, g_thread_self());
#endif
}

#ifndef NDEBUG
#define lockdep_assert_held(m) g_assert(core_mutex_held(m))
#define lockdep_assert_not_held(m) g_assert(!core_mutex_held(m))
#else
#define lockdep_assert_held(m) ((void)(m))
#define lockdep_assert_not_held(m) ((void)(m))
#endif

#endif
