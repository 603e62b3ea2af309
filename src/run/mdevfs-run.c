// SPDX-License-Identifier: MIT
/*
 * mdevfs-run: run a command that sees an emulated mdev tree at /sys.
 *
 *   mdevfs-run [options] [--] COMMAND [ARG]...
 *
 * Order: find the daemon, make an empty staging directory, enter a private
 * mount namespace (inside a new user namespace unless we are root), start
 * mdevfs in the foreground on the staging directory, wait for the mount,
 * show the tree at /sys and a private /etc/mdevctl.d, run the command,
 * stop the daemon and remove the staging directory.
 *
 * The daemon is started inside the namespace on purpose: the kernel only
 * accepts a FUSE mount whose /dev/fuse descriptor was opened in the user
 * namespace doing the mount (clients.md §5.2).  Every mount is made in the
 * private namespace, which dies with its last process, so nothing can be
 * left mounted on the host however the runner ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "layout.h"

/* Exit codes of the runner itself, as env(1) and timeout(1) use them. */
enum { EXIT_RUNNER = 125, EXIT_CANNOT_EXEC = 126, EXIT_NOT_FOUND = 127 };

#define MOUNT_WAIT_MS 30000     /* a daemon under ASan takes a while */
#define STOP_WAIT_MS 5000

struct run_opts {
	char **backends;
	char *plugin_dir;
	char *profile;
	char **fuse_opts;
	char *mdevfs;
	char *layout;           /* auto, overlay or full */
	char *mdevctl_dir;
	gboolean keep_etc;
	gboolean userns;
	gboolean uevents;       /* private netns + the daemon's udev events */
	gboolean verbose;
	gboolean version;
};

static bool verbose;

/*
 * Signals.  The runner takes SIGTERM, SIGHUP, SIGINT and SIGQUIT (unless
 * it was started with them ignored) for as long as it runs: while the
 * command runs they go on to it; before that they end the start-up, and
 * the runner cleans up and then dies of the same signal.  SIGPIPE is
 * ignored: a closed stdout or stderr is an ordinary write error here.
 */
static const int handled_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
static struct sigaction saved_actions[G_N_ELEMENTS(handled_signals)];
static struct sigaction saved_sigpipe;
static volatile sig_atomic_t command_pid;
static volatile sig_atomic_t stop_signal;       /* the first one taken */
static volatile sig_atomic_t command_started;

#define note(...)                                                       \
	do {                                                            \
		if (verbose)                                            \
			fprintf(stderr, "mdevfs-run: " __VA_ARGS__);    \
	} while (0)

