// SPDX-License-Identifier: MIT
/* The AP bus's devices (ap_bus.h). */
#include "ap_bus.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

/* A CEX7 in CCA coprocessor mode, as the AP bus reports one. */
#define AP_DEVICE_TYPE_CEX7 13
#define AP_CARD_DEPTH 8
#define AP_CARD_FUNCTIONS 0x92000000u
#define AP_MAX_MSG_SIZE 12288

struct ap_bus {
	struct device *root;
	GPtrArray *cards;    /* struct ap_card_dev *, by adapter id */
	GPtrArray *queues;   /* struct ap_queue_dev * */
	ap_assigned_fn *assigned;
	void *ctx;
};

struct ap_card_dev {
	struct device *dev;
	gint config;         /* 1 until a write of 0 takes it out */
};

struct ap_queue_dev {
	struct device *dev;
	struct ap_bus *bus;
	unsigned int apid, apqi;
	bool vfio;           /* bound to vfio_ap, not to zcrypt's cex4queue */
};

/* ---- what every card and queue shows ---- */

#define AP_CONST_ATTR(name, format, value)                                  \
	static ssize_t name##_show(struct device *dev,                     \
				   const struct device_attribute *attr,    \
				   char *buf)                              \
	{                                                                  \
		(void)dev;                                                 \
		(void)attr;                                                \
		return sysfs_emit(buf, format "\n", value);                \
	}                                                                  \
	static DEVICE_ATTR_RO(name)

AP_CONST_ATTR(hwtype, "%d", AP_DEVICE_TYPE_CEX7);
AP_CONST_ATTR(raw_hwtype, "%d", AP_DEVICE_TYPE_CEX7);
AP_CONST_ATTR(depth, "%d", AP_CARD_DEPTH);
AP_CONST_ATTR(ap_functions, "0x%08X", AP_CARD_FUNCTIONS);
AP_CONST_ATTR(requestq_count, "%d", 0);
AP_CONST_ATTR(pendingq_count, "%d", 0);
AP_CONST_ATTR(modalias, "ap:t%02X", AP_DEVICE_TYPE_CEX7);
AP_CONST_ATTR(chkstop, "%d", 0);
AP_CONST_ATTR(max_msg_size, "%u", AP_MAX_MSG_SIZE);

/* A file that shows one text and takes any write as done at once: no
 * request is ever sent (a write resets the count to 0) and a reset of an
 * idle queue is over before it is asked about. */
#define AP_IDLE_ATTR(name, text)                                            \
	static ssize_t name##_show(struct device *dev,                     \
				   const struct device_attribute *attr,    \
				   char *buf)                              \
	{                                                                  \
		(void)dev;                                                 \
		(void)attr;                                                \
		return sysfs_emit(buf, text "\n");                         \
	}                                                                  \
	static ssize_t name##_store(struct device *dev,                    \
				    const struct device_attribute *attr,   \
				    const char *buf, size_t count)         \
	{                                                                  \
		(void)dev;                                                 \
		(void)attr;                                                \
		(void)buf;                                                 \
		return (ssize_t)count;                                     \
	}                                                                  \
	static DEVICE_ATTR_RW(name)

AP_IDLE_ATTR(request_count, "0");
AP_IDLE_ATTR(reset, "No Reset Timer set.");

static ssize_t card_config_show(struct device *dev,
				const struct device_attribute *attr, char *buf)
{
	struct ap_card_dev *card = dev_get_drvdata(dev);

	(void)attr;
	return sysfs_emit(buf, "%d\n", g_atomic_int_get(&card->config));
}

/* 0 or 1, as "%d" reads it; anything else is EINVAL. */
static ssize_t card_config_store(struct device *dev,
				 const struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct ap_card_dev *card = dev_get_drvdata(dev);
	int cfg;

	(void)attr;
	if (sscanf(buf, "%d", &cfg) != 1 || cfg < 0 || cfg > 1)
		return -EINVAL;
	g_atomic_int_set(&card->config, cfg);
	return (ssize_t)count;
}

