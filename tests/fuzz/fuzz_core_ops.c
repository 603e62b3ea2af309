// SPDX-License-Identifier: MIT
/*
 * Sequences of core operations on a host with mtty and mdpy, checked
 * against a model after every step.
 *
 * Input: byte 0 picks the kernel era (4.10, 4.18, 5.4, 5.15, 6.1, 6.13),
 * byte 1 mdpy's count (1..6, so that its budget runs out); then each
 * operation is an opcode byte and argument bytes (missing ones read 0):
 *
 *   create U T V    write UUID U (one of 6; lower, upper case or with a
 *                   newline) to type T's create (mtty-1/-2, mdpy-*)
 *   remove U V      write "1", "0", "junk", "0x10" or "1\n" to U's remove
 *   unbind U D      write U to bus/mdev/drivers/D/unbind (mtty, mdpy,
 *   bind U D        vfio_mdev) or bind
 *   unregister P    mdev_host_unregister_parent (mtty, mdpy)
 *   register P      mdev_host_register_parent
 *   read S          one file, a device's directory, or the whole tree
 *   fault O T E C   "fault create|remove|store TYPE errno=E count=C" or
 *                   "fault clear" through control_execute()
 *   control L ...   L bytes as a control line (load/unload and delays
 *                   are skipped); the model is then re-read from the tree
 *   store F L ...   L bytes to a writable core file (uevent files,
 *                   drivers_probe, drivers_autoprobe, an IOMMU group type)
 *
 * Checked after every step: the errno of each operation is one the model
 * allows (anything while an injected fault may be pending); a create
 * succeeds only for a free UUID and then lists it, a successful remove of
 * a non-zero value removes it; bus/mdev/devices is exactly the model's
 * set and the core's device count; every device has its mdev_type link to
 * its type, appears in that type's devices/ only, has a `remove` file
 * unless a failed remove took it away; there is one IOMMU group per bound
 * device; in 6.1 and 6.13 every available_instances is the capacity
 * minus what uses it.  At the end both parents are unregistered, which
 * must leave no device and no IOMMU group, and the host is freed (leaks
 * are found by LeakSanitizer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "fuzz_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NR_UUIDS 6
#define MTTY_PORTS 24

static const char *const profiles[] = { "4.10", "4.18", "5.4", "5.15", "6.1",
					"6.13" };

struct ptype {
	int parent;             /* 0 mtty, 1 mdpy */
	const char *id;
	int ports;
};

static const char *const parent_name[] = { "mtty", "mdpy" };
static const char *const parent_dir[] = { "devices/virtual/mtty/mtty",
					  "devices/virtual/mdpy/mdpy" };
static const struct ptype types[] = {
	{ 0, "mtty-1", 1 }, { 0, "mtty-2", 2 },
	{ 1, "mdpy-vga", 0 }, { 1, "mdpy-xga", 0 }, { 1, "mdpy-hd", 0 },
};
#define NR_TYPES ((int)G_N_ELEMENTS(types))

static const char *const driver_names[] = { "mtty", "mdpy", "vfio_mdev" };

/* The input, read a byte at a time; 0 once it runs out. */
struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned int next(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

struct model {
	struct fh fh;
	const char *profile;
	bool modern;                    /* 6.1 or 6.13 */
	unsigned int mdpy_count;
	bool loaded[2], registered[2];
	bool present[NR_UUIDS];
	int type[NR_UUIDS];
	bool maybe_stranded[NR_UUIDS];  /* a failed remove took the file */
	bool faults;                    /* an injected fault may be pending */
	char uuid[NR_UUIDS][37];
	unsigned int step;
};

static char *dev_path(struct model *m, int u, const char *file)
{
	return g_strdup_printf("bus/mdev/devices/%s%s%s", m->uuid[u],
			       file ? "/" : "", file ? file : "");
}

static char *type_path(int t, const char *file)
{
	return g_strdup_printf("%s/mdev_supported_types/%s/%s",
			       parent_dir[types[t].parent], types[t].id, file);
}

#define CHECK(m, cond, ...)                                                \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "profile %s, step %u: ", (m)->profile, \
				(m)->step);                                \
			fh_bug(__VA_ARGS__);                               \
		}                                                          \
	} while (0)

