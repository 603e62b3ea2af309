// SPDX-License-Identifier: MIT
/*
 * mdevfs: mount an emulated mdev sysfs tree.
 *
 *   mdevfs [options] MOUNTPOINT
 *
 * Start-up order: check the mount point, core host, sysfs tree, backends
 * (their parents build the tree), claim the control socket, then mount,
 * then route invalidations, then serve.  Every failure on the way exits 1
 * with one line "mdevfs: ..." on stderr, and before going to the
 * background, so a daemonizing start reports it too.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "control.h"
#include "fs.h"
#include "startup.h"
#include "plugin.h"
#include "uevent.h"

struct options {
	GPtrArray *backends;   /* char *, "NAME[:ARGS]" or a path */
	GPtrArray *positional; /* [SOURCE] MOUNTPOINT */
	char *plugin_dir;
	char *profile;
	char *control;         /* control socket path, "none" to disable */
	int uevents;           /* send udev events (private netns only) */
	int allow_other;       /* others may use the tree: enforce modes */
	int no_open;           /* the kernel opens files without asking us */
	double timeout;
	/* The most mdevs at once; -1: from the process's memory limit. */
	long long max_mdevs;
	int show_help;
	int show_version;
};

enum { KEY_BACKEND, KEY_HELP, KEY_VERSION, KEY_ALLOW_OTHER };

#define OPT(t, p) { t, offsetof(struct options, p), 1 }
static const struct fuse_opt option_spec[] = {
	FUSE_OPT_KEY("backend=", KEY_BACKEND),
	FUSE_OPT_KEY("-b ", KEY_BACKEND),
	FUSE_OPT_KEY("--backend=", KEY_BACKEND),
	OPT("plugin_dir=%s", plugin_dir),
	OPT("--plugin-dir=%s", plugin_dir),
	OPT("profile=%s", profile),
	OPT("control=%s", control),
	OPT("uevents", uevents),
	OPT("--uevents", uevents),
	OPT("--control=%s", control),
	OPT("--profile=%s", profile),
	OPT("cache_timeout=%lf", timeout),
	OPT("no_open", no_open),
	OPT("max_mdevs=%lld", max_mdevs),
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END
};

static int handle_option(void *data, const char *arg, int key,
			 struct fuse_args *outargs)
{
	struct options *opts = data;

	(void)outargs;
	switch (key) {
	case KEY_BACKEND:
		/* "-bSPEC", "--backend=SPEC" or "backend=SPEC" */
		if (arg[0] == '-' && arg[1] == 'b')
			arg += 2;
		else
			arg = strchr(arg, '=') + 1;
		g_ptr_array_add(opts->backends, g_strdup(arg));
		return 0;
	case FUSE_OPT_KEY_NONOPT:
		/* Kept aside: mount.fuse3 passes "SOURCE MOUNTPOINT". */
		g_ptr_array_add(opts->positional, g_strdup(arg));
		return 0;
	case KEY_ALLOW_OTHER:
		opts->allow_other = 1;
		return 1;  /* libfuse still needs it */
	case KEY_HELP:
		opts->show_help = 1;
		return 1;  /* also let libfuse print its options */
	case KEY_VERSION:
		opts->show_version = 1;
		return 1;
	}
	return 1;
}