static void free_opts(struct run_opts *o)
{
	g_strfreev(o->backends);
	g_strfreev(o->fuse_opts);
	g_free(o->plugin_dir);
	g_free(o->profile);
	g_free(o->mdevfs);
	g_free(o->layout);
	g_free(o->mdevctl_dir);
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

static const char description[] =
	"Runs COMMAND in a private mount namespace (with a user namespace when\n"
	"not root) in which the mdevfs tree is at /sys and /etc/mdevctl.d is\n"
	"private and empty. COMMAND's exit status is passed through (128+N if\n"
	"it was killed by signal N); errors of the runner itself, and a\n"
	"daemon that dies while COMMAND runs, give 125.\n"
	"See mdevfs-run(1).";

static bool parse_options(int *argc, char ***argv, struct run_opts *o)
{
	const GOptionEntry entries[] = {
		{ "backend", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &o->backends,
		  "Load a vendor backend (repeatable; passed to mdevfs)",
		  "NAME[:ARGS]" },
		{ "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->plugin_dir,
		  "Where mdevfs finds backends", "DIR" },
		{ "profile", 0, 0, G_OPTION_ARG_STRING, &o->profile,
		  "Kernel era for mdevfs to emulate", "KVER" },
		{ "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &o->fuse_opts,
		  "Pass -o OPTS to mdevfs (repeatable)", "OPTS" },
		{ "mdevfs", 0, 0, G_OPTION_ARG_FILENAME, &o->mdevfs,
		  "The mdevfs daemon (default: next to mdevfs-run, then $PATH)",
		  "PATH" },
		{ "layout", 0, 0, G_OPTION_ARG_STRING, &o->layout,
		  "How /sys is made: auto, overlay or full (default auto)",
		  "HOW" },
		{ "uevents", 0, 0, G_OPTION_ARG_NONE, &o->uevents,
		  "Send udev events for devices, in a private network namespace", NULL },
		{ "userns", 'U', 0, G_OPTION_ARG_NONE, &o->userns,
		  "Use a user namespace even as root", NULL },
		{ "keep-etc", 0, 0, G_OPTION_ARG_NONE, &o->keep_etc,
		  "Leave /etc/mdevctl.d as it is", NULL },
		{ "mdevctl-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->mdevctl_dir,
		  "Show DIR as /etc/mdevctl.d", "DIR" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose,
		  "Say how the namespace and /sys are set up", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &o->version,
		  "Print the version and exit", NULL },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("[--] COMMAND [ARG...]");
	g_autoptr(GError) error = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Run COMMAND with an emulated VFIO mediated-device tree at /sys.");
	g_option_context_set_description(ctx, description);
	/* Everything from COMMAND on belongs to COMMAND. */
	g_option_context_set_strict_posix(ctx, TRUE);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		fprintf(stderr, "mdevfs-run: %s (try --help)\n", error->message);
		return false;
	}
	if (!o->layout)
		o->layout = g_strdup("auto");
	if (strcmp(o->layout, "auto") && strcmp(o->layout, "overlay") &&
	    strcmp(o->layout, "full")) {
		fprintf(stderr, "mdevfs-run: --layout must be auto, overlay or full\n");
		return false;
	}
	if (o->keep_etc && o->mdevctl_dir) {
		fprintf(stderr, "mdevfs-run: --keep-etc and --mdevctl-dir exclude each other\n");
		return false;
	}
	return true;
}

/*
 * mdevfs, like other FUSE programs, takes "-oOPTS" and "-bNAME" glued
 * together; GOption does not, so they are split here.  Only the runner's
 * own arguments are looked at: they end at "--" or at the command.
 * The strings stay argv's; the array is the caller's to g_free().
 */
static char **split_glued(int argc, char **argv)
{
	static const char *const with_value[] = {
		"-b", "-o", "--backend", "--option", "--plugin-dir", "--profile",
		"--mdevfs", "--layout", "--mdevctl-dir", NULL
	};
	GPtrArray *out = g_ptr_array_new();
	int i;

	g_ptr_array_add(out, argv[0]);
	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++) {
		char *a = argv[i];

		if ((a[1] == 'o' || a[1] == 'b') && a[2]) {
			g_ptr_array_add(out, a[1] == 'o' ? "-o" : "-b");
			g_ptr_array_add(out, a + 2);
			continue;
		}
		g_ptr_array_add(out, a);
		if (g_strv_contains(with_value, a) && i + 1 < argc)
			g_ptr_array_add(out, argv[++i]);
	}
	for (; i < argc; i++)
		g_ptr_array_add(out, argv[i]);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* The command: what follows the options, without a leading "--". */
static char **command_argv(int argc, char **argv)
{
	int i = 1;

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	return i < argc ? argv + i : NULL;
}

static char *find_daemon(const char *given)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);

	if (given)
		return g_strdup(given);
	if (self) {
		g_autofree char *dir = g_path_get_dirname(self);
		char *path = g_build_filename(dir, "mdevfs", NULL);

		if (access(path, X_OK) == 0)
			return path;
		g_free(path);
	}
	return g_find_program_in_path("mdevfs");
}

/* ------------------------------------------------------------------ */
/* Namespaces                                                          */

/* false with errno set if text could not be written whole. */
static bool write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return false;
	n = write(fd, text, strlen(text));
	err = n < 0 ? errno : EIO;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(text);
}

/* Become root of a new user namespace that maps only our own ids. */
static bool enter_userns(void)
{
	unsigned int uid = geteuid(), gid = getegid();
	g_autofree char *uid_map = g_strdup_printf("0 %u 1\n", uid);
	g_autofree char *gid_map = g_strdup_printf("0 %u 1\n", gid);

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
		fprintf(stderr, "mdevfs-run: cannot make a user namespace: %s "
			"(are unprivileged user namespaces disabled?)\n",
			g_strerror(errno));
		return false;
	}
	/* An unprivileged gid_map needs setgroups denied first. */
	if (!write_proc("/proc/self/setgroups", "deny") && errno != ENOENT) {
		fprintf(stderr, "mdevfs-run: setgroups: %s\n", g_strerror(errno));
		return false;
	}
	if (!write_proc("/proc/self/uid_map", uid_map) ||
	    !write_proc("/proc/self/gid_map", gid_map)) {
		fprintf(stderr, "mdevfs-run: writing the id maps: %s\n",
			g_strerror(errno));
		return false;
	}
	note("namespace: user+mount (uid %u is root inside)\n", uid);
	return true;
}

