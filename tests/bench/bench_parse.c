/* bench_parse FILE: throughput of the parsing layer on NDJSON (one JSON
 * value per line), against jansson as the yardstick.
 *
 *   scan    rm_json_value_end on each line (validation + finding the end)
 *   records rm_doc_parse on each line, into a sink that does nothing
 *   jansson json_loadb + json_decref on each line
 *
 * MODE (scan, records or jansson) runs one mode only, e.g. under perf.
 * Each mode runs for at least MIN_SECONDS over the whole file and reports
 * its best pass, in MB/s (10^6 bytes) of input including newlines. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "json_scan.h"
#include "records.h"

#define MIN_SECONDS 1.0

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct counts {
	size_t lines, ok, bad;
};

static void nop_event(void *ctx, const struct rm_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void nop_reject(void *ctx, const char *why, size_t off)
{
	(void)ctx;
	(void)why;
	(void)off;
}

enum mode { SCAN, RECORDS, JANSSON };
static const char *const names[] = {"scan", "records", "jansson"};

/* One pass over every line of the file. */
static void pass(enum mode m, const char *buf, size_t len, struct counts *c)
{
	static const struct rm_sink sink = {.event = nop_event, .reject = nop_reject};
	const char *p = buf, *end = buf + len;

	memset(c, 0, sizeof *c);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int ok = 0;

		if (n) {
			c->lines++;
			if (m == SCAN) {
				size_t e;
				enum rm_json_type t;

				ok = rm_json_value_end(p, n, 0, &e, &t) == RM_JSON_OK;
			} else if (m == RECORDS) {
				struct rm_doc_result res;

				ok = rm_doc_parse(p, n, &sink, &res) == 0 && res.rejected == 0;
			} else {
				json_t *j = json_loadb(p, n, 0, NULL);

				ok = j != NULL;
				json_decref(j);
			}
			if (ok)
				c->ok++;
			else
				c->bad++;
		}
		p += n + 1;
	}
}

static void run(const char *name, enum mode m, const char *buf, size_t len)
{
	double best = 1e30, start = now(), t0, dt;
	struct counts c;
	int passes = 0;

	do {
		t0 = now();
		pass(m, buf, len, &c);
		dt = now() - t0;
		if (dt < best)
			best = dt;
		passes++;
	} while (now() - start < MIN_SECONDS || passes < 3);
	printf("%-8s %9.1f MB/s  %10.0f lines/s  (%zu lines, %zu ok, %zu failed; best of %d)\n", name,
	       (double)len / best / 1e6, (double)c.lines / best, c.lines, c.ok, c.bad, passes);
}

int main(int argc, char **argv)
{
	struct stat st;
	const char *buf;
	int fd, rc = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s FILE.ndjson [scan|records|jansson]\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
		fprintf(stderr, "%s: %s\n", argv[1], fd < 0 ? strerror(errno) : "empty or unreadable");
		goto out;
	}
	buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (buf == MAP_FAILED) {
		fprintf(stderr, "%s: mmap: %s\n", argv[1], strerror(errno));
		goto out;
	}
	printf("%s: %.1f MB\n", argv[1], (double)st.st_size / 1e6);
	for (int m = SCAN; m <= JANSSON; m++)
		if (argc < 3 || !strcmp(argv[2], names[m]))
			run(names[m], (enum mode)m, buf, (size_t)st.st_size);
	munmap((void *)buf, (size_t)st.st_size);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
