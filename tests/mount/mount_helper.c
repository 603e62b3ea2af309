// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "mount_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MH_SLOTS 16
#define MOUNT_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000

static const char *daemon_path;

void mh_set_daemon(const char *path)
{
	daemon_path = path;
}

const char *mh_daemon(void)
{
	if (daemon_path && *daemon_path)
		return daemon_path;
	return getenv("MDEVFS_BIN");
}

/* ------------------------------------------------------------------ */
/* Registry swept at exit and on fatal signals                          */

struct slot {
	volatile sig_atomic_t used;
	pid_t owner;            /* the process that may clean this slot */
	volatile pid_t daemon;
	char dir[PATH_MAX];
	char log[PATH_MAX];
};

static struct slot registry[MH_SLOTS];

static int reg_add(const char *dir, const char *log)
{
	for (int i = 0; i < MH_SLOTS; i++) {
		if (registry[i].used)
			continue;
		registry[i].owner = getpid();
		registry[i].daemon = 0;
		snprintf(registry[i].dir, sizeof(registry[i].dir), "%s", dir);
		snprintf(registry[i].log, sizeof(registry[i].log), "%s", log);
		registry[i].used = 1;
		return i;
	}
	return -1;
}

static void reg_drop(int slot)
{
	if (slot >= 0 && slot < MH_SLOTS)
		registry[slot].used = 0;
}

/* Async-signal-safe: kill, umount2, rmdir, unlink only. */
static void sweep(void)
{
	pid_t self = getpid();

	for (int i = 0; i < MH_SLOTS; i++) {
		struct slot *s = &registry[i];

		if (!s->used || s->owner != self)
			continue;
		if (s->daemon > 0)
			kill(s->daemon, SIGTERM);
		umount2(s->dir, MNT_DETACH);
		rmdir(s->dir);
		unlink(s->log);
		s->used = 0;
	}
}

static void on_fatal_signal(int sig)
{
	sweep();
	signal(sig, SIG_DFL);
	raise(sig);
}

void mh_install_cleanup(void)
{
	static bool done;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				    SIGABRT, SIGSEGV, SIGBUS, SIGPIPE };
	struct sigaction sa;

	if (done)
		return;
	done = true;
	atexit(sweep);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ------------------------------------------------------------------ */
/* Small utilities                                                      */

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int mh_fuse_device_usable(void)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Undo the octal escapes (\040 etc.) of a mountinfo path field. */
static void unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* Whether a mount at dir exists; with fstype, only one of that type. */
static bool mounted_at(const char *dir, const char *fstype)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *save = NULL, *field, *mnt = NULL, *type = NULL;
		int n = 0;
		bool after_dash = false;

		line[strcspn(line, "\n")] = '\0';
		for (field = strtok_r(line, " ", &save); field;
		     field = strtok_r(NULL, " ", &save), n++) {
			if (n == 4)
				mnt = field;
			if (after_dash) {
				type = field;
				break;
			}
			if (n >= 6 && strcmp(field, "-") == 0)
				after_dash = true;
		}
		if (!mnt || !type)
			continue;
		unescape(mnt);
		if (strcmp(mnt, dir) == 0 && (!fstype || strcmp(type, fstype) == 0))
			found = true;
	}
	free(line);
	fclose(f);
	return found;
}

bool mh_is_mounted(const char *dir)
{
	return mounted_at(dir, "fuse.mdevfs");
}

bool mh_is_mountpoint(const char *dir)
{
	return mounted_at(dir, NULL);
}

/* ------------------------------------------------------------------ */
/* Mounting                                                             */

int mh_prepare(struct mh_mount *m, char *why, size_t whylen)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	memset(m, 0, sizeof(*m));
	m->slot = -1;
	snprintf(m->dir, sizeof(m->dir), "%s/mdevfs-mnt-XXXXXX", tmp);
	if (!mkdtemp(m->dir)) {
		say(why, whylen, "mkdtemp %s: %s", m->dir, strerror(errno));
		return -1;
	}
	snprintf(m->log, sizeof(m->log), "%s/mdevfs-log-XXXXXX", tmp);
	fd = mkstemp(m->log);
	if (fd < 0) {
		say(why, whylen, "mkstemp %s: %s", m->log, strerror(errno));
		rmdir(m->dir);
		return -1;
	}
	close(fd);
	m->slot = reg_add(m->dir, m->log);
	if (m->slot < 0) {
		say(why, whylen, "too many mounts at once");
		rmdir(m->dir);
		unlink(m->log);
		return -1;
	}
	return 0;
}

static char *read_log(const struct mh_mount *m)
{
	static char text[65536];
	int fd = open(m->log, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	text[0] = '\0';
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	return text;
}

void mh_dump_log(const struct mh_mount *m)
{
	const char *text = read_log(m);

	if (*text)
		fprintf(stderr, "---- mdevfs log (%s) ----\n%s%s---- end ----\n",
			m->dir, text, text[strlen(text) - 1] == '\n' ? "" : "\n");
}

static void first_line(const char *text, char *out, size_t outlen)
{
	size_t len = strcspn(text, "\n");

	/* Skip libfuse's harmless notice about the thread limit. */
	while (strncmp(text, "Ignoring invalid max threads", 28) == 0 &&
	       text[len] == '\n') {
		text += len + 1;
		len = strcspn(text, "\n");
	}
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, text, len);
	out[len] = '\0';
}

static bool log_says_unusable(const char *text)
{
	static const char *const signs[] = {
		"Operation not permitted", "Permission denied", "No such device",
		"fuse device not found", "device not found",
	};

	for (size_t i = 0; i < sizeof(signs) / sizeof(signs[0]); i++)
		if (strstr(text, signs[i]))
			return true;
	return false;
}

