/* Replaying fuzz findings; see fuzz_replay.h. */
#include "fuzz_replay.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixtures.h"

size_t fuzz_replay(const struct fuzz_target *t)
{
	char dir[2048], path[4096];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/fuzz/%s", fixtures_dir(), t->name);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *buf;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		buf = fixture_read(path, &len);
		print_message("%s/%s\n", t->name, de->d_name);
		t->one((const uint8_t *)buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}
