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
#include "util/util.h"

#define READ_MIN (1u << 20)

/* A file being followed: bytes before offset have been ingested. */
struct tracked {
	char *path;
	uint64_t offset;
	uint64_t size;     /* at the last look */
	dev_t dev;
	ino_t ino;
	int stalled;       /* unchanged since the last poll with a partial record left */
	int begun;         /* stream holds the file's format (and CSV header) */
	struct rm_stream stream;
};

struct file_src {
	char *path;        /* as configured */
	int is_stdin;
	struct tracked *files; /* sorted by path; owned */
	size_t n_files;
	int caught_up;     /* every file read to the size seen at the last look */
	int stdin_eof;
	enum rm_format format; /* file_format: forced, or AUTO */
	struct rm_buf buf;
	uint64_t base;     /* stdin: input offset of buf's first byte */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct listing {
	char **paths;
	size_t n;
};

static int list_add(struct listing *l, const char *path)
{
	char **p = realloc(l->paths, (l->n + 1) * sizeof *p);
	char *copy = strdup(path);

	if (p)
		l->paths = p;
	if (!p || !copy) {
		free(copy);
		return -1;
	}
	l->paths[l->n++] = copy;
	return 0;
}

static void list_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
}

/* Collect the regular files under dir. Unreadable entries are reported and
 * skipped: the rest still gets read. */
static int walk(struct listing *l, struct rm_ingest *in, const char *dir, int depth,
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
		*failed = errno == EACCES || errno == EPERM ? 2 : 1; /* 2: unusable */
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
			*failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(l, in, p, depth + 1, err, failed);
		} else if (S_ISREG(st.st_mode)) {
			rc = list_add(l, p);
		}
		free(p);
		if (rc < 0)
			break;
	}
	closedir(d);
	return rc;
}

static void tracked_free(struct tracked *t)
{
	free(t->path);
	rm_stream_free(&t->stream);
}

/* Bring the tracked list in line with what is on disk now: new files join
 * (at offset 0), vanished ones leave, known ones keep their offsets.
 * Returns 0, 1 when the configured path itself is gone, -1 on no memory. */
static int relist(struct file_src *f, struct rm_ingest *in, struct revmon_error *err, int *failed)
{
	struct listing l = {0};
	struct stat st;
	struct tracked *nt = NULL;
	size_t j = 0;
	int rc = -1;

	if (stat(f->path, &st) < 0) {
		rm_errorf(err, "%s: %s", f->path, strerror(errno));
		*failed = 1;
		return 1; /* keep the cursors: it may come back */
	}
	if (S_ISDIR(st.st_mode)) {
		if (walk(&l, in, f->path, 0, err, failed) < 0)
			goto oom;
		if (l.n)
			qsort(l.paths, l.n, sizeof *l.paths, cmp_str);
	} else if (list_add(&l, f->path) < 0) {
		goto oom;
	}
	nt = calloc(l.n ? l.n : 1, sizeof *nt);
	if (!nt)
		goto oom;
	for (size_t i = 0; i < l.n; i++) {
		/* both lists are sorted: merge */
		while (j < f->n_files && strcmp(f->files[j].path, l.paths[i]) < 0)
			tracked_free(&f->files[j++]);
		if (j < f->n_files && strcmp(f->files[j].path, l.paths[i]) == 0) {
			nt[i] = f->files[j++];
			continue;
		}
		nt[i].path = l.paths[i];
		nt[i].stream.format = f->format;
		l.paths[i] = NULL;
	}
	while (j < f->n_files)
		tracked_free(&f->files[j++]);
	free(f->files);
	f->files = nt;
	f->n_files = l.n;
	rc = 0;
	goto out;
oom:
	rm_errorf(err, "%s: out of memory", f->path);
out:
	list_free(&l);
	return rc;
}

/* Start reading t: what its name says (a sign-in download names its kind),
 * and, when it resumes past its start (a cursor from the state file), its
 * head again, for its format and CSV header. */
static void begin(struct tracked *t, int fd, struct rm_ingest *in)
{
	char head[65536];
	const char *base = strrchr(t->path, '/');
	ssize_t got;

	t->begun = 1;
	t->stream.name_kind = rm_ingest_name_kind(base ? base + 1 : t->path);
	if (!t->offset)
		return;
	got = pread(fd, head, sizeof head, 0);
	if (got > 0)
		rm_ingest_resume(in, &t->stream, head, (size_t)got);
}

/* Read t from its offset (fd is there) into the ingest, until its end or
 * the deadline. Returns 1 when it is read to its current size. */
static int read_on(struct rm_source *src, struct file_src *f, struct tracked *t, int fd,
                   struct rm_ingest *in, int64_t deadline, struct revmon_error *err, int *failed)
{
	uint64_t base = t->offset;
	int done = 0;