static bool enter_namespace(const struct run_opts *o)
{
	bool done = false;

	/* Root needs no user namespace; one without CAP_SYS_ADMIN does. */
	if (geteuid() == 0 && !o->userns) {
		done = unshare(CLONE_NEWNS | (o->uevents ? CLONE_NEWNET : 0)) == 0;
		if (!done && errno != EPERM) {
			fprintf(stderr, "mdevfs-run: cannot make a mount namespace: %s\n",
				g_strerror(errno));
			return false;
		}
		if (done)
			note("namespace: mount\n");
	}
	if (!done && !enter_userns())
		return false;
	/* udev events must never reach the host's listeners. */
	if (o->uevents && !done && unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "mdevfs-run: cannot make a network namespace: %s\n",
			g_strerror(errno));
		return false;
	}
	if (o->uevents)
		note("namespace: private network (udev events)\n");
	/* Nothing mounted from now on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		fprintf(stderr, "mdevfs-run: making / private: %s\n", g_strerror(errno));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The daemon                                                          */

/*
 * The daemon's control socket (for mdevfs-ctl) goes on the private
 * staging tmpfs: its default place, derived from the mount point, would be
 * on the host's /run or /tmp.  The command finds it in $MDEVFS_CONTROL.
 */
static char *control_path(const char *stage)
{
	char *path = g_build_filename(stage, "control.sock", NULL);

	/* What fits in a sockaddr_un. */
	if (strlen(path) < 108)
		return path;
	g_free(path);
	return NULL;
}

static char **daemon_argv(const char *daemon, const struct run_opts *o,
			  const char *mnt, const char *control)
{
	GPtrArray *argv = g_ptr_array_new();

	g_ptr_array_add(argv, g_strdup(daemon));
	g_ptr_array_add(argv, g_strdup("-f"));
	g_ptr_array_add(argv, g_strconcat("--control=", control ? control : "none",
					  NULL));
	for (char **b = o->backends; b && *b; b++) {
		g_ptr_array_add(argv, g_strdup("-b"));
		g_ptr_array_add(argv, g_strdup(*b));
	}
	if (o->plugin_dir)
		g_ptr_array_add(argv, g_strconcat("--plugin-dir=", o->plugin_dir, NULL));
	if (o->profile)
		g_ptr_array_add(argv, g_strconcat("--profile=", o->profile, NULL));
	if (o->uevents)
		g_ptr_array_add(argv, g_strdup("--uevents"));
	for (char **f = o->fuse_opts; f && *f; f++) {
		g_ptr_array_add(argv, g_strdup("-o"));
		g_ptr_array_add(argv, g_strdup(*f));
	}
	g_ptr_array_add(argv, g_strdup(mnt));
	g_ptr_array_add(argv, NULL);
	return (char **)g_ptr_array_free(argv, FALSE);
}

static void restore_signals(void);

static void daemon_child(char **argv, pid_t runner)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* SIGPIPE stays ignored: a reader of the log that goes away must
	 * not take the tree with it. */
	restore_signals();
	/* Out of the terminal's process group: a ^C is for the command, and
	 * the tree must outlive it until the command has finished. */
	setpgid(0, 0);
	/* Never outlive the runner, even if it is killed. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != runner)
		_exit(EXIT_RUNNER);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	/* The command's stdout is the command's alone. */
	dup2(STDERR_FILENO, STDOUT_FILENO);
	execv(argv[0], argv);
	fprintf(stderr, "mdevfs-run: %s: %s\n", argv[0], g_strerror(errno));
	_exit(EXIT_RUNNER);
}

static pid_t start_daemon(const char *daemon, const struct run_opts *o,
			  const char *mnt, const char *control)
{
	g_auto(GStrv) argv = daemon_argv(daemon, o, mnt, control);
	pid_t runner = getpid();
	pid_t pid = fork();

	if (pid < 0)
		fprintf(stderr, "mdevfs-run: fork: %s\n", g_strerror(errno));
	if (pid == 0)
		daemon_child(argv, runner);
	return pid;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
}