static const struct device_attribute dev_attr_card_config =
	MDEVFS_ATTR(config, 0644, card_config_show, card_config_store);

static const struct attribute *const card_attrs[] = {
	&dev_attr_hwtype.attr, &dev_attr_raw_hwtype.attr, &dev_attr_depth.attr,
	&dev_attr_ap_functions.attr, &dev_attr_request_count.attr,
	&dev_attr_requestq_count.attr, &dev_attr_pendingq_count.attr,
	&dev_attr_modalias.attr, &dev_attr_card_config.attr,
	&dev_attr_chkstop.attr, &dev_attr_max_msg_size.attr, NULL
};
static const struct attribute_group card_group = { .attrs = card_attrs };
static const struct attribute_group *const card_groups[] = { &card_group, NULL };

/* ---- queues ---- */

/* zcrypt's queues take interrupts; vfio_ap's wait for a guest's. */
static ssize_t interrupt_show(struct device *dev,
			      const struct device_attribute *attr, char *buf)
{
	const struct ap_queue_dev *q = dev_get_drvdata(dev);

	(void)attr;
	return sysfs_emit(buf, "Interrupts %s.\n", q->vfio ? "disabled" : "enabled");
}

static DEVICE_ATTR_RO(interrupt);

static ssize_t queue_config_show(struct device *dev,
				 const struct device_attribute *attr, char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "1\n");
}

static const struct device_attribute dev_attr_queue_config =
	MDEVFS_ATTR(config, 0444, queue_config_show, NULL);

static const struct attribute *const queue_attrs[] = {
	&dev_attr_request_count.attr, &dev_attr_requestq_count.attr,
	&dev_attr_pendingq_count.attr, &dev_attr_reset.attr,
	&dev_attr_interrupt.attr, &dev_attr_queue_config.attr,
	&dev_attr_chkstop.attr, &dev_attr_ap_functions.attr, NULL
};
static const struct attribute_group queue_group = { .attrs = queue_attrs };

/* What the vfio_ap queue driver adds: whether an mdev holds the queue
 * (a guest using it would make it "in use"; none runs here). */
static ssize_t status_show(struct device *dev,
			   const struct device_attribute *attr, char *buf)
{
	struct ap_queue_dev *q = dev_get_drvdata(dev);
	bool held = q->bus->assigned(q->bus->ctx, q->apid, q->apqi);

	(void)attr;
	return sysfs_emit(buf, "%s\n", held ? "assigned" : "unassigned");
}

static DEVICE_ATTR_RO(status);

static const struct attribute *const vfio_queue_attrs[] = {
	&dev_attr_status.attr, NULL
};
static const struct attribute_group vfio_queue_group = {
	.attrs = vfio_queue_attrs
};
static const struct attribute_group *const host_queue_groups[] = {
	&queue_group, NULL
};
static const struct attribute_group *const vfio_queue_groups[] = {
	&queue_group, &vfio_queue_group, NULL
};

/* ---- making and destroying ---- */

static const char *const card_uevent[] = {
	"DEVTYPE=ap_card", "DEV_TYPE=000D", "MODALIAS=ap:t0D", "MODE=cca", NULL
};
static const char *const queue_uevent[] = {
	"DEVTYPE=ap_queue", "MODE=cca", NULL
};

static struct ap_card_dev *add_card(struct mdevfs_host *host, unsigned int apid)
{
	g_autofree char *name = g_strdup_printf("card%02x", apid);
	const struct mdevfs_device_desc desc = {
		.name = name, .parent_path = "devices/ap", .bus = "ap",
		.driver = "cex4card", .uevent_vars = card_uevent,
		.groups = card_groups,
	};
	struct ap_card_dev *card = g_new0(struct ap_card_dev, 1);

	card->config = 1;
	card->dev = mdevfs_device_create(host, &desc);
	if (!card->dev) {
		g_free(card);
		return NULL;
	}
	dev_set_drvdata(card->dev, card);
	return card;
}

