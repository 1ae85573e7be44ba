/* Source "file": exported logs from a file, a directory tree of exports
 * (read in sorted path order, as storage lays them out), or stdin ("-"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

#define READ_MIN (1u << 20)

struct file_src {
	char *path;       /* as configured */
	char **files;     /* regular files to read, sorted; owned */
	size_t n_files, next;
	int fd;           /* file being read, -1 when none */
	int is_stdin;
	int listed;
	int eof_all;
	struct rm_buf buf;
	uint64_t base;    /* input offset of buf's first byte */
	uint64_t bytes_total, bytes_done;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(struct file_src *f, const char *path)
{
	char **p = realloc(f->files, (f->n_files + 1) * sizeof *p);
	char *copy = strdup(path);

	if (p)
		f->files = p;
	if (!p || !copy) {
		free(copy);
		return -1;
	}
	f->files[f->n_files++] = copy;
	return 0;
}

/* Collect the regular files under dir. Unreadable entries are reported and
 * skipped: the rest still gets read. */
static int walk(struct file_src *f, struct rm_ingest *in, const char *dir, int depth,
                struct revmon_error *err, int *failed)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (depth > 32) {
		rm_ingest_log(in, REVMON_LOG_WARNING, "%s: directories nested too deeply, not read", dir);
		return 0;
	}
	d = opendir(dir);
	if (!d) {
		rm_errorf(err, "%s: %s", dir, strerror(errno));
		rm_ingest_log(in, REVMON_LOG_ERR, "%s: %s", dir, strerror(errno));
		*failed = 1;
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		size_t n;
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n = strlen(dir) + strlen(de->d_name) + 2;
		p = malloc(n);
		if (!p) {
			rc = -1;
			break;
		}
		snprintf(p, n, "%s/%s", dir, de->d_name);
		if (stat(p, &st) < 0) {
			rm_errorf(err, "%s: %s", p, strerror(errno));
			rm_ingest_log(in, REVMON_LOG_ERR, "%s: %s", p, strerror(errno));
			*failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(f, in, p, depth + 1, err, failed);
		} else if (S_ISREG(st.st_mode)) {
			rc = add_file(f, p);
			f->bytes_total += (uint64_t)st.st_size;
		}
		free(p);
		if (rc < 0)
			break;
	}
	closedir(d);
	return rc;
}

static int list_files(struct file_src *f, struct rm_ingest *in, struct revmon_error *err,
                      int *failed)
{
	struct stat st;

	f->listed = 1;
	if (f->is_stdin)
		return 0;
	if (stat(f->path, &st) < 0) {
		rm_errorf(err, "%s: %s", f->path, strerror(errno));
		*failed = 1;
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (walk(f, in, f->path, 0, err, failed) < 0) {
			rm_errorf(err, "%s: out of memory", f->path);
			return -1;
		}
		qsort(f->files, f->n_files, sizeof *f->files, cmp_str);
		return 0;
	}
	f->bytes_total = (uint64_t)st.st_size;
	return add_file(f, f->path);
}

static int file_poll(struct rm_source *src, struct rm_ingest *in, int64_t deadline,
                     struct revmon_error *err)
{
	struct file_src *f = src->impl;
	int failed = 0;