static long read_long(struct model *m, const char *path)
{
	int err = 0;
	char *text = fh_read(&m->fh, path, &err, NULL);
	long v;

	CHECK(m, text, "read %s: %s", path, g_strerror(err));
	v = strtol(text, NULL, 10);
	g_free(text);
	return v;
}

/* ------------------------------------------------------------------ */
/* Invariants                                                           */

static void check_all(struct model *m)
{
	char **names = fh_list(&m->fh, "bus/mdev/devices");
	char **groups = fh_list(&m->fh, "kernel/iommu_groups");
	unsigned int n = 0, bound = 0, ports = 0, mdpy = 0;

	for (int u = 0; u < NR_UUIDS; u++) {
		g_autofree char *type_link = NULL;
		g_autofree char *link_path = dev_path(m, u, "mdev_type");
		g_autofree char *drv = dev_path(m, u, "driver");
		g_autofree char *rm = dev_path(m, u, "remove");
		bool listed = false;

		for (char **p = names; *p; p++)
			listed |= !strcmp(*p, m->uuid[u]);
		CHECK(m, listed == m->present[u], "%s %s listed", m->uuid[u],
		      listed ? "wrongly" : "not");
		if (!listed)
			continue;
		n++;
		type_link = fh_readlink(&m->fh, link_path);
		CHECK(m, type_link && g_str_has_suffix(type_link,
						       types[m->type[u]].id),
		      "%s mdev_type -> %s, want %s", m->uuid[u],
		      type_link ? type_link : "(none)", types[m->type[u]].id);
		CHECK(m, fh_exists(&m->fh, rm) || m->maybe_stranded[u],
		      "%s has no remove file", m->uuid[u]);
		if (fh_exists(&m->fh, drv)) {
			bound++;
			if (types[m->type[u]].ports)
				ports += (unsigned int)types[m->type[u]].ports;
		}
		if (!types[m->type[u]].ports)
			mdpy++;
	}
	CHECK(m, g_strv_length(names) == n, "%u listed, model has %u",
	      g_strv_length(names), n);
	CHECK(m, mdev_host_device_count(m->fh.host) == n, "core counts %u, %u listed",
	      mdev_host_device_count(m->fh.host), n);
	CHECK(m, g_strv_length(groups) == bound, "%u IOMMU groups, %u bound",
	      g_strv_length(groups), bound);

	for (int t = 0; t < NR_TYPES; t++) {
		int p = types[t].parent;
		g_autofree char *dir = type_path(t, "devices");
		char **in_type;

		if (!m->registered[p]) {
			g_autofree char *tdir = g_strdup_printf(
				"%s/mdev_supported_types", parent_dir[p]);

			CHECK(m, !fh_exists(&m->fh, tdir), "%s of an unregistered "
			      "parent exists", tdir);
			continue;
		}
		in_type = fh_list(&m->fh, dir);
		for (char **e = in_type; *e; e++) {
			bool ok = false;

			for (int u = 0; u < NR_UUIDS && !ok; u++)
				ok = m->present[u] && m->type[u] == t &&
				     !strcmp(*e, m->uuid[u]);
			CHECK(m, ok, "%s lists %s", dir, *e);
		}
		g_strfreev(in_type);
		if (m->modern) {
			g_autofree char *avail = type_path(t, "available_instances");
			long want = types[t].ports ?
				(long)(MTTY_PORTS - ports) / types[t].ports :
				(long)m->mdpy_count - (long)mdpy;
			long got = read_long(m, avail);

			CHECK(m, got == want, "%s available_instances %ld, want %ld",
			      types[t].id, got, want);
		}
	}
	g_strfreev(names);
	g_strfreev(groups);
}

