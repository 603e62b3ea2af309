/* SPDX-License-Identifier: MIT */
/*
 * NVIDIA vGPU boards: the PCI identity of each GPU and the vGPU types
 * (profiles) its driver offers, per the vGPU type catalog in
 * spec/vendors.md §1.3.
 */
#ifndef NV_BOARDS_H
#define NV_BOARDS_H

#include "mdevfs/mdev.h"

/* Profile series; each has its own description values (vendors.md §1.2). */
enum nv_series {
	NV_Q,	/* vWS */
	NV_B,	/* vPC */
	NV_B4,	/* vPC with 4 heads */
	NV_A,	/* vApps */
	NV_C,	/* compute */
};

struct nv_profile {
	unsigned int id;	/* type id N of nvidia-<N> */
	unsigned int size_gb;	/* framebuffer in GiB; 0 means 512 MiB */
	enum nv_series series;
	unsigned int max;	/* most instances on one physical GPU */
};

struct nv_board {
	const char *key;	/* value of the board= argument */
	const char *prefix;	/* "GRID" or "NVIDIA" in type names */
	const char *model;	/* "T4", as in "GRID T4-2Q" */
	/* PCI identity of each GPU (and of its VFs). */
	unsigned short device;
	unsigned short subvendor;
	unsigned short subdevice;
	unsigned int class_code;
	unsigned char revision;
	/* max_resolution of the C series on this board's driver. */
	const char *c_resolution;
	/* One parent per GPU unless SR-IOV, where each GPU is a PF. */
	unsigned int nr_gpus;
	const char *const *bdfs;	/* default placement, nr_gpus entries */
	unsigned int nr_vfs;		/* VFs per PF; 0 = no SR-IOV */
	/* The function's BARs, link and capabilities (the layout members
	 * of a PCI description; the IDs and place are filled in later);
	 * an SR-IOV board's VF BARs too. */
	struct mdevfs_pci_desc layout;
	/* A VF's MSI-X table (in its BAR0). */
	unsigned short vf_msix_vectors;
	unsigned int vf_msix_offset;
	const struct nv_profile *profiles;
	unsigned int nr_profiles;
};

#define NV_VENDOR 0x10de

/* The board named key, or NULL. */
const struct nv_board *nv_board_find(const char *key);
/* The board used without a board= argument. */
const struct nv_board *nv_board_default(void);

#endif
