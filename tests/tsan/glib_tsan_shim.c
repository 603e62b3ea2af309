// SPDX-License-Identifier: MIT
/*
 * glib_tsan_shim: GLib's mutexes, condition variables, recursive mutexes
 * and reader-writer locks over pthread objects, for ThreadSanitizer builds
 * only (-DMDEVFS_TSAN=ON links it into every program and plugin; see
 * tests/tsan/README.md).
 *
 * Why: GLib 2.74 on Linux implements GMutex and GCond with raw futex
 * system calls and atomics inside libglib, which is not instrumented, so
 * TSan sees no lock at all and reports every access that a GMutex
 * protects as a data race.  TSan intercepts pthread_mutex_* and friends,
 * so the same functions over pthread objects give it the full picture
 * (happens-before, lock order, "mutex M held" in its reports).
 *
 * How: as GLib's own non-futex implementation (gthread-posix.c without
 * USE_NATIVE_MUTEX) does, the pointer word of a GMutex, GCond, GRecMutex
 * or GRWLock holds a pthread object allocated on first use.  A statically
 * zeroed lock (G_LOCK_DEFINE, a static GMutex, a g_new0()ed struct) gets
 * its object on its first use, installed with a compare-and-swap, so two
 * threads racing to use it agree on one.  *_clear() frees it.
 *
 * Every definition here is hidden: a program or plugin's own calls bind
 * to its own copy at link time, and nothing outside it (libglib itself,
 * libgobject, libgio, libfuse) can resolve to the shim.  libglib calls
 * its own g_mutex_*() directly (it has no relocations for them), so
 * GLib's internal locks all use GLib's futex implementation, and ours all
 * use this one.  All copies share one layout, so a lock may be made by a
 * plugin and taken by the program that loaded it, or the reverse.  A lock
 * must never pass between our code and GLib's implementation; no GLib
 * API that this project uses takes a caller's GMutex or GCond.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHIM __attribute__((visibility("hidden")))

static void G_GNUC_NORETURN shim_fail(const char *what, int err)
{
	fprintf(stderr, "glib_tsan_shim: %s: %s\n", what, strerror(err));
	abort();
}

static void *shim_alloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		shim_fail("malloc", ENOMEM);
	return p;
}

/*
 * The object in *slot, made by make() on first use.  A loser of the race
 * to install one frees its own through drop() and takes the winner's.
 */