/* Re-read the model from the tree (after a raw control command). */
static void resync(struct model *m)
{
	g_autofree char *parents = mdev_host_describe_parents(m->fh.host);

	for (int p = 0; p < 2; p++) {
		g_autofree char *line = g_strdup_printf("%s registered\n",
							parent_name[p]);

		m->registered[p] = m->loaded[p] && strstr(parents, line);
	}
	for (int u = 0; u < NR_UUIDS; u++) {
		g_autofree char *link_path = dev_path(m, u, "mdev_type");
		g_autofree char *link = fh_readlink(&m->fh, link_path);

		m->present[u] = link != NULL;
		for (int t = 0; link && t < NR_TYPES; t++)
			if (g_str_has_suffix(link, types[t].id))
				m->type[u] = t;
	}
}

/* ------------------------------------------------------------------ */
/* Operations                                                           */

static bool capacity_error(int ret)
{
	return ret == ENOSPC || ret == EUSERS || ret == ENOMEM;
}

static void op_create(struct model *m, struct input *in)
{
	int u = (int)(next(in) % NR_UUIDS), t = (int)(next(in) % NR_TYPES);
	unsigned int v = next(in) % 3;
	int p = types[t].parent;
	g_autofree char *path = type_path(t, "create");
	g_autofree char *text = v == 1 ? g_ascii_strup(m->uuid[u], -1) :
			      g_strdup_printf("%s%s", m->uuid[u], v ? "\n" : "");
	int ret = fh_write_str(&m->fh, path, text);

	if (!m->registered[p]) {
		CHECK(m, ret == ENOENT, "create on unregistered %s: %s",
		      parent_name[p], g_strerror(ret));
	} else if (m->present[u]) {
		CHECK(m, ret == EEXIST || (m->faults && ret),
		      "create of existing %s: %s", m->uuid[u], g_strerror(ret));
	} else if (!ret) {
		m->present[u] = true;
		m->type[u] = t;
		m->maybe_stranded[u] = false;
	} else {
		CHECK(m, capacity_error(ret) || m->faults, "create of %s as %s: %s",
		      m->uuid[u], types[t].id, g_strerror(ret));
	}
}

static void op_remove(struct model *m, struct input *in)
{
	static const char *const texts[] = { "1", "0", "junk", "0x10", "1\n" };
	int u = (int)(next(in) % NR_UUIDS);
	unsigned int v = next(in) % G_N_ELEMENTS(texts);
	g_autofree char *path = dev_path(m, u, "remove");
	bool had_file = fh_exists(&m->fh, path);
	int ret = fh_write_str(&m->fh, path, texts[v]);

	if (!m->present[u] || !had_file) {
		CHECK(m, ret == ENOENT, "remove of %s %s: %s", m->uuid[u],
		      m->present[u] ? "without a remove file" : "not there",
		      g_strerror(ret));
		return;
	}
	if (v == 2) {
		CHECK(m, ret == EINVAL, "remove 'junk': %s", g_strerror(ret));
	} else if (v == 1) {
		CHECK(m, ret == 0, "remove '0': %s", g_strerror(ret));
	} else if (!ret) {
		g_autofree char *dir = dev_path(m, u, NULL);

		CHECK(m, !fh_exists(&m->fh, dir), "%s left after its remove",
		      m->uuid[u]);
		m->present[u] = false;
	} else {
		CHECK(m, m->faults || ret == EBUSY, "remove of %s: %s", m->uuid[u],
		      g_strerror(ret));
		m->maybe_stranded[u] = !fh_exists(&m->fh, path);
	}
}

static void op_bind(struct model *m, struct input *in, bool bind)
{
	int u = (int)(next(in) % NR_UUIDS);
	const char *drv = driver_names[next(in) % G_N_ELEMENTS(driver_names)];
	g_autofree char *path = g_strdup_printf("bus/mdev/drivers/%s/%s", drv,
						bind ? "bind" : "unbind");
	g_autofree char *link_path = dev_path(m, u, "driver");
	int ret = fh_write_str(&m->fh, path, m->uuid[u]);
	g_autofree char *link = fh_readlink(&m->fh, link_path);

	if (!ret) {
		CHECK(m, m->present[u], "%s of absent %s succeeded",
		      bind ? "bind" : "unbind", m->uuid[u]);
		CHECK(m, bind ? link && g_str_has_suffix(link, drv) : !link,
		      "%s %s to %s: driver -> %s", bind ? "bound" : "unbound",
		      m->uuid[u], drv, link ? link : "(none)");
	} else if (!bind) {
		CHECK(m, ret == ENODEV || ret == ENOENT, "unbind: %s",
		      g_strerror(ret));
	}
}