	if (!f->listed && list_files(f, in, err, &failed) < 0)
		return -1;
	while (!f->eof_all && rm_monotonic_ms() < deadline) {
		ssize_t got;
		size_t want;

		if (f->fd < 0) {
			if (f->is_stdin) {
				f->fd = STDIN_FILENO;
			} else if (f->next < f->n_files) {
				const char *p = f->files[f->next++];

				f->fd = open(p, O_RDONLY | O_CLOEXEC);
				if (f->fd < 0) {
					rm_errorf(err, "%s: %s", p, strerror(errno));
					rm_ingest_log(in, REVMON_LOG_ERR, "%s: %s: file skipped",
					              src->name, err->msg);
					failed = 1;
					continue;
				}
				f->base = 0;
				src->skipping = 0;
			} else {
				f->eof_all = 1;
				break;
			}
		}
		in->doc_name = f->is_stdin ? "stdin" : f->files[f->next - 1];
		/* Read at least as much as is buffered, so a large document is
		 * scanned a logarithmic number of times, not once per chunk. */
		want = f->buf.len > READ_MIN ? f->buf.len : READ_MIN;
		if (rm_buf_reserve(&f->buf, want) < 0) {
			rm_errorf(err, "%s: out of memory", src->name);
			return -1;
		}
		/* A pipe or terminal may have nothing to give: wait no longer
		 * than the budget, so a poll never blocks forever. */
		if (f->is_stdin) {
			struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
			int64_t left = deadline - rm_monotonic_ms();
			int pr = poll(&pfd, 1, left > 0 ? (int)(left > 60000 ? 60000 : left) : 0);

			if (pr == 0)
				break;
			if (pr < 0 && errno != EINTR) {
				rm_errorf(err, "stdin: poll: %s", strerror(errno));
				failed = 1;
				break;
			}
			if (pr < 0)
				continue;
		}
		got = read(f->fd, f->buf.data + f->buf.len, want);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rm_errorf(err, "%s: read: %s", in->doc_name, strerror(errno));
			rm_ingest_log(in, REVMON_LOG_ERR, "%s: %s", src->name, err->msg);
			failed = 1;
			got = 0; /* treat as end of this file */
		}
		f->buf.len += (size_t)got;
		f->bytes_done += (uint64_t)got;
		rm_ingest_stream(in, &f->buf, got == 0, &src->skipping, &f->base);
		if (got == 0) {
			if (!f->is_stdin)
				close(f->fd);
			f->fd = -1;
			f->buf.len = 0;
			if (f->is_stdin)
				f->eof_all = 1;
		}
	}
	in->doc_name = NULL;
	return failed ? -1 : 0;
}

static int64_t file_now(const struct rm_source *src)
{
	(void)src;
	return 0; /* replays run on the analyzer's watermark */
}

static int file_done(const struct rm_source *src)
{
	const struct file_src *f = src->impl;
	return f->eof_all;
}

static void file_free(struct rm_source *src)
{
	struct file_src *f = src->impl;

	if (f) {
		if (f->fd >= 0 && !f->is_stdin)
			close(f->fd);
		for (size_t i = 0; i < f->n_files; i++)
			free(f->files[i]);
		free(f->files);
		free(f->path);
		rm_buf_free(&f->buf);
		free(f);
	}
	free(src->name);
	free(src->error);
	free(src);
}

static uint64_t file_progress(const struct rm_source *src, uint64_t *total)
{
	const struct file_src *f = src->impl;

	*total = f->is_stdin ? 0 : f->bytes_total;
	return f->bytes_done;
}

static const struct rm_source_ops file_ops = {file_poll, file_now, file_done, file_progress,
                                              file_free};

struct rm_source *rm_source_file_new(const char *spec, const struct rm_settings *s,
                                     struct revmon_error *err)
{
	struct rm_source *src = calloc(1, sizeof *src);
	struct file_src *f = calloc(1, sizeof *f);
	const char *path = spec + 5; /* after "file:" */

	(void)s;
	if (!src || !f)
		goto oom;
	src->ops = &file_ops;
	src->impl = f;
	src->up = 1;
	f->fd = -1;
	f->is_stdin = strcmp(path, "-") == 0;
	src->name = strdup(spec);
	f->path = strdup(path);
	if (!src->name || !f->path)
		goto oom;
	if (!f->is_stdin && access(path, F_OK) < 0) {
		rm_errorf(err, "source: %s: %s", spec, strerror(errno));
		file_free(src);
		return NULL;
	}
	return src;
oom:
	rm_errorf(err, "source: %s: out of memory", spec);
	if (src) {
		src->impl = f;
		file_free(src);
	} else {
		free(f);
	}
	return NULL;
}

