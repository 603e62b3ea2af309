// SPDX-License-Identifier: MIT
/*
 * shim_proof: shows that the GLib shim (glib_tsan_shim.c) makes TSan see
 * GLib locks, in a TSan build (-DMDEVFS_TSAN=ON).
 *
 *   shim_proof mutex     two threads increment a counter under a GMutex
 *                        (one made by g_mutex_init(), one static): clean
 *   shim_proof unlocked  the same without the lock: TSan must report
 *   shim_proof cond      a GCond handoff (wait, wait_until, signal,
 *                        broadcast), a GRecMutex and a GRWLock: clean
 *   shim_proof where     prints which object defines the g_mutex_lock
 *                        this program calls; the shim's, not libglib's
 *   shim_proof env       checks that G_SLICE=always-malloc is set, as a
 *                        TSan run needs (tests/tsan/README.md)
 *   shim_proof plugin MODULE
 *                        the program and a dlopen()ed module (built like
 *                        a backend, with its own copy of the shim) bump
 *                        one counter under one GMutex: clean, and the
 *                        module's g_mutex_lock is its own
 *
 * The counters are plain longs on purpose: only the locks order them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ITERS 20000

static GMutex made;
static GMutex zeroed;          /* never g_mutex_init()ed: static zero */
static long counter;
static bool use_lock = true;

static gpointer bump(gpointer data)
{
	GMutex *lock = data;

	for (int i = 0; i < ITERS; i++) {
		if (use_lock)
			g_mutex_lock(lock);
		counter++;
		if (use_lock)
			g_mutex_unlock(lock);
	}
	return NULL;
}

static int two_threads(GMutex *lock)
{
	GThread *a, *b;

	counter = 0;
	a = g_thread_new("a", bump, lock);
	b = g_thread_new("b", bump, lock);
	g_thread_join(a);
	g_thread_join(b);
	printf("counter=%ld\n", counter);
	return 0;
}

/* ------------------------------------------------------------------ */

static GCond cond;
static GRecMutex rec;
static GRWLock rw;
static int stage;
static long shared[2];

static gpointer waiter(gpointer data)
{
	(void)data;
	g_mutex_lock(&made);
	while (stage < 1)
		g_cond_wait(&cond, &made);
	shared[0]++;            /* written by main before stage 1 */
	stage = 2;
	g_cond_signal(&cond);
	g_mutex_unlock(&made);

	for (int i = 0; i < ITERS; i++) {
		g_rec_mutex_lock(&rec);
		g_rec_mutex_lock(&rec);
		shared[1]++;
		g_rec_mutex_unlock(&rec);
		g_rec_mutex_unlock(&rec);
		g_rw_lock_writer_lock(&rw);
		shared[0]++;
		g_rw_lock_writer_unlock(&rw);
	}
	return NULL;
}

static int cond_test(void)
{
	GThread *t;
	long seen = 0;

	g_mutex_init(&made);
	g_cond_init(&cond);
	g_rec_mutex_init(&rec);
	g_rw_lock_init(&rw);
	t = g_thread_new("waiter", waiter, NULL);
	shared[0] = 41;
	g_mutex_lock(&made);
	stage = 1;
	g_cond_broadcast(&cond);
	while (stage < 2)
		if (!g_cond_wait_until(&cond, &made, g_get_monotonic_time() + G_USEC_PER_SEC))
			fprintf(stderr, "waiting...\n");
	g_mutex_unlock(&made);
	for (int i = 0; i < ITERS; i++) {
		if (g_rec_mutex_trylock(&rec)) {
			shared[1]++;
			g_rec_mutex_unlock(&rec);
		}
		g_rw_lock_reader_lock(&rw);
		seen = shared[0];
		g_rw_lock_reader_unlock(&rw);
	}
	g_thread_join(t);
	/* A timed wait that times out. */
	g_mutex_lock(&made);
	if (g_cond_wait_until(&cond, &made, g_get_monotonic_time() + 1000))
		fprintf(stderr, "spurious wakeup (allowed)\n");
	g_mutex_unlock(&made);
	printf("shared=%ld,%ld seen=%ld\n", shared[0], shared[1], seen);
	g_rw_lock_clear(&rw);
	g_rec_mutex_clear(&rec);
	g_cond_clear(&cond);
	g_mutex_clear(&made);
	return 0;
}

static int where(void)
{
	Dl_info self, lock;

	if (!dladdr((void *)where, &self) || !dladdr((void *)g_mutex_lock, &lock)) {
		fprintf(stderr, "dladdr failed\n");
		return 1;
	}
	printf("g_mutex_lock is in %s (this program: %s)\n", lock.dli_fname,
	       self.dli_fname);
	return strcmp(lock.dli_fname, self.dli_fname) != 0;
}

static void (*plugin_bump)(GMutex *lock, long *counter, int iters);

static gpointer bump_in_plugin(gpointer data)
{
	plugin_bump(data, &counter, ITERS);
	return NULL;
}

static int plugin(const char *path)
{
	const char *(*plugin_where)(void);
	const char *in;
	void *h = dlopen(path, RTLD_NOW);
	GThread *t;

	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return 1;
	}
	*(void **)&plugin_bump = dlsym(h, "shim_plugin_bump");
	*(void **)&plugin_where = dlsym(h, "shim_plugin_where");
	if (!plugin_bump || !plugin_where) {
		fprintf(stderr, "%s: missing symbols\n", path);
		return 1;
	}
	in = plugin_where();
	printf("the module's g_mutex_lock is in %s\n", in);
	if (!strstr(in, "shim_plugin"))
		return 1;
	counter = 0;
	/* A lock the module meets first: zeroed, made by whoever comes first. */
	t = g_thread_new("plugin", bump_in_plugin, &zeroed);
	bump(&zeroed);
	g_thread_join(t);
	printf("counter=%ld\n", counter);
	return counter != 2 * ITERS;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "mutex";

	if (!strcmp(mode, "mutex")) {
		g_mutex_init(&made);
		two_threads(&made);
		g_mutex_clear(&made);
		return two_threads(&zeroed);
	}
	if (!strcmp(mode, "unlocked")) {
		use_lock = false;
		return two_threads(&made);
	}
	if (!strcmp(mode, "cond"))
		return cond_test();
	if (!strcmp(mode, "where"))
		return where();
	if (!strcmp(mode, "env")) {
		const char *v = g_getenv("G_SLICE");

		if (v && strstr(v, "always-malloc"))
			return 0;
		fprintf(stderr, "G_SLICE=%s: a TSan run needs G_SLICE=always-malloc "
			"(GSlice recycles blocks between threads under locks TSan "
			"cannot see; see tests/tsan/README.md)\n", v ? v : "(unset)");
		return 1;
	}
	if (!strcmp(mode, "plugin") && argc == 3)
		return plugin(argv[2]);
	fprintf(stderr, "usage: shim_proof mutex|unlocked|cond|where|env|plugin MODULE\n");
	return 2;
}