static void op_register(struct model *m, struct input *in, bool reg)
{
	int p = (int)(next(in) % 2);
	int ret = reg ? mdev_host_register_parent(m->fh.host, parent_name[p]) :
			mdev_host_unregister_parent(m->fh.host, parent_name[p]);

	if (!m->loaded[p]) {
		CHECK(m, ret == -ENOENT, "(un)register of absent %s: %d",
		      parent_name[p], ret);
	} else if (reg == m->registered[p]) {
		CHECK(m, ret == -EALREADY, "%s %s twice: %d", parent_name[p],
		      reg ? "registered" : "unregistered", ret);
	} else {
		CHECK(m, ret == 0, "%sregister %s: %d", reg ? "" : "un",
		      parent_name[p], ret);
		m->registered[p] = reg;
		for (int u = 0; !reg && u < NR_UUIDS; u++)
			if (m->present[u] && types[m->type[u]].parent == p)
				m->present[u] = false;
	}
}

static void op_read(struct model *m, struct input *in)
{
	static const char *const type_files[] = { "available_instances", "name",
						  "device_api", "description" };
	unsigned int s = next(in);
	g_autofree char *path = NULL;
	int err = 0;

	switch (s % 4) {
	case 0:
		if (s % 16 == 0)
			fh_read_all(&m->fh, "");
		else
			fh_read_all(&m->fh, "bus");
		return;
	case 1:
		path = dev_path(m, (int)(s / 4 % NR_UUIDS), NULL);
		fh_read_all(&m->fh, path);
		return;
	case 2:
		path = type_path((int)(s / 4 % NR_TYPES),
				 type_files[s / 32 % G_N_ELEMENTS(type_files)]);
		break;
	default:
		path = g_strdup(parent_dir[s / 4 % 2]);
		fh_read_all(&m->fh, path);
		return;
	}
	g_free(fh_read(&m->fh, path, &err, NULL));
}

static void run_control(struct model *m, const char *line)
{
	char *reply = control_execute(m->fh.host, fh_backend_dirs, line);

	CHECK(m, reply && (g_str_has_prefix(reply, "ok\n") ||
			   g_str_has_prefix(reply, "error: ")),
	      "control '%s' replied '%s'", line, reply ? reply : "(null)");
	g_free(reply);
}

static void op_fault(struct model *m, struct input *in)
{
	static const char *const ops[] = { "create", "remove", "store", "clear" };
	static const char *const errs[] = { "EIO", "ENOMEM", "EBUSY", "EINVAL",
					    "ENOSPC", "EPERM", "EAGAIN", "7" };
	static const char *const counts[] = { "", " count=1", " count=2",
					      " count=all" };
	unsigned int o = next(in) % G_N_ELEMENTS(ops);
	const char *type = types[next(in) % NR_TYPES].id;
	const char *e = errs[next(in) % G_N_ELEMENTS(errs)];
	const char *c = counts[next(in) % G_N_ELEMENTS(counts)];
	g_autofree char *line = NULL;

	if (o == 3) {
		run_control(m, "fault clear");
		m->faults = false;
		return;
	}
	line = g_strdup_printf("fault %s %s errno=%s%s", ops[o], type, e, c);
	run_control(m, line);
	m->faults = true;
}

static void op_control(struct model *m, struct input *in)
{
	size_t len = next(in) % 64;
	char *line = g_malloc0(len + 1);
	g_auto(GStrv) words = NULL;
	char *clean;

	for (size_t i = 0; i < len; i++) {
		char c = (char)next(in);

		line[i] = c ? c : ' ';
	}
	clean = g_strstrip(g_strdup(line));
	words = g_strsplit_set(clean, " \t", 2);
	/* No plugin loading from fuzzed paths, and no sleeping. */
	if (!words[0] || (strcmp(words[0], "load") && strcmp(words[0], "unload") &&
			  !strstr(line, "delay"))) {
		run_control(m, line);
		m->faults |= g_str_has_prefix(clean, "fault");
		resync(m);
	}
	g_free(clean);
	g_free(line);
}