/* The tree is there once mnt is on another device than its parent. */
static bool wait_mounted(pid_t pid, const char *mnt, const char *parent)
{
	struct stat up, st;
	char why[64];
	int status;

	if (stat(parent, &up) != 0)
		return false;
	for (int ms = 0; ms < MOUNT_WAIT_MS; ms += 10) {
		if (stop_signal)
			return false;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			describe_status(status, why, sizeof(why));
			fprintf(stderr, "mdevfs-run: mdevfs ended (%s) before "
				"mounting the tree\n", why);
			return false;
		}
		if (stat(mnt, &st) == 0 && st.st_dev != up.st_dev)
			return true;
		usleep(10000);
	}
	fprintf(stderr, "mdevfs-run: mdevfs did not mount the tree within %d s\n",
		MOUNT_WAIT_MS / 1000);
	return false;
}

static void stop_daemon(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int ms = 0; ms < STOP_WAIT_MS; ms += 10) {
		pid_t done = waitpid(pid, NULL, WNOHANG);

		/* ECHILD: it ended before the mount and was reaped then. */
		if (done == pid || (done < 0 && errno == ECHILD))
			return;
		usleep(10000);
	}
	fprintf(stderr, "mdevfs-run: mdevfs did not stop; killing it\n");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* /sys and /etc/mdevctl.d                                             */

static bool make_sys(const struct run_opts *o, const char *stage,
		     struct mount_log *log, const char **layout)
{
	g_autofree char *fs = g_build_filename(stage, "fs", NULL);
	g_autofree char *scratch = g_build_filename(stage, "sys", NULL);
	struct graft g = { .src = fs, .dst = "/sys", .replace = graft_sys_replace,
			   .devices = true, .scratch = scratch,
			   .verbose = verbose };
	g_autoptr(GError) error = NULL;

	if (strcmp(o->layout, "full") != 0) {
		if (graft_merge(&g, log, &error)) {
			*layout = "overlay";
			note("/sys layout: overlay (the real /sys stays visible "
			     "around the emulated subtrees)\n");
			return true;
		}
		if (strcmp(o->layout, "overlay") == 0) {
			fprintf(stderr, "mdevfs-run: cannot keep the real /sys: %s\n",
				error->message);
			return false;
		}
		note("cannot keep the real /sys: %s\n", error->message);
		g_clear_error(&error);
	}
	if (!graft_cover(&g, log, &error)) {
		fprintf(stderr, "mdevfs-run: %s\n", error->message);
		return false;
	}
	*layout = "full";
	note("/sys layout: full (the emulated tree replaces all of /sys)\n");
	return true;
}

/* The directory shown as /etc/mdevctl.d: stage/etc/mdevctl.d, empty or
 * with the user's directory bound on it. */
static bool prepare_etc(const struct run_opts *o, const char *dir)
{
	const char *config = o->mdevctl_dir ? o->mdevctl_dir : dir;
	g_autofree char *callouts =
		g_build_filename(config, "scripts.d", "callouts", NULL);
	g_autofree char *notifiers =
		g_build_filename(config, "scripts.d", "notifiers", NULL);

	/* mdevctl refuses to run without callouts and notifiers. */
	const char *const dirs[] = { dir, callouts, notifiers };

	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		if (g_mkdir_with_parents(dirs[i], 0755) != 0) {
			fprintf(stderr, "mdevfs-run: mkdir %s: %s\n", dirs[i],
				g_strerror(errno));
			return false;
		}
	}
	if (o->mdevctl_dir &&
	    mount(o->mdevctl_dir, dir, NULL, MS_BIND | MS_REC, NULL) != 0) {
		fprintf(stderr, "mdevfs-run: bind mount %s: %s\n", o->mdevctl_dir,
			g_strerror(errno));
		return false;
	}
	return true;
}

static bool make_etc(const struct run_opts *o, const char *stage,
		     struct mount_log *log)
{
	static const char *const replace[] = { "mdevctl.d", NULL };
	g_autofree char *etc = g_build_filename(stage, "etc", NULL);
	g_autofree char *dir = g_build_filename(etc, "mdevctl.d", NULL);
	g_autofree char *scratch = g_build_filename(stage, "etc-work", NULL);
	struct graft g = { .src = etc, .dst = "/etc", .replace = replace,
			   .scratch = scratch, .verbose = verbose };
	g_autoptr(GError) error = NULL;