	f->buf.len = 0;
	for (;;) {
		size_t want = f->buf.len > READ_MIN ? f->buf.len : READ_MIN;
		ssize_t got;
		int at_end;

		if (rm_buf_reserve(&f->buf, want) < 0) {
			rm_errorf(err, "%s: out of memory", src->name);
			*failed = 1;
			break;
		}
		got = read(fd, f->buf.data + f->buf.len, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rm_errorf(err, "%s: read: %s", t->path, strerror(errno));
			*failed = 1;
			done = 1;
			break;
		}
		f->buf.len += (size_t)got;
		/* A partial record at the end stays for the next poll, unless the
		 * file has stopped growing: then it is a truncated record. */
		at_end = got == 0 || base + f->buf.len >= t->size;
		rm_ingest_stream(in, &f->buf, at_end && t->stalled, &t->stream, &base);
		t->offset = base;
		if (at_end) {
			/* A partial record keeps the file unfinished for one more
			 * poll, which settles it. */
			if (t->stalled)
				t->offset = t->size;
			done = t->offset >= t->size;
			break;
		}
		if (rm_monotonic_ms() >= deadline)
			break;
	}
	/* Bytes left in the buffer are re-read from offset next time. */
	f->buf.len = 0;
	return done;
}

/* Ingest what t has beyond its offset, until the deadline. Returns 1 when
 * it is read to its current size. */
static int follow(struct rm_source *src, struct file_src *f, struct tracked *t,
                  struct rm_ingest *in, int64_t deadline, struct revmon_error *err, int *failed)
{
	struct stat st;
	int fd, done = 0;

	/* O_NONBLOCK: a FIFO at the path must not block the poll in open()
	 * beyond its budget (see below); a regular file is not affected. */
	fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		/* The monitor logs a failing source once per change of state. */
		rm_errorf(err, "%s: %s", t->path, strerror(errno));
		if (errno == EACCES || errno == EPERM)
			src->unusable = 1; /* someone must fix the permissions */
		*failed = 1;
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		/* A FIFO nobody writes is a source with nothing to give, like a
		 * quiet stdin: wait for it no longer than the budget, unfinished.
		 * Anything else it does (data, hang-up) is unsupported. */
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - rm_monotonic_ms();
		int pr = poll(&pfd, 1, left > 0 ? (int)(left > 60000 ? 60000 : left) : 0);

		if (pr > 0) {
			rm_errorf(err, "%s: not a regular file", t->path);
			*failed = 1;
		}
		close(fd);
		return pr > 0;
	}
	/* Replaced or truncated (rotation): start it over; ids dedupe. */
	if ((t->ino && (st.st_ino != t->ino || st.st_dev != t->dev)) || (uint64_t)st.st_size < t->offset) {
		t->offset = 0;
		t->begun = 0;
		rm_stream_reset(&t->stream);
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->stalled = t->size == (uint64_t)st.st_size && t->offset < t->size;
	t->size = (uint64_t)st.st_size;
	if (t->offset >= t->size) {
		done = 1;
		goto out;
	}
	if (lseek(fd, (off_t)t->offset, SEEK_SET) < 0) {
		rm_errorf(err, "%s: %s", t->path, strerror(errno));
		*failed = 1;
		done = 1;
		goto out;
	}
	in->doc_name = t->path;
	if (!t->begun)
		begin(t, fd, in);
	done = read_on(src, f, t, fd, in, deadline, err, failed);
	in->doc_name = NULL;
out:
	close(fd);
	return done;
}

static int stdin_poll(struct rm_source *src, struct file_src *f, struct rm_ingest *in,
                      int64_t deadline, struct revmon_error *err)
{
	in->doc_name = "stdin";
	while (!f->stdin_eof && rm_monotonic_ms() < deadline) {
		/* A pipe or terminal may have nothing to give: wait no longer
		 * than the budget, so a poll never blocks forever. */
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		int64_t left = deadline - rm_monotonic_ms();
		int pr = poll(&pfd, 1, left > 0 ? (int)(left > 60000 ? 60000 : left) : 0);
		ssize_t got;

		if (pr == 0)
			break;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0 || rm_buf_reserve(&f->buf, READ_MIN) < 0) {
			rm_errorf(err, "stdin: %s", pr < 0 ? strerror(errno) : "out of memory");
			in->doc_name = NULL;
			return -1;
		}
		got = read(STDIN_FILENO, f->buf.data + f->buf.len, READ_MIN);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rm_errorf(err, "stdin: read: %s", strerror(errno));
			in->doc_name = NULL;
			return -1;
		}
		f->buf.len += (size_t)got;
		f->stdin_eof = got == 0;
		rm_ingest_stream(in, &f->buf, f->stdin_eof, &src->stream, &f->base);
	}
	in->doc_name = NULL;
	return 0;
}