static void usage(const char *prog)
{
	printf("usage: %s [options] [SOURCE] MOUNTPOINT\n\n"
	       "Mount an emulated VFIO mediated-device sysfs tree at MOUNTPOINT.\n\n"
	       "mdevfs options:\n"
	       "    -b NAME[:ARGS], --backend=NAME[:ARGS], -o backend=NAME[:ARGS]\n"
	       "                           load a vendor backend (repeatable;\n"
	       "                           default: mtty); NAME may be a path\n"
	       "    --plugin-dir=DIR, -o plugin_dir=DIR\n"
	       "                           where backends named by NAME are found\n"
	       "    --profile=KVER, -o profile=KVER\n"
	       "                           kernel era to emulate (default: newest)\n"
	       "    --control=PATH, -o control=PATH\n"
	       "                           control socket for mdevfs-ctl (\"none\": off;\n"
	       "                           default: derived from the mount point)\n"
	       "    --uevents, -o uevents  send udev events for devices (only in a\n"
	       "                           private network namespace)\n"
	       "    -o cache_timeout=SECS  kernel cache lifetime (default 3600)\n"
	       "    -o no_open             serve reads from the kernel's page cache, with\n"
	       "                           no round trip per open (see mdevfs(8) for\n"
	       "                           what differs from sysfs)\n"
	       "    -o max_mdevs=N         refuse a create past N mdevs with ENOMEM\n"
	       "                           (0: no limit; default: what the process's\n"
	       "                           memory limit holds)\n\n",
	       prog);
}

/* An uninstalled daemon loads the backends built beside it. */
static gboolean running_from_build_tree(void)
{
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = exe ? g_path_get_dirname(exe) : NULL;

	return dir && strcmp(dir, MDEVFS_BUILD_DIR) == 0;
}

/* Where backends are looked up, at start-up and by the control socket. */
static const char *plugin_dirs[2];

static gboolean load_backends(struct mdevfs_host *host, struct options *opts)
{
	const char **dirs = plugin_dirs;
	g_autoptr(GError) error = NULL;

	if (opts->plugin_dir)
		dirs[0] = opts->plugin_dir;
	else if (running_from_build_tree())
		dirs[0] = MDEVFS_BUILD_PLUGIN_DIR;
	else
		dirs[0] = MDEVFS_PLUGIN_DIR;
	if (opts->backends->len == 0)
		g_ptr_array_add(opts->backends, g_strdup("mtty"));
	for (guint i = 0; i < opts->backends->len; i++) {
		if (!mdev_backend_load(host, opts->backends->pdata[i], dirs, &error)) {
			fprintf(stderr, "mdevfs: %s\n", error->message);
			return FALSE;
		}
	}
	return TRUE;
}

static struct uevent_sender *start_uevents(struct mdevfs_host *host)
{
	g_autoptr(GError) error = NULL;
	struct uevent_sender *sender = uevent_sender_start(host, &error);

	if (!sender)
		fprintf(stderr, "mdevfs: %s\n", error->message);
	return sender;
}

/*
 * The control socket is claimed before mounting, so that a daemon already
 * listening there (on this mount point, or given the same --control)
 * stops this one before it mounts anything; its thread starts after
 * daemonizing (threads do not survive the fork).  That conflict and a
 * socket directory that cannot be trusted (another user's, open to
 * others, a symbolic link: see control_open()) are fatal (*fatal); other
 * failures only leave the tree without a socket.
 *
 * check_mountpoint() found no mdevfs mounted here, so a daemon on the
 * default socket of this mount point was unmounted from it and is on its
 * way out (`umount DIR; mdevfs DIR` races with it): it gets
 * CONTROL_WAIT_MS to go.  One that stays (a lazy unmount with files still
 * open) keeps its socket, and this start fails.
 */
#define CONTROL_WAIT_MS 3000

static struct control *open_control(struct mdevfs_host *host,
				    const char *mountpoint, const char *option,
				    bool *fatal)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	struct control *ctl;

	*fatal = false;
	if (option && strcmp(option, "none") == 0)
		return NULL;
	path = option ? g_strdup(option) : control_default_path(mountpoint);
	for (int waited = 0;; waited += 50) {
		ctl = control_open(host, path, !option, plugin_dirs, &error);
		if (ctl || option || waited >= CONTROL_WAIT_MS ||
		    !g_error_matches(error, CONTROL_ERROR, CONTROL_ERROR_IN_USE))
			break;
		g_clear_error(&error);
		g_usleep(50 * 1000);
	}
	if (ctl)
		return ctl;
	*fatal = g_error_matches(error, CONTROL_ERROR, CONTROL_ERROR_IN_USE) ||
		 g_error_matches(error, CONTROL_ERROR, CONTROL_ERROR_UNSAFE);
	if (*fatal)
		fprintf(stderr, "mdevfs: %s\n", error->message);
	else
		fprintf(stderr, "mdevfs: no control socket: %s\n", error->message);
	return NULL;
}

