// SPDX-License-Identifier: MIT
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "control.h"

char *control_default_path(const char *mountpoint)
{
	g_autofree char *real = realpath(mountpoint, NULL);
	g_autofree char *hash = NULL;
	const char *runtime = g_getenv("XDG_RUNTIME_DIR");

	if (!real)
		real = g_strdup(mountpoint);
	hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, real, -1);
	hash[16] = '\0';
	if (getuid() == 0)
		runtime = "/run";
	else if (!runtime || !*runtime)
		return g_strdup_printf("/tmp/mdevfs-%u/%s.sock",
				       (unsigned int)getuid(), hash);
	return g_strdup_printf("%s/mdevfs/%s.sock", runtime, hash);
}