	if (o->keep_etc)
		return true;
	if (!prepare_etc(o, dir))
		return false;
	/* A host without /etc/mdevctl.d whose /etc cannot take an overlay
	 * is not worth failing for: the command just sees none. */
	if (!graft_merge(&g, log, &error))
		fprintf(stderr, "mdevfs-run: warning: no private /etc/mdevctl.d: %s\n",
			error->message);
	return true;
}

/* ------------------------------------------------------------------ */
/* Staging                                                             */

/* A private tmpfs on an empty host directory: the daemon's mount point,
 * the overlays' skeletons, the private /etc/mdevctl.d. */
static bool mount_stage(const char *stage)
{
	g_autofree char *fs = g_build_filename(stage, "fs", NULL);

	if (mount("mdevfs-run", stage, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0700") != 0) {
		fprintf(stderr, "mdevfs-run: mounting tmpfs on %s: %s\n", stage,
			g_strerror(errno));
		return false;
	}
	if (mkdir(fs, 0755) != 0) {
		fprintf(stderr, "mdevfs-run: mkdir %s: %s\n", fs, g_strerror(errno));
		return false;
	}
	return true;
}

static void remove_stage(const char *stage)
{
	umount2(stage, MNT_DETACH);
	if (rmdir(stage) != 0)
		fprintf(stderr, "mdevfs-run: warning: rmdir %s: %s\n", stage,
			g_strerror(errno));
}

/* ------------------------------------------------------------------ */
/* The command                                                         */

static void on_signal(int sig, siginfo_t *si, void *context)
{
	int err = errno;

	(void)context;
	if (command_pid > 0) {
		/* ^C and ^\ from the terminal (sent by the kernel) reach the
		 * command directly; only those sent with kill(2) are passed. */
		if ((sig != SIGINT && sig != SIGQUIT) || si->si_code != SI_KERNEL)
			kill(command_pid, sig);
	} else if (!stop_signal && !command_started) {
		/* Before the command: end the start-up.  After it: the
		 * clean-up is under way anyway. */
		stop_signal = sig;
	}
	errno = err;
}

/* From the start of main(): nothing between making the temporary
 * directory and removing it may end the runner on the spot. */
static void take_signals(void)
{
	struct sigaction act = { .sa_sigaction = on_signal,
				 .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction ign = { .sa_handler = SIG_IGN };

	sigfillset(&act.sa_mask);
	sigaction(SIGPIPE, &ign, &saved_sigpipe);
	for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++) {
		int sig = handled_signals[i];

		sigaction(sig, NULL, &saved_actions[i]);
		/* Ignored when we started (nohup, a background job):
		 * ignored for the runner and the command alike. */
		if (saved_actions[i].sa_handler != SIG_IGN)
			sigaction(sig, &act, NULL);
	}
}

/* Children start with the dispositions the runner was given. */
static void restore_signals(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
		sigaction(handled_signals[i], &saved_actions[i], NULL);
}

static void handled_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
		sigaddset(set, handled_signals[i]);
}

static void command_child(char **argv)
{
	int err;

	restore_signals();
	sigaction(SIGPIPE, &saved_sigpipe, NULL);
	execvp(argv[0], argv);
	err = errno;
	fprintf(stderr, "mdevfs-run: %s: %s\n", argv[0], g_strerror(err));
	_exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
}

/*
 * Runs the command and waits for it.  A daemon that ends meanwhile is
 * reported at once; the command goes on (it sees a tree that no longer
 * answers) and the runner then exits with EXIT_RUNNER.
 */
