// SPDX-License-Identifier: MIT
/*
 * Where the control socket lives: a directory that can be trusted, a
 * socket made with its mode from the start, never another live daemon's
 * socket replaced, and only our own socket removed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_priv.h"

G_DEFINE_QUARK(mdevfs-control-error-quark, control_error)

/*
 * Whether a daemon listens on the socket name in dirfd (addr reaches
 * it): 1 yes, 0 no (nothing there, or a socket nobody listens on, left by
 * a daemon that died), -1 if that cannot be told (error set).  The probe
 * connects without blocking and sends nothing; a full backlog (EAGAIN)
 * means alive.
 */
static int socket_in_use(int dirfd, const char *name, const char *path,
			 const struct sockaddr_un *addr, GError **error)
{
	struct stat st;
	int fd, ret, err;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot check control socket %s: %s", path,
			    g_strerror(err));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
			    "control socket path %s exists and is not a socket",
			    path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "socket: %s", g_strerror(err));
		return -1;
	}
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	err = errno;
	close(fd);
	if (ret == 0 || err == EAGAIN || err == EINPROGRESS)
		return 1;
	if (err == ECONNREFUSED || err == ENOENT)
		return 0;
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
		    "cannot check control socket %s: %s", path, g_strerror(err));
	return -1;
}

static void set_unsafe(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void set_unsafe(GError **error, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, CONTROL_ERROR, CONTROL_ERROR_UNSAFE, msg);
}

/*
 * The socket's directory may be trusted: the daemon's own private one
 * (the default path) is owned by the daemon's uid and closed to group
 * and others; the directory of a --control path is owned by the daemon's
 * uid or root, and writable by others only if sticky (where nobody else
 * can remove or rename the socket).  Neither may be a symbolic link.
 */
static bool dir_trusted(const char *dir, const struct stat *st,
			bool private_dir, GError **error)
{
	unsigned int me = (unsigned int)geteuid();
	unsigned int owner = (unsigned int)st->st_uid;
	unsigned int mode = (unsigned int)st->st_mode & 07777;

	if (S_ISLNK(st->st_mode)) {
		set_unsafe(error, "control socket directory %s is a symbolic link",
			   dir);
		return false;
	}
	if (!S_ISDIR(st->st_mode)) {
		set_unsafe(error, "control socket directory %s is not a directory",
			   dir);
		return false;
	}
	if (private_dir && owner != me) {
		set_unsafe(error, "control socket directory %s belongs to uid %u, "
			   "not to this daemon's uid %u", dir, owner, me);
		return false;
	}
	if (private_dir && (mode & 077)) {
		set_unsafe(error, "control socket directory %s is open to other "
			   "users (mode %04o, want 0700)", dir, mode);
		return false;
	}
	if (!private_dir && owner != me && owner != 0) {
		set_unsafe(error, "control socket directory %s belongs to uid %u, "
			   "not to this daemon's uid %u or root", dir, owner, me);
		return false;
	}
	if (!private_dir && (mode & 022) && !(mode & S_ISVTX)) {
		set_unsafe(error, "control socket directory %s is writable by "
			   "other users and not sticky (mode %04o)", dir, mode);
		return false;
	}
	return true;
}