static void op_store(struct model *m, struct input *in)
{
	unsigned int f = next(in);
	size_t len = next(in) % 48;
	char *text = g_malloc0(len + 1);
	g_autofree char *path = NULL;

	for (size_t i = 0; i < len; i++)
		text[i] = (char)next(in);
	switch (f % 6) {
	case 0:
		path = g_strdup("bus/mdev/uevent");
		break;
	case 1:
		path = g_strdup("bus/mdev/drivers_probe");
		break;
	case 2:
		path = g_strdup("bus/mdev/drivers_autoprobe");
		break;
	case 3:
		path = dev_path(m, (int)(f / 6 % NR_UUIDS), "uevent");
		break;
	case 4:
		path = g_strdup_printf("bus/mdev/drivers/%s/uevent",
				       driver_names[f / 6 % 3]);
		break;
	default: {
		char **groups = fh_list(&m->fh, "kernel/iommu_groups");

		if (groups[0])
			path = g_strdup_printf("kernel/iommu_groups/%s/type",
					       groups[0]);
		g_strfreev(groups);
		break;
	}
	}
	if (path)
		fh_write(&m->fh, path, text, len);
	g_free(text);
}

/* ------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct model m = { 0 };
	g_autofree char *mdpy_spec = NULL;
	unsigned int first;
	char *msg;

	fh_init();
	first = next(&in);
	m.profile = profiles[first % G_N_ELEMENTS(profiles)];
	m.modern = !strcmp(m.profile, "6.1") || !strcmp(m.profile, "6.13");
	m.mdpy_count = 1 + next(&in) % 6;
	for (int u = 0; u < NR_UUIDS; u++)
		snprintf(m.uuid[u], sizeof(m.uuid[u]),
			 "c0feface-0000-4000-8000-00000000000%d", u);
	mdpy_spec = g_strdup_printf("mdpy:count=%u", m.mdpy_count);

	fh_start(&m.fh, m.profile);
	/* The rest of the first byte: files by inode, as under -o no_open. */
	m.fh.by_inode = (first / G_N_ELEMENTS(profiles)) & 1;
	node_tree_set_by_inode(&m.fh.tree->nodes, m.fh.by_inode);
	msg = fh_load(&m.fh, "mtty");
	CHECK(&m, !msg, "cannot load mtty: %s", msg);
	m.loaded[0] = m.registered[0] = true;
	msg = fh_load(&m.fh, mdpy_spec);
	m.loaded[1] = m.registered[1] = !msg;
	g_free(msg);
	check_all(&m);

	while (in.left) {
		m.step++;
		switch (next(&in) % 12) {
		case 0:
		case 1:
			op_create(&m, &in);
			break;
		case 2:
			op_remove(&m, &in);
			break;
		case 3:
			op_bind(&m, &in, false);
			break;
		case 4:
			op_bind(&m, &in, true);
			break;
		case 5:
			op_register(&m, &in, false);
			break;
		case 6:
			op_register(&m, &in, true);
			break;
		case 7:
			op_read(&m, &in);
			break;
		case 8:
			op_fault(&m, &in);
			break;
		case 9:
			op_control(&m, &in);
			break;
		case 10:
			op_store(&m, &in);
			break;
		default:
			op_remove(&m, &in);
			break;
		}
		check_all(&m);
	}

	/* Unplugging both parents takes every device with it. */
	m.step++;
	for (int p = 0; p < 2; p++) {
		if (!m.registered[p])
			continue;
		CHECK(&m, mdev_host_unregister_parent(m.fh.host, parent_name[p]) == 0,
		      "final unregister of %s", parent_name[p]);
		m.registered[p] = false;
	}
	memset(m.present, 0, sizeof(m.present));
	check_all(&m);
	fh_stop(&m.fh);
	return 0;
}