static int file_poll(struct rm_source *src, struct rm_ingest *in, int64_t deadline,
                     struct revmon_error *err)
{
	struct file_src *f = src->impl;
	int failed = 0, all = 1;

	if (f->is_stdin)
		return stdin_poll(src, f, in, deadline, err);
	switch (relist(f, in, err, &failed)) {
	case -1:
		return -1;
	case 1:
		f->caught_up = 1; /* nothing to read while it is gone */
		return -1;
	}
	if (failed == 2)
		src->unusable = 1;
	for (size_t i = 0; i < f->n_files; i++) {
		if (rm_monotonic_ms() >= deadline) {
			all = 0;
			break;
		}
		all &= follow(src, f, &f->files[i], in, deadline, err, &failed);
	}
	f->caught_up = all;
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

	return f->is_stdin ? f->stdin_eof : f->caught_up;
}

static void file_free(struct rm_source *src)
{
	struct file_src *f = src->impl;

	if (f) {
		for (size_t i = 0; i < f->n_files; i++)
			tracked_free(&f->files[i]);
		free(f->files);
		free(f->path);
		rm_buf_free(&f->buf);
	}
	rm_source_release(src);
}

static uint64_t file_progress(const struct rm_source *src, uint64_t *total)
{
	const struct file_src *f = src->impl;
	uint64_t done = 0, all = 0;

	if (f->is_stdin) {
		*total = 0;
		return f->base;
	}
	for (size_t i = 0; i < f->n_files; i++) {
		done += f->files[i].offset;
		all += f->files[i].size;
	}
	*total = all;
	return done;
}

/* The cursor: every followed file with its offset and identity. */
static int file_save(const struct rm_source *src, struct rm_buf *out)
{
	const struct file_src *f = src->impl;
	int e = 0;

	e |= rm_put_u64(out, f->n_files);
	for (size_t i = 0; i < f->n_files; i++) {
		const struct tracked *t = &f->files[i];

		e |= rm_put_str(out, t->path);
		e |= rm_put_u64(out, t->offset);
		e |= rm_put_u64(out, t->size);
		e |= rm_put_u64(out, (uint64_t)t->dev);
		e |= rm_put_u64(out, (uint64_t)t->ino);
	}
	return e ? -1 : 0;
}

static int file_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err)
{
	struct file_src *f = src->impl;
	struct rm_rd r = {buf, len, 0, 0};
	uint64_t n = rm_get_count(&r, 36);
	struct tracked *nt = calloc(n ? n : 1, sizeof *nt);
	size_t i;

	if (!nt) {
		rm_errorf(err, "%s: out of memory", src->name);
		return -1;
	}
	for (i = 0; i < n && !r.bad; i++) {
		nt[i].path = rm_get_str(&r);
		nt[i].offset = rm_get_u64(&r);
		nt[i].size = rm_get_u64(&r);
		nt[i].dev = (dev_t)rm_get_u64(&r);
		nt[i].ino = (ino_t)rm_get_u64(&r);
		/* sorted, as relist merges by order */
		if (!nt[i].path || (i && strcmp(nt[i - 1].path, nt[i].path) >= 0) || nt[i].offset > nt[i].size)
			r.bad = 1;
	}
	if (r.bad || r.pos != r.n || f->is_stdin) {
		for (size_t k = 0; k < n; k++)
			free(nt[k].path);
		free(nt);
		rm_errorf(err, "corrupt (cursor of %s)", src->name);
		return -1;
	}
	for (size_t k = 0; k < f->n_files; k++)
		tracked_free(&f->files[k]);
	free(f->files);
	for (size_t k = 0; k < n; k++)
		nt[k].stream.format = f->format;
	f->files = nt;
	f->n_files = n;
	return 0;
}

static const struct rm_source_ops file_ops = {
	.poll = file_poll,
	.now = file_now,
	.done = file_done,
	.progress = file_progress,
	.save = file_save,
	.load = file_load,
	.free = file_free,
};

struct rm_source *rm_source_file_new(const char *spec, const struct rm_settings *s,
                                     struct revmon_error *err)
{
	struct rm_source *src = rm_source_alloc(spec, &file_ops, sizeof(struct file_src), err);
	const char *path = spec + 5; /* after "file:" */
	struct file_src *f;

	if (!src)
		return NULL;
	f = src->impl;
	f->format = (enum rm_format)s->file_format;
	src->stream.format = f->format;
	f->is_stdin = strcmp(path, "-") == 0;
	f->path = strdup(path);
	if (!f->path) {
		rm_errorf(err, "source: %s: out of memory", spec);
		file_free(src);
		return NULL;
	}
	/* A path that does not exist yet is not refused: the source reports
	 * itself down until it appears (an export share mounted later). */
	return src;
}

