// SPDX-License-Identifier: MIT
/* A shared object that loads but exports no mdevfs_plugin. */
__attribute__((visibility("default"))) int noplugin_marker = 1;