static int run_command(char **argv, pid_t daemon)
{
	bool daemon_died = false;
	sigset_t block, old;
	int status;
	pid_t pid;

	/* No signal may be forwarded before the pid is known, nor be lost
	 * between this check and the fork. */
	handled_set(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (stop_signal) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return EXIT_RUNNER;
	}
	pid = fork();
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		command_child(argv);
	}
	if (pid < 0) {
		fprintf(stderr, "mdevfs-run: fork: %s\n", g_strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return EXIT_RUNNER;
	}
	command_pid = pid;
	command_started = 1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (;;) {
		pid_t done = waitpid(-1, &status, 0);

		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0) {
			fprintf(stderr, "mdevfs-run: waitpid: %s\n", g_strerror(errno));
			command_pid = 0;
			return EXIT_RUNNER;
		}
		if (done == pid)
			break;
		if (done == daemon) {
			daemon_died = true;
			if (WIFSIGNALED(status))
				fprintf(stderr, "mdevfs-run: the mdevfs daemon died "
					"(signal %d) while %s ran\n",
					WTERMSIG(status), argv[0]);
			else
				fprintf(stderr, "mdevfs-run: the mdevfs daemon died "
					"(exit status %d) while %s ran\n",
					WEXITSTATUS(status), argv[0]);
		}
	}
	command_pid = 0;
	if (WIFSIGNALED(status))
		status = 128 + WTERMSIG(status);
	else
		status = WEXITSTATUS(status);
	note("command ended, status %d\n", status);
	return daemon_died ? EXIT_RUNNER : status;
}

/* ------------------------------------------------------------------ */

/* Everything between entering the namespace and stopping the daemon. */
static int run_in_namespace(const struct run_opts *o, const char *daemon,
			    const char *stage, char **command)
{
	g_autofree char *fs = g_build_filename(stage, "fs", NULL);
	g_autofree char *control = control_path(stage);
	struct mount_log log;
	const char *layout = NULL;
	int ret = EXIT_RUNNER;
	pid_t pid;

	if (!enter_namespace(o) || !mount_stage(stage) || stop_signal)
		return EXIT_RUNNER;
	pid = start_daemon(daemon, o, fs, control);
	if (pid < 0)
		return EXIT_RUNNER;
	note("mdevfs %s started (pid %d)\n", daemon, (int)pid);
	mount_log_init(&log);
	if (wait_mounted(pid, fs, stage) && make_sys(o, stage, &log, &layout) &&
	    make_etc(o, stage, &log) && !stop_signal) {
		g_setenv("MDEVFS_RUN_LAYOUT", layout, TRUE);
		if (control)
			g_setenv("MDEVFS_CONTROL", control, TRUE);
		else
			g_unsetenv("MDEVFS_CONTROL");
		/* libudev refuses a /sys that is not sysfs without this. */
		g_setenv("SYSTEMD_DEVICE_VERIFY_SYSFS", "0", FALSE);
		ret = run_command(command, pid);
	}
	stop_daemon(pid);
	/* The namespace goes with us; only the staging dir needs care. */
	mount_log_clear(&log);
	return ret;
}

/* A signal ended the start-up: after the clean-up, end as it would have
 * ended us, so that the caller (a shell, timeout) sees the signal. */
static void die_of(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;

	note("ending on signal %d, before the command started\n", sig);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

int main(int argc, char *argv[])
{
	struct run_opts o = { 0 };
	g_autofree char **args = split_glued(argc, argv);
	g_autofree char *daemon = NULL;
	g_autofree char *stage = NULL;
	g_autoptr(GError) error = NULL;
	char **command;
	int ret = EXIT_RUNNER;

	setlocale(LC_ALL, "");
	take_signals();
	argc = g_strv_length(args);
	argv = args;
	if (!parse_options(&argc, &argv, &o))
		goto out;
	verbose = o.verbose;
	if (o.version) {
		ret = 0;
		if (printf("mdevfs-run %s\n", MDEVFS_VERSION) < 0 ||
		    fflush(stdout) != 0) {
			fprintf(stderr, "mdevfs-run: writing the version: %s\n",
				g_strerror(errno));
			ret = EXIT_RUNNER;
		}
		goto out;
	}
	command = command_argv(argc, argv);
	if (!command) {
		fprintf(stderr, "mdevfs-run: no command given (try --help)\n");
		goto out;
	}
	daemon = find_daemon(o.mdevfs);
	if (!daemon) {
		fprintf(stderr, "mdevfs-run: cannot find mdevfs (use --mdevfs=PATH)\n");
		goto out;
	}
	stage = g_dir_make_tmp("mdevfs-run.XXXXXX", &error);
	if (!stage) {
		fprintf(stderr, "mdevfs-run: %s\n", error->message);
		goto out;
	}
	ret = run_in_namespace(&o, daemon, stage, command);
	remove_stage(stage);
out:
	free_opts(&o);
	if (stop_signal && !command_started)
		die_of(stop_signal);
	return ret;
}