/* Open the socket's directory, made 0700 if missing, and check it. */
static int open_socket_dir(const char *dir, bool private_dir, GError **error)
{
	struct stat st;
	int fd, err;

	if (lstat(dir, &st) != 0 && errno == ENOENT) {
		g_autofree char *parent = g_path_get_dirname(dir);

		if ((g_mkdir_with_parents(parent, 0700) != 0 ||
		     mkdir(dir, 0700) != 0) && errno != EEXIST) {
			err = errno;
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(err),
				    "cannot make %s: %s", dir, g_strerror(err));
			return -1;
		}
	}
	if (lstat(dir, &st) != 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot use %s: %s", dir, g_strerror(err));
		return -1;
	}
	if (!dir_trusted(dir, &st, private_dir, error))
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ELOOP || err == ENOTDIR)
			set_unsafe(error, "control socket directory %s changed "
				   "(now a symbolic link?)", dir);
		else
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(err),
				    "cannot open %s: %s", dir, g_strerror(err));
		return -1;
	}
	/* What was opened is what counts. */
	if (fstat(fd, &st) != 0 || !dir_trusted(dir, &st, private_dir, error)) {
		if (error && !*error)
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
				    "cannot check %s", dir);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Bind and listen on path, replacing only a stale socket.  The directory
 * is checked and opened once; everything after goes through that
 * descriptor (bind and connect by /proc/self/fd/N/NAME), so a directory
 * swapped for another after the check is not used.  The check and the
 * bind are done under an flock on the directory, so two daemons starting
 * together cannot both find the path free.  The socket is made 0600 by
 * the umask at bind: no chmod() of a path that may have been swapped.
 */
int control_listen(struct control *ctl, const char *path, bool private_dir,
		     GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *name = g_path_get_basename(path);
	struct stat id = { 0 };
	mode_t mask;
	int fd = -1, dirfd, err = 0, len;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
			    "control socket path too long: %s", path);
		return -1;
	}
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, "/") == 0 || g_str_has_suffix(path, "/")) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "control socket path %s names a directory", path);
		return -1;
	}
	dirfd = open_socket_dir(dir, private_dir, error);
	if (dirfd < 0)
		return -1;
	len = snprintf(addr.sun_path, sizeof(addr.sun_path),
		       "/proc/self/fd/%d/%s", dirfd, name);
	if (len < 0 || (size_t)len >= sizeof(addr.sun_path)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
			    "control socket name too long: %s", name);
		goto fail;
	}
	if (flock(dirfd, LOCK_EX) != 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot lock %s: %s", dir, g_strerror(err));
		goto fail;
	}
	switch (socket_in_use(dirfd, name, path, &addr, error)) {
	case 1:
		g_set_error(error, CONTROL_ERROR, CONTROL_ERROR_IN_USE,
			    "control socket %s is in use by another daemon", path);
		goto fail;
	case 0:
		/* Nobody listens: a socket left by a daemon that died. */
		if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) {
			err = errno;
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(err),
				    "cannot remove stale control socket %s: %s",
				    path, g_strerror(err));
			goto fail;
		}
		break;
	default:
		goto fail;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		mask = umask(0177);
		err = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
		umask(mask);
	}
	if (fd < 0 || err != 0 ||
	    fstatat(dirfd, name, &id, AT_SYMLINK_NOFOLLOW) != 0 ||
	    listen(fd, 16) != 0) {
		err = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "cannot listen on %s: %s", path, g_strerror(err));
		if (fd >= 0) {
			struct stat now;

			/* Our own socket file, if bind made it. */
			if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISSOCK(now.st_mode) && now.st_uid == geteuid() &&
			    (id.st_ino == 0 || now.st_ino == id.st_ino))
				unlinkat(dirfd, name, 0);
			close(fd);
		}
		goto fail;
	}
	flock(dirfd, LOCK_UN);
	ctl->dirfd = dirfd;
	ctl->name = g_steal_pointer(&name);
	ctl->dev = id.st_dev;
	ctl->ino = id.st_ino;
	return fd;
fail:
	close(dirfd);  /* drops the lock */
	return -1;
}

/* Remove the socket file only while it is still the one we bound: after
 * a kill -9 and a restart, or a removal by hand, it may be another
 * daemon's.  (Under the directory lock, as listen_on() checks.) */
void control_unlink_own_socket(struct control *ctl)
{
	struct stat st;

	if (ctl->dirfd < 0)
		return;
	if (flock(ctl->dirfd, LOCK_EX) != 0)
		g_warning("control: cannot lock the socket's directory");
	if (fstatat(ctl->dirfd, ctl->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlinkat(ctl->dirfd, ctl->name, 0);
	close(ctl->dirfd);
	ctl->dirfd = -1;
}