static struct ap_queue_dev *add_queue(struct mdevfs_host *host,
				      struct ap_bus *bus, unsigned int apid,
				      unsigned int apqi, bool vfio)
{
	g_autofree char *name = g_strdup_printf("%02x.%04x", apid, apqi);
	g_autofree char *card = g_strdup_printf("devices/ap/card%02x", apid);
	const struct mdevfs_device_desc desc = {
		.name = name, .parent_path = card, .bus = "ap",
		.driver = vfio ? "vfio_ap" : "cex4queue",
		.uevent_vars = queue_uevent,
		.groups = vfio ? vfio_queue_groups : host_queue_groups,
	};
	struct ap_queue_dev *q = g_new0(struct ap_queue_dev, 1);

	q->bus = bus;
	q->apid = apid;
	q->apqi = apqi;
	q->vfio = vfio;
	q->dev = mdevfs_device_create(host, &desc);
	if (!q->dev) {
		g_free(q);
		return NULL;
	}
	dev_set_drvdata(q->dev, q);
	return q;
}

static bool has_queue(const struct ap_apqns *set, unsigned int apid,
		      unsigned int apqi)
{
	return set && ap_test(&set->queues[apid], apqi);
}

/* The queues of adapter apid, then its card first. */
static bool add_adapter(struct mdevfs_host *host, struct ap_bus *bus,
			unsigned int apid, const struct ap_apqns *bound,
			const struct ap_apqns *reserved)
{
	struct ap_card_dev *card = NULL;

	for (unsigned int apqi = 0; apqi < AP_IDS; apqi++) {
		bool vfio = has_queue(bound, apid, apqi);
		struct ap_queue_dev *q;

		if (!vfio && !has_queue(reserved, apid, apqi))
			continue;
		if (!card) {
			card = add_card(host, apid);
			if (!card)
				return false;
			g_ptr_array_add(bus->cards, card);
		}
		q = add_queue(host, bus, apid, apqi, vfio);
		if (!q)
			return false;
		g_ptr_array_add(bus->queues, q);
	}
	return true;
}

struct ap_bus *ap_bus_create(struct mdevfs_host *host,
			     const struct ap_apqns *bound,
			     const struct ap_apqns *reserved,
			     ap_assigned_fn *assigned, void *ctx)
{
	/* The bus's root device, of no bus or class itself. */
	const struct mdevfs_device_desc root = {
		.name = "ap", .parent_path = "devices",
	};
	struct ap_bus *bus = g_new0(struct ap_bus, 1);
	int err = 0;

	bus->assigned = assigned;
	bus->ctx = ctx;
	bus->cards = g_ptr_array_new();
	bus->queues = g_ptr_array_new();
	bus->root = mdevfs_device_create(host, &root);
	for (unsigned int apid = 0; bus->root && apid < AP_IDS; apid++)
		if (!add_adapter(host, bus, apid, bound, reserved)) {
			err = errno;
			break;
		}
	if (!bus->root || err) {
		err = err ? err : errno;
		ap_bus_destroy(bus);
		errno = err ? err : ENOMEM;
		return NULL;
	}
	return bus;
}

void ap_bus_destroy(struct ap_bus *bus)
{
	if (!bus)
		return;
	for (guint i = bus->queues->len; i > 0; i--) {
		struct ap_queue_dev *q = bus->queues->pdata[i - 1];

		mdevfs_device_destroy(q->dev);
		g_free(q);
	}
	for (guint i = bus->cards->len; i > 0; i--) {
		struct ap_card_dev *card = bus->cards->pdata[i - 1];

		mdevfs_device_destroy(card->dev);
		g_free(card);
	}
	if (bus->root)
		mdevfs_device_destroy(bus->root);
	g_ptr_array_free(bus->queues, TRUE);
	g_ptr_array_free(bus->cards, TRUE);
	g_free(bus);
}
