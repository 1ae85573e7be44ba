/* Scratch directories for the unit tests; see scratch.h. */
#include "scratch.h"

#include <stdio.h>
#include <stdlib.h>

int scratch_make(char *dir, size_t size, const char *name)
{
	int n = snprintf(dir, size, "/tmp/revmon-%s-XXXXXX", name);

	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

int scratch_remove(const char *dir)
{
	char cmd[1024];
	int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);

	if (n < 0 || (size_t)n >= sizeof cmd)
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}