static void exec_daemon(const struct mh_mount *m, const char *const *extra,
			pid_t parent)
{
	const char *argv[32];
	int n = 0, fd;
	sigset_t none;

	/* Out of the runner's process group, so that a SIGKILL sent to the
	 * group (timeout(1), Check's cleanup of a test process) spares the
	 * daemon; it gets SIGTERM when its parent dies and unmounts. */
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	fd = open(m->log, O_WRONLY | O_APPEND);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
		for (int i = 3; i < 1024; i++)
			close(i);
	setenv("LC_ALL", "C", 1);
	argv[n++] = mh_daemon();
	argv[n++] = "-f";
	argv[n++] = m->dir;
	for (; extra && *extra && n < 31; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	execv(argv[0], (char *const *)argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int mh_start(struct mh_mount *m, const char *const *extra, char *why,
	     size_t whylen)
{
	pid_t parent = getpid(), pid;
	long long deadline;
	int status;

	if (!mh_daemon()) {
		say(why, whylen, "no daemon binary (set MDEVFS_BIN)");
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		say(why, whylen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		exec_daemon(m, extra, parent);
	m->pid = pid;
	if (m->slot >= 0) {
		registry[m->slot].owner = parent;
		registry[m->slot].daemon = pid;
	}
	deadline = now_ms() + MOUNT_TIMEOUT_MS;
	for (;;) {
		if (mh_is_mounted(m->dir))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char line[512];
			const char *text = read_log(m);

			m->pid = 0;
			if (m->slot >= 0)
				registry[m->slot].daemon = 0;
			first_line(text, line, sizeof(line));
			if (WIFEXITED(status))
				say(why, whylen, "mdevfs exited %d before mounting: %s",
				    WEXITSTATUS(status), line);
			else
				say(why, whylen, "mdevfs died (signal %d) before mounting: %s",
				    WTERMSIG(status), line);
			return WIFEXITED(status) && log_says_unusable(text) ?
				       MH_UNUSABLE : -1;
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			m->pid = 0;
			if (m->slot >= 0)
				registry[m->slot].daemon = 0;
			umount2(m->dir, MNT_DETACH);
			say(why, whylen, "no fuse.mdevfs mount at %s after %d ms",
			    m->dir, MOUNT_TIMEOUT_MS);
			return -1;
		}
		sleep_ms(2);
	}
}

int mh_wait(struct mh_mount *m, int timeout_ms, int *status)
{
	long long deadline = now_ms() + timeout_ms;

	if (m->pid <= 0)
		return -1;
	for (;;) {
		pid_t r = waitpid(m->pid, status, WNOHANG);

		if (r == m->pid || (r < 0 && errno == ECHILD)) {
			m->pid = 0;
			if (m->slot >= 0)
				registry[m->slot].daemon = 0;
			return r == -1 ? -1 : 0;
		}
		if (now_ms() > deadline)
			return -1;
		sleep_ms(2);
	}
}

int mh_signal_and_wait(struct mh_mount *m, int sig, int timeout_ms, int *status)
{
	if (m->pid <= 0)
		return -1;
	kill(m->pid, sig);
	return mh_wait(m, timeout_ms, status);
}

static bool log_has_sanitizer_report(const struct mh_mount *m)
{
	const char *text = read_log(m);

	return strstr(text, "Sanitizer") || strstr(text, "runtime error:");
}

static bool run_fusermount(const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return false;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("fusermount3", "fusermount3", "-u", "-z", dir, (char *)NULL);
		_exit(127);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

bool mh_teardown(struct mh_mount *m, char *why, size_t whylen)
{
	bool clean = true;
	int status;

	if (why && whylen)
		why[0] = '\0';
	m->exit_status = -1;
	if (m->pid > 0) {
		pid_t pid = m->pid;

		if (mh_signal_and_wait(m, SIGTERM, STOP_TIMEOUT_MS, &status) != 0) {
			say(why, whylen, "mdevfs did not exit within %d ms of SIGTERM",
			    STOP_TIMEOUT_MS);
			/* Not m->pid: a wait that found the daemon reaped
			 * elsewhere cleared it, and kill(0) would signal our
			 * whole process group, the test runner with it. */
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			m->pid = 0;
			clean = false;
		} else if (WIFSIGNALED(status)) {
			say(why, whylen, "mdevfs died with signal %d (%s)",
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
			clean = false;
		} else {
			/* Judged by the caller (the process-life tests). */
			m->exit_status = WEXITSTATUS(status);
		}
	}
	if (m->dir[0] && mh_is_mountpoint(m->dir)) {
		if (clean)
			say(why, whylen, "%s still mounted after mdevfs exited", m->dir);
		clean = false;
		if (umount2(m->dir, MNT_DETACH) != 0 && mh_is_mountpoint(m->dir))
			run_fusermount(m->dir);
	}
	if (m->log[0] && log_has_sanitizer_report(m)) {
		if (clean)
			say(why, whylen, "mdevfs reported a sanitizer error");
		clean = false;
	}
	if (m->dir[0] && rmdir(m->dir) != 0 && errno != ENOENT) {
		if (clean)
			say(why, whylen, "rmdir %s: %s", m->dir, strerror(errno));
		clean = false;
	}
	if (!clean)
		mh_dump_log(m);
	if (m->log[0])
		unlink(m->log);
	reg_drop(m->slot);
	m->slot = -1;
	m->dir[0] = '\0';
	m->log[0] = '\0';
	return clean;
}
