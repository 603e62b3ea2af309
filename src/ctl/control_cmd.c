// SPDX-License-Identifier: MIT
/* The control commands, each a line in and a reply out (control_execute()). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control_priv.h"
#include "fault.h"
#include "plugin.h"

static char *ok(const char *body)
{
	return g_strdup_printf("ok\n%s", body ? body : "");
}

char *control_fail(const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_strdup_printf("error: %s\n", msg);
}

static char *from_errno(int ret, const char *what)
{
	return ret ? control_fail("%s: %s", what, g_strerror(-ret)) : ok(NULL);
}

static char *cmd_load(struct control *c, char **argv)
{
	g_autoptr(GError) error = NULL;

	g_autofree char *file = NULL;

	if (!argv[1] || argv[2])
		return control_fail("usage: load NAME[:ARGS]");
	/* A path is taken as the client gave it, and the daemon's working
	 * directory is nobody's business: mdevfs-ctl makes it absolute. */
	file = g_strndup(argv[1], strcspn(argv[1], ":"));
	if ((strchr(file, '/') || g_str_has_suffix(file, ".so")) &&
	    !g_path_is_absolute(file))
		return control_fail("load: backend path %s is relative; give an "
			    "absolute path", file);
	if (!mdev_backend_load(c->host, argv[1], c->plugin_dirs, &error))
		return control_fail("%s", error->message);
	return ok(NULL);
}

static char *cmd_unload(struct control *c, char **argv)
{
	g_autoptr(GError) error = NULL;

	if (!argv[1] || argv[2])
		return control_fail("usage: unload NAME");
	if (!mdev_backend_unload(c->host, argv[1], &error))
		return control_fail("%s", error->message);
	return ok(NULL);
}

static char *cmd_backends(struct control *c, char **argv)
{
	g_auto(GStrv) names = mdev_backend_names(c->host);
	g_autofree char *joined = NULL;

	if (argv[1])
		return control_fail("usage: backends");
	joined = g_strjoinv("\n", names);
	return g_strdup_printf("ok\n%s%s", joined, *names ? "\n" : "");
}

static char *cmd_parents(struct control *c, char **argv)
{
	g_autofree char *text = NULL;

	if (argv[1])
		return control_fail("usage: parents");
	text = mdev_host_describe_parents(c->host);
	return ok(text);
}

static char *cmd_unregister(struct control *c, char **argv)
{
	if (!argv[1] || argv[2])
		return control_fail("usage: unregister PARENT");
	return from_errno(mdev_host_unregister_parent(c->host, argv[1]), argv[1]);
}

static char *cmd_register(struct control *c, char **argv)
{
	if (!argv[1] || argv[2])
		return control_fail("usage: register PARENT");
	return from_errno(mdev_host_register_parent(c->host, argv[1]), argv[1]);
}

/* An errno by any name <errno.h> defines ("EINVAL", "EDQUOT") or number
 * 1..4095, as keyfile reads it; negative for anything else. */
static int parse_errno(const char *text)
{
	return mdevfs_errno_parse(text);
}

static bool parse_fault_arg(const char *arg, int *count, int *error,
			    unsigned int *delay)
{
	unsigned int n;

	if (g_str_has_prefix(arg, "count=")) {
		if (strcmp(arg + 6, "all") == 0) {
			*count = -1;
			return true;
		}
		if (kstrtouint(arg + 6, 10, &n) || n == 0 || n > G_MAXINT)
			return false;
		*count = (int)n;
		return true;
	}
	if (g_str_has_prefix(arg, "errno="))
		return (*error = parse_errno(arg + 6)) > 0;
	if (g_str_has_prefix(arg, "delay="))
		return kstrtouint(arg + 6, 10, delay) == 0 && *delay <= 600000;
	return false;
}

static char *cmd_fault(struct control *c, char **argv)
{
	static const char *const usage =
		"usage: fault create|remove|store TYPE [count=N|all] "
		"[errno=NAME] [delay=MS] | fault clear";
	enum mdev_fault_op op;
	int count = 1, error = 0;
	unsigned int delay = 0;

	if (argv[1] && strcmp(argv[1], "clear") == 0 && !argv[2]) {
		mdev_fault_clear(c->host);
		return ok(NULL);
	}
	if (!argv[1] || !argv[2])
		return control_fail("%s", usage);
	if (strcmp(argv[1], "create") == 0)
		op = FAULT_CREATE;
	else if (strcmp(argv[1], "remove") == 0)
		op = FAULT_REMOVE;
	else if (strcmp(argv[1], "store") == 0)
		op = FAULT_STORE;
	else
		return control_fail("%s", usage);
	for (char **a = argv + 3; *a; a++)
		if (!parse_fault_arg(*a, &count, &error, &delay))
			return control_fail("bad fault argument '%s'", *a);
	if (!error && !delay)
		return control_fail("a fault needs errno= or delay=");
	/* A misspelt type would otherwise wait silently for ever. */
	if (!mdev_host_has_type(c->host, argv[2]))
		return control_fail("no mdev type '%s' is registered", argv[2]);
	mdev_fault_add(c->host, op, argv[2], count, error, delay);
	return ok(NULL);
}

static char *cmd_faults(struct control *c, char **argv)
{
	g_autofree char *text = NULL;

	if (argv[1])
		return control_fail("usage: faults");
	text = mdev_fault_describe(c->host);
	return ok(text);
}

static const struct {
	const char *name;
	char *(*run)(struct control *c, char **argv);
} commands[] = {
	{ "load", cmd_load }, { "unload", cmd_unload },
	{ "backends", cmd_backends }, { "parents", cmd_parents },
	{ "unregister", cmd_unregister }, { "register", cmd_register },
	{ "fault", cmd_fault }, { "faults", cmd_faults },
};

char *control_execute(struct mdevfs_host *host, const char *const *plugin_dirs,
		      const char *line)
{
	struct control c = { .host = host, .plugin_dirs = plugin_dirs };
	g_auto(GStrv) argv = NULL;
	g_autofree char *clean = g_strstrip(g_strdup(line));

	argv = g_strsplit_set(clean, " \t", -1);
	/* Drop empty words from repeated blanks. */
	for (char **r = argv, **w = argv;; r++) {
		if (!*r) {
			*w = NULL;
			break;
		}
		if (**r)
			*w++ = *r;
		else
			g_free(*r);
	}
	if (!argv[0])
		return control_fail("empty command");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].run(&c, argv);
	return control_fail("unknown command '%s'", argv[0]);
}