static void *slot_get(gpointer *slot, void *(*make)(void), void (*drop)(void *))
{
	void *have = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	void *fresh;

	if (G_LIKELY(have))
		return have;
	fresh = make();
	if (__atomic_compare_exchange_n(slot, &have, fresh, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return fresh;
	drop(fresh);
	return have;
}

static void slot_clear(gpointer *slot, void (*drop)(void *))
{
	void *have = __atomic_exchange_n(slot, NULL, __ATOMIC_ACQ_REL);

	if (have)
		drop(have);
}

static void check(const char *what, int err)
{
	if (G_UNLIKELY(err))
		shim_fail(what, err);
}

/* ------------------------------------------------------------------ */
/* GMutex                                                              */

static void *mutex_make_kind(int kind)
{
	pthread_mutex_t *m = shim_alloc(sizeof(*m));
	pthread_mutexattr_t attr;

	check("pthread_mutexattr_init", pthread_mutexattr_init(&attr));
	check("pthread_mutexattr_settype", pthread_mutexattr_settype(&attr, kind));
	check("pthread_mutex_init", pthread_mutex_init(m, &attr));
	pthread_mutexattr_destroy(&attr);
	return m;
}

static void *mutex_make(void)
{
	/* GLib's choice; TSan treats every kind alike. */
	return mutex_make_kind(PTHREAD_MUTEX_ADAPTIVE_NP);
}

static void mutex_drop(void *p)
{
	check("pthread_mutex_destroy", pthread_mutex_destroy(p));
	free(p);
}

static pthread_mutex_t *mutex_get(GMutex *mutex)
{
	return slot_get(&mutex->p, mutex_make, mutex_drop);
}

SHIM void g_mutex_init(GMutex *mutex)
{
	__atomic_store_n(&mutex->p, mutex_make(), __ATOMIC_RELEASE);
}

SHIM void g_mutex_clear(GMutex *mutex)
{
	slot_clear(&mutex->p, mutex_drop);
}

SHIM void g_mutex_lock(GMutex *mutex)
{
	check("pthread_mutex_lock", pthread_mutex_lock(mutex_get(mutex)));
}

SHIM void g_mutex_unlock(GMutex *mutex)
{
	check("pthread_mutex_unlock", pthread_mutex_unlock(mutex_get(mutex)));
}

SHIM gboolean g_mutex_trylock(GMutex *mutex)
{
	int err = pthread_mutex_trylock(mutex_get(mutex));

	if (err == EBUSY)
		return FALSE;
	check("pthread_mutex_trylock", err);
	return TRUE;
}

/* ------------------------------------------------------------------ */
/* GRecMutex                                                           */

static void *rec_mutex_make(void)
{
	return mutex_make_kind(PTHREAD_MUTEX_RECURSIVE);
}

static pthread_mutex_t *rec_mutex_get(GRecMutex *rec_mutex)
{
	return slot_get(&rec_mutex->p, rec_mutex_make, mutex_drop);
}

SHIM void g_rec_mutex_init(GRecMutex *rec_mutex)
{
	__atomic_store_n(&rec_mutex->p, rec_mutex_make(), __ATOMIC_RELEASE);
}

SHIM void g_rec_mutex_clear(GRecMutex *rec_mutex)
{
	slot_clear(&rec_mutex->p, mutex_drop);
}

SHIM void g_rec_mutex_lock(GRecMutex *rec_mutex)
{
	check("pthread_mutex_lock", pthread_mutex_lock(rec_mutex_get(rec_mutex)));
}

SHIM void g_rec_mutex_unlock(GRecMutex *rec_mutex)
{
	check("pthread_mutex_unlock", pthread_mutex_unlock(rec_mutex_get(rec_mutex)));
}

SHIM gboolean g_rec_mutex_trylock(GRecMutex *rec_mutex)
{
	int err = pthread_mutex_trylock(rec_mutex_get(rec_mutex));

	if (err == EBUSY)
		return FALSE;
	check("pthread_mutex_trylock", err);
	return TRUE;
}

/* ------------------------------------------------------------------ */
/* GRWLock                                                             */

static void *rw_lock_make(void)
{
	pthread_rwlock_t *l = shim_alloc(sizeof(*l));
	pthread_rwlockattr_t attr;

	check("pthread_rwlockattr_init", pthread_rwlockattr_init(&attr));
	/* As GLib: a waiting writer blocks new readers. */
	check("pthread_rwlockattr_setkind_np",
	      pthread_rwlockattr_setkind_np(&attr,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP));
	check("pthread_rwlock_init", pthread_rwlock_init(l, &attr));
	pthread_rwlockattr_destroy(&attr);
	return l;
}

static void rw_lock_drop(void *p)
{
	check("pthread_rwlock_destroy", pthread_rwlock_destroy(p));
	free(p);
}

static pthread_rwlock_t *rw_lock_get(GRWLock *rw_lock)
{
	return slot_get(&rw_lock->p, rw_lock_make, rw_lock_drop);
}

SHIM void g_rw_lock_init(GRWLock *rw_lock)
{
	__atomic_store_n(&rw_lock->p, rw_lock_make(), __ATOMIC_RELEASE);
}

SHIM void g_rw_lock_clear(GRWLock *rw_lock)
{
	slot_clear(&rw_lock->p, rw_lock_drop);
}

SHIM void g_rw_lock_writer_lock(GRWLock *rw_lock)
{
	check("pthread_rwlock_wrlock", pthread_rwlock_wrlock(rw_lock_get(rw_lock)));
}

SHIM gboolean g_rw_lock_writer_trylock(GRWLock *rw_lock)
{
	int err = pthread_rwlock_trywrlock(rw_lock_get(rw_lock));

	if (err == EBUSY)
		return FALSE;
	check("pthread_rwlock_trywrlock", err);
	return TRUE;
}

SHIM void g_rw_lock_writer_unlock(GRWLock *rw_lock)
{
	check("pthread_rwlock_unlock", pthread_rwlock_unlock(rw_lock_get(rw_lock)));
}

SHIM void g_rw_lock_reader_lock(GRWLock *rw_lock)
{
	check("pthread_rwlock_rdlock", pthread_rwlock_rdlock(rw_lock_get(rw_lock)));
}

SHIM gboolean g_rw_lock_reader_trylock(GRWLock *rw_lock)
{
	int err = pthread_rwlock_tryrdlock(rw_lock_get(rw_lock));

	if (err == EBUSY || err == EAGAIN)
		return FALSE;
	check("pthread_rwlock_tryrdlock", err);
	return TRUE;
}

SHIM void g_rw_lock_reader_unlock(GRWLock *rw_lock)
{
	check("pthread_rwlock_unlock", pthread_rwlock_unlock(rw_lock_get(rw_lock)));
}

/* ------------------------------------------------------------------ */
/* GCond                                                               */

static void *cond_make(void)
{
	pthread_cond_t *c = shim_alloc(sizeof(*c));
	pthread_condattr_t attr;

	check("pthread_condattr_init", pthread_condattr_init(&attr));
	/* g_cond_wait_until() takes g_get_monotonic_time() deadlines. */
	check("pthread_condattr_setclock",
	      pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
	check("pthread_cond_init", pthread_cond_init(c, &attr));
	pthread_condattr_destroy(&attr);
	return c;
}

static void cond_drop(void *p)
{
	check("pthread_cond_destroy", pthread_cond_destroy(p));
	free(p);
}

static pthread_cond_t *cond_get(GCond *cond)
{
	return slot_get(&cond->p, cond_make, cond_drop);
}

SHIM void g_cond_init(GCond *cond)
{
	__atomic_store_n(&cond->p, cond_make(), __ATOMIC_RELEASE);
}

SHIM void g_cond_clear(GCond *cond)
{
	slot_clear(&cond->p, cond_drop);
}

SHIM void g_cond_wait(GCond *cond, GMutex *mutex)
{
	check("pthread_cond_wait", pthread_cond_wait(cond_get(cond), mutex_get(mutex)));
}

SHIM gboolean g_cond_wait_until(GCond *cond, GMutex *mutex, gint64 end_time)
{
	struct timespec ts = {
		.tv_sec = end_time / G_USEC_PER_SEC,
		.tv_nsec = (end_time % G_USEC_PER_SEC) * 1000,
	};
	int err;

	if (ts.tv_nsec < 0) {   /* a deadline before the clock's epoch */
		ts.tv_sec -= 1;
		ts.tv_nsec += 1000000000L;
	}
	err = pthread_cond_timedwait(cond_get(cond), mutex_get(mutex), &ts);
	if (err == ETIMEDOUT)
		return FALSE;
	check("pthread_cond_timedwait", err);
	return TRUE;
}

SHIM void g_cond_signal(GCond *cond)
{
	check("pthread_cond_signal", pthread_cond_signal(cond_get(cond)));
}

SHIM void g_cond_broadcast(GCond *cond)
{
	check("pthread_cond_broadcast", pthread_cond_broadcast(cond_get(cond)));
}
