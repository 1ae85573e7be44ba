/* Writes seeds for fuzz_state: a monitor with the fuzz target's fixed
 * configuration runs its simulator for a while and saves its state; the
 * payload is written in the target's wrapped form (0x01 + payload) and the
 * whole file in its raw form (0x00 + file).
 *
 *     state_seed OUTDIR */
#include <stdio.h>
#include <string.h>

#include "state_conf.h"

static int write_seed(const char *dir, const char *name, unsigned char mode,
                      const unsigned char *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&mode, 1, 1, f) != 1 || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct revmon_error err;
	revmon_conf *c;
	revmon *m;
	char path[4096];
	unsigned char *buf;
	long n;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: state_seed OUTDIR\n");
		return 2;
	}
	c = fuzz_state_conf();
	m = revmon_open(c, NULL, &err);
	revmon_conf_free(c);
	if (!m) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	for (int i = 0; i < 2; i++)
		revmon_poll(m, 10000);
	snprintf(path, sizeof path, "%s/.state", argv[1]);
	if (revmon_state_save(m, path, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	revmon_close(m);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < FUZZ_STATE_HEAD + FUZZ_STATE_TAIL)
		return 1;
	buf = malloc((size_t)n);
	rewind(f);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return 1;
	fclose(f);
	remove(path);
	if (write_seed(argv[1], "sim_payload", 1, buf + FUZZ_STATE_HEAD,
	               (size_t)n - FUZZ_STATE_HEAD - FUZZ_STATE_TAIL) < 0 ||
	    write_seed(argv[1], "sim_file", 0, buf, (size_t)n) < 0)
		return 1;
	free(buf);
	return 0;
}
