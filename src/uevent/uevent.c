// SPDX-License-Identifier: MIT
#include "uevent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event.h"

#define UDEV_MONITOR_MAGIC 0xfeedcafe
#define UDEV_GROUP 2  /* what udevd rebroadcasts, libudev's "udev" group */

/* libudev's header in front of the properties (all fields big-endian). */
struct udev_header {
	char prefix[8];
	guint32 magic;
	guint32 header_size;
	guint32 properties_off;
	guint32 properties_len;
	guint32 filter_subsystem_hash;
	guint32 filter_devtype_hash;
	guint32 filter_tag_bloom_hi;
	guint32 filter_tag_bloom_lo;
};

struct uevent_sender {
	struct mdevfs_host *host;
	struct mdev_listener listener;
	int fd;
	GMutex lock;
	unsigned long long seqnum;
};

guint32 uevent_murmur2(const void *data, size_t len, guint32 seed)
{
	const guint32 m = 0x5bd1e995;
	const unsigned char *p = data;
	guint32 h = seed ^ (guint32)len;

	for (; len >= 4; p += 4, len -= 4) {
		guint32 k = (guint32)p[0] | (guint32)p[1] << 8 |
			    (guint32)p[2] << 16 | (guint32)p[3] << 24;

		k *= m;
		k ^= k >> 24;
		k *= m;
		h = h * m ^ k;
	}
	switch (len) {
	case 3:
		h ^= (guint32)p[2] << 16;
		/* fall through */
	case 2:
		h ^= (guint32)p[1] << 8;
		/* fall through */
	case 1:
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

static void add_property(GByteArray *props, const char *key, const char *value)
{
	g_autofree char *kv = g_strdup_printf("%s=%s", key, value);

	g_byte_array_append(props, (const guint8 *)kv, (guint)strlen(kv) + 1);
}

static const char *subsystem_name(const struct device *dev)
{
	return dev->bus ? dev->bus : device_class_name(dev);
}

GByteArray *uevent_properties(const char *action, const struct device *dev,
			      const char *const *extra, unsigned long long seqnum)
{
	GByteArray *props = g_byte_array_new();
	g_auto(GStrv) vars = device_uevent_vars(dev);
	g_autofree char *devpath = g_strdup_printf("/%s", dev->devpath);
	g_autofree char *seq = g_strdup_printf("%llu", seqnum);
	g_autofree char *usec = g_strdup_printf("%lld", (long long)
						(g_get_monotonic_time()));

	add_property(props, "ACTION", action);
	add_property(props, "DEVPATH", devpath);
	add_property(props, "SUBSYSTEM", subsystem_name(dev));
	/* What dev_uevent() adds: MAJOR/MINOR/DEVNAME, bus variables. */
	for (char **v = vars; *v; v++) {
		const char *eq = strchr(*v, '=');
		g_autofree char *key = eq ? g_strndup(*v, (gsize)(eq - *v)) : NULL;

		if (key)
			add_property(props, key, eq + 1);
	}
	for (const char *const *e = extra; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		g_autofree char *key = g_strndup(*e, (gsize)(eq - *e));

		add_property(props, key, eq + 1);
	}
	add_property(props, "SEQNUM", seq);
	add_property(props, "USEC_INITIALIZED", usec);
	return props;
}

/* One message as libudev reads it: its header, then the properties. */
static GByteArray *message(struct uevent_sender *s, const char *action,
			   const struct device *dev, const char *const *extra,
			   const char *subsystem)
{
	struct udev_header hdr = { .prefix = "libudev" };
	GByteArray *props, *msg;

	g_mutex_lock(&s->lock);
	props = uevent_properties(action, dev, extra, ++s->seqnum);
	g_mutex_unlock(&s->lock);
	hdr.magic = htonl(UDEV_MONITOR_MAGIC);
	hdr.header_size = (guint32)sizeof(hdr);
	hdr.properties_off = (guint32)sizeof(hdr);
	hdr.properties_len = props->len;
	hdr.filter_subsystem_hash = htonl(uevent_murmur2(subsystem,
							 strlen(subsystem), 0));
	msg = g_byte_array_sized_new((guint)sizeof(hdr) + props->len);
	g_byte_array_append(msg, (const guint8 *)&hdr, sizeof(hdr));
	g_byte_array_append(msg, props->data, props->len);
	g_byte_array_unref(props);
	return msg;
}

static void transmit(struct uevent_sender *s, GByteArray *msg)
{
	struct sockaddr_nl dest = { .nl_family = AF_NETLINK,
				    .nl_groups = UDEV_GROUP };

	g_mutex_lock(&s->lock);
	/* Nobody listening is fine: ECONNREFUSED is not an error here. */
	if (sendto(s->fd, msg->data, msg->len, 0, (struct sockaddr *)&dest,
		   sizeof(dest)) < 0 && errno != ECONNREFUSED)
		g_warning("uevent: sendto: %s", g_strerror(errno));
	g_mutex_unlock(&s->lock);
	g_byte_array_unref(msg);
}

/* Messages of a create in progress in this thread (see on_event()). */
static __thread GPtrArray *held;

static void send_event(struct uevent_sender *s, const char *action,
		       const struct device *dev, const char *const *extra)
{
	const char *subsystem = subsystem_name(dev);
	GByteArray *msg;

	/* The driver core sends nothing for a device of no subsystem. */
	if (!subsystem)
		return;
	msg = message(s, action, dev, extra, subsystem);
	if (held)
		g_ptr_array_add(held, msg);
	else
		transmit(s, msg);
}

static void send_held(struct uevent_sender *s)
{
	GPtrArray *todo = held;

	held = NULL;
	for (guint i = 0; todo && i < todo->len; i++)
		transmit(s, todo->pdata[i]);
	if (todo)
		g_ptr_array_free(todo, TRUE);
}

const char *uevent_for(const struct mdev_profile *profile,
		       const struct mdev_event *ev, char **extra)
{
	*extra = NULL;
	switch (ev->type) {
	case MDEV_EVENT_DEVICE_ADD:
		return "add";
	case MDEV_EVENT_DEVICE_DEL:
		return "remove";
	case MDEV_EVENT_BIND:
	case MDEV_EVENT_UNBIND:
		/* The driver core's bind/unbind events exist from 4.14. */
		if (profile->version < MDEVFS_KERNEL_VERSION(4, 14, 0))
			return NULL;
		*extra = g_strdup_printf("DRIVER=%s", ev->driver->name);
		return ev->type == MDEV_EVENT_BIND ? "bind" : "unbind";
	case MDEV_EVENT_PARENT_ADD:
	case MDEV_EVENT_PARENT_DEL:
		if (!profile->mdev_state_uevents)
			return NULL;
		*extra = g_strdup(ev->type == MDEV_EVENT_PARENT_ADD ?
					  "MDEV_STATE=registered" :
					  "MDEV_STATE=unregistered");
		return "change";
	default:
		return NULL;
	}
}

/*
 * udevd passes an event on once the kernel's synchronous probe of the
 * device is over, and listeners such as libvirt read the device then:
 * what a create does, from its mdev's add on, is held back in the
 * creating thread and sent, in order, when the core says it is over.
 */
static void on_event(void *data, const struct mdev_event *ev)
{
	struct uevent_sender *s = data;
	g_autofree char *extra = NULL;
	const char *action;

	if (ev->type == MDEV_EVENT_CREATED) {
		send_held(s);
		return;
	}
	action = uevent_for(s->host->profile, ev, &extra);
	if (!action)
		return;
	if (!held && ev->type == MDEV_EVENT_DEVICE_ADD &&
	    ev->dev->kind == DEVICE_MDEV)
		held = g_ptr_array_new();
	send_event(s, action, ev->dev, (const char *const[]){ extra, NULL });
}

/* Private if it is not init's namespace, or (when that cannot be read,
 * as in a user namespace) if it has no interface but loopback. */
gboolean uevent_netns_is_private(GError **error)
{
	struct stat self, init;
	struct if_nameindex *ifs;
	gboolean only_lo = TRUE;

	if (stat("/proc/self/ns/net", &self) == 0 &&
	    stat("/proc/1/ns/net", &init) == 0) {
		if (self.st_ino != init.st_ino || self.st_dev != init.st_dev)
			return TRUE;
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
			    "refusing to send udev events in the host's network "
			    "namespace (run in a private one, e.g. unshare -n)");
		return FALSE;
	}
	ifs = if_nameindex();
	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		if (strcmp(i->if_name, "lo") != 0)
			only_lo = FALSE;
	if_freenameindex(ifs);
	if (!only_lo)
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
			    "refusing to send udev events: cannot tell this "
			    "network namespace from the host's");
	return only_lo;
}

struct uevent_sender *uevent_sender_start(struct mdevfs_host *host,
					  GError **error)
{
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };
	struct uevent_sender *s;
	int fd;

	if (!uevent_netns_is_private(error))
		return NULL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&self, sizeof(self))) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "uevent socket: %s", g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	s = g_new0(struct uevent_sender, 1);
	s->host = host;
	s->fd = fd;
	g_mutex_init(&s->lock);
	s->listener.notify = on_event;
	s->listener.data = s;
	mdev_host_add_listener(host, &s->listener);
	return s;
}

void uevent_sender_stop(struct uevent_sender *s)
{
	if (!s)
		return;
	mdev_host_remove_listener(s->host, &s->listener);
	close(s->fd);
	g_mutex_clear(&s->lock);
	g_free(s);
}