/* How a loop ended: 0 when unmounted, the number of the signal that
 * stopped it (SIGINT, SIGTERM, SIGHUP: all fine), or -errno. */
static bool loop_ended_well(int ret)
{
	return ret == 0 || ret == SIGINT || ret == SIGTERM || ret == SIGHUP;
}

/* *left_running: control commands that never finished still use the
 * host, which must then outlive the return. */
static int serve(struct mdevfs_fs *fs, struct fuse_cmdline_opts *cmd,
		 struct fuse_args *args, struct control *ctl,
		 bool *left_running)
{
	struct fuse_loop_config *loop;
	bool failed = true;
	int ret;

	fs->se = fuse_session_new(args, &mdevfs_ll_ops, sizeof(mdevfs_ll_ops), fs);
	if (!fs->se) {
		startup_failed("cannot start a FUSE session");
		return 1;
	}
	if (fuse_set_signal_handlers(fs->se) != 0) {
		startup_failed("cannot install signal handlers");
		goto out_destroy;
	}
	if (fuse_session_mount(fs->se, cmd->mountpoint) != 0) {
		/* fusermount3 (an unprivileged mount) said why on stderr. */
		startup_failed("cannot mount %s%s", cmd->mountpoint,
			       startup_log_said() ? "" :
			       " (see the message above)");
		goto out_signals;
	}
	startup_log_end(true);
	mdevfs_fs_observe(fs);
	if (fuse_daemonize(cmd->foreground) != 0) {
		fprintf(stderr, "mdevfs: cannot go to the background\n");
		goto out_unmount;
	}
	control_run(ctl);
	if (cmd->singlethread) {
		ret = fuse_session_loop(fs->se);
	} else {
		loop = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(loop, cmd->clone_fd);
		/* libfuse 3.14 leaves -1 here when -o max_threads is absent. */
		if (cmd->max_threads > 0 && cmd->max_threads <= 100000)
			fuse_loop_cfg_set_max_threads(loop, cmd->max_threads);
		if (cmd->max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(loop, cmd->max_idle_threads);
		ret = fuse_session_loop_mt(fs->se, loop);
		fuse_loop_cfg_destroy(loop);
	}
	/* Before the session goes: commands invalidate through it. */
	*left_running = control_stop(ctl);
	ctl = NULL;
	failed = !loop_ended_well(ret);
	if (failed)
		fprintf(stderr, "mdevfs: error while serving: %s\n",
			ret < 0 ? g_strerror(-ret) : "unexpected end");
out_unmount:
	/* Stop routing invalidations before the session goes away. */
	sysfs_tree_set_observer(fs->tree, NULL);
	fuse_session_unmount(fs->se);
out_signals:
	fuse_remove_signal_handlers(fs->se);
out_destroy:
	fuse_session_destroy(fs->se);
	control_stop(ctl);  /* not started, if still here */
	return failed ? 1 : 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options opts = { .backends = g_ptr_array_new_with_free_func(g_free),
				.positional = g_ptr_array_new_with_free_func(g_free),
				.timeout = 3600, .max_mdevs = -1 };
	struct fuse_cmdline_opts cmd = { 0 };
	const struct mdev_profile *profile = &mdev_profile_default;
	struct mdevfs_fs fs = { 0 };
	struct uevent_sender *uevents = NULL;
	struct mdevfs_host *host;
	struct control *ctl;
	bool fatal, left_running = false;
	int ret = 1;

	startup_log_begin();
	if (fuse_opt_parse(&args, &opts, option_spec, handle_option) != 0) {
		startup_failed("bad command line");
		goto out;
	}
	/* `mount -t fuse.mdevfs SOURCE DIR` runs "mdevfs SOURCE DIR -o ...";
	 * the source names nothing here. */
	if (opts.positional->len > 2) {
		fprintf(stderr, "mdevfs: too many arguments (try --help)\n");
		goto out;
	}
	if (opts.positional->len)
		fuse_opt_add_arg(&args, g_ptr_array_index(opts.positional,
							 opts.positional->len - 1));
	if (fuse_parse_cmdline(&args, &cmd) != 0) {
		startup_failed_log("bad command line (try --help)");
		goto out;
	}
	if (opts.show_help || cmd.show_help) {
		usage(argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out;
	}
	if (opts.show_version || cmd.show_version) {
		printf("mdevfs %s (plugin ABI %d)\n", MDEVFS_VERSION,
		       MDEVFS_PLUGIN_ABI_VERSION);
		ret = 0;
		goto out;
	}
	if (!cmd.mountpoint) {
		fprintf(stderr, "mdevfs: no mount point given (try --help)\n");
		goto out;
	}
	if (opts.profile && !(profile = mdev_profile_find(opts.profile))) {
		fprintf(stderr, "mdevfs: unknown kernel profile '%s' (known: %s)\n",
			opts.profile, mdev_profile_names());
		goto out;
	}
	if (opts.timeout < 0) {
		fprintf(stderr, "mdevfs: cache_timeout must not be negative\n");
		goto out;
	}
	if (opts.max_mdevs < -1 || opts.max_mdevs > G_MAXUINT) {
		fprintf(stderr, "mdevfs: max_mdevs must be between 0 and %u\n",
			G_MAXUINT);
		goto out;
	}
	fuse_opt_add_arg(&args, "-osubtype=mdevfs,fsname=mdevfs");
	/* The kernel checks each node's owner and mode, as kept by chmod
	 * and chown, when the mount is shared with other users (only the
	 * mount's owner and root may then create or remove) and when files
	 * are opened without asking us (the owner then gets EACCES at open
	 * for a mode a file lacks, as from sysfs).  Otherwise only the
	 * mount's owner reaches the tree, as the machine's root: the checks
	 * would pass (CAP_DAC_OVERRIDE) at a GETATTR round trip per write
	 * after each change, and kernfs's own rule at open is ours. */
	if (opts.allow_other || opts.no_open)
		fuse_opt_add_arg(&args, "-odefault_permissions");

	if (!check_mountpoint(cmd.mountpoint))
		goto out;

	host = mdev_host_new(profile);
	mdev_host_set_max_mdevs(host, opts.max_mdevs >= 0
				      ? (unsigned int)opts.max_mdevs
				      : mdev_memory_budget(MDEV_BYTES_WORST));
	mdevfs_fs_init(&fs, sysfs_tree_new(host), opts.timeout);
	fs.no_open = opts.no_open;
	ctl = open_control(host, cmd.mountpoint, opts.control, &fatal);
	if (fatal)
		goto out_host;
	/* After the tree: listeners hear an event in the order they came,
	 * and the tree drops the kernel's stale entries of a create before
	 * its udev events leave (MDEV_EVENT_CREATED). */
	if (opts.uevents && !(uevents = start_uevents(host))) {
		control_stop(ctl);
		goto out_host;
	}
	if (load_backends(host, &opts))
		ret = serve(&fs, &cmd, &args, ctl, &left_running);  /* stops ctl */
	else
		control_stop(ctl);
	/* A control command stuck in a backend (its init never returned)
	 * still uses the host: leave it all to the exit. */
	if (left_running) {
		uevent_sender_stop(uevents);
		goto out;
	}
	mdev_backends_unload(host);
	uevent_sender_stop(uevents);
out_host:
	sysfs_tree_free(fs.tree);
	mdevfs_fs_fini(&fs);
	mdev_host_free(host);
out:
	startup_log_end(true);
	free(cmd.mountpoint);
	fuse_opt_free_args(&args);
	g_ptr_array_free(opts.backends, TRUE);
	g_ptr_array_free(opts.positional, TRUE);
	g_free(opts.plugin_dir);
	g_free(opts.profile);
	g_free(opts.control);
	return ret;
}
