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
	int grew;          /* a file seen at an earlier look grew at the last one */
	int walk_cut;      /* the last walk of the tree ran out of time */
	int loop_said;     /* a directory met twice has been logged */
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

/* One walk of the tree: what it found and what bounds it. */
struct walk {
	struct listing l;
	struct rm_table seen;   /* struct seen: what the walk listed or entered */
	struct rm_ingest *in;
	struct revmon_error *err;
	int64_t deadline;
	int *loop_said;         /* the source's: a second way into a directory is logged once */
	int failed;             /* 1: an entry failed; 2: unusable (permissions) */
	int cut;                /* the deadline came first: the listing is partial */
};

struct seen {
	uint64_t key;
	uint64_t dev, ino;
};

/* 1 when the object of st was met before in this walk (through a symbolic
 * link loop, a second link, a bind mount), else 0 and it is remembered;
 * -1 on no memory. Each directory is entered once, so a walk is bounded by
 * the tree, whatever its links. */
static int met_before(struct walk *w, const struct stat *st)
{
	uint64_t id[2] = {(uint64_t)st->st_dev, (uint64_t)st->st_ino};
	int created = 0;
	struct seen *r = rm_table_upsert(&w->seen, rm_key_of(rm_hash(id, sizeof id, 7)), &created);

	if (!r)
		return -1;
	if (!created)
		return r->dev == id[0] && r->ino == id[1];
	r->dev = id[0];
	r->ino = id[1];
	return 0;
}

/* The names in dir, sorted: the walk takes the same path to each file at
 * every poll, so its cursor stays under one name. 0, 1 when dir cannot be
 * read (err and failed set), -1 on no memory. */
static int read_names(struct walk *w, const char *dir, struct listing *names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		rm_errorf(w->err, "%s: %s", dir, strerror(errno));
		w->failed = errno == EACCES || errno == EPERM ? 2 : 1;
		return 1;
	}
	while ((de = readdir(d)) && rc == 0)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			rc = list_add(names, de->d_name);
	closedir(d);
	if (names->n)
		qsort(names->paths, names->n, sizeof *names->paths, cmp_str);
	return rc;
}

/* One entry of a directory being walked: a file joins the listing, a
 * directory is walked, once each. 0, or -1 on no memory. */
static int walk_dir(struct walk *w, const char *dir, int depth);

static int walk_entry(struct walk *w, const char *p, int depth)
{
	struct stat st;
	int again;

	if (stat(p, &st) < 0) {
		rm_errorf(w->err, "%s: %s", p, strerror(errno));
		w->failed = 1;
		return 0;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0;
	again = met_before(w, &st);
	if (again < 0)
		return -1;
	if (again && S_ISDIR(st.st_mode) && !*w->loop_said) {
		*w->loop_said = 1;
		rm_ingest_log(w->in, REVMON_LOG_WARNING,
		              "%s: a directory already read (a symbolic link loop or a second link to it): "
		              "not read again (said once)", p);
	}
	if (again)
		return 0;
	return S_ISDIR(st.st_mode) ? walk_dir(w, p, depth + 1) : list_add(&w->l, p);
}

/* Collect the regular files under dir, until the deadline. Unreadable
 * entries are reported and skipped: the rest still gets read. */
static int walk_dir(struct walk *w, const char *dir, int depth)
{
	struct listing names = {0};
	int rc;

	if (depth > 32) {
		rm_ingest_log(w->in, REVMON_LOG_WARNING, "%s: directories nested too deeply, not read", dir);
		return 0;
	}
	rc = read_names(w, dir, &names);
	if (rc > 0)
		rc = 0;
	for (size_t i = 0; i < names.n && rc == 0 && !w->cut; i++) {
		size_t n = strlen(dir) + strlen(names.paths[i]) + 2;
		char *p = malloc(n);

		if (rm_monotonic_ms() >= w->deadline) {
			w->cut = 1;
		} else if (!p) {
			rc = -1;
		} else {
			snprintf(p, n, "%s/%s", dir, names.paths[i]);
			rc = walk_entry(w, p, depth);
		}
		free(p);
	}
	list_free(&names);
	return rc;
}

static void tracked_free(struct tracked *t)
{
	free(t->path);
	rm_stream_free(&t->stream);
}

/* The files under the directory dir (whose stat is st) into w->l, sorted.
 * 0, or -1 on no memory. */
static int walk(struct walk *w, const char *dir, const struct stat *st)
{
	rm_table_init(&w->seen, sizeof(struct seen), NULL, NULL);
	if (met_before(w, st) < 0 || walk_dir(w, dir, 0) < 0) {
		rm_table_free(&w->seen);
		return -1;
	}
	rm_table_free(&w->seen);
	if (w->l.n)
		qsort(w->l.paths, w->l.n, sizeof *w->l.paths, cmp_str);
	return 0;
}

/* The tracked list for listing l: known files keep their cursors, new ones
 * start at 0; those l lacks leave, unless keep_old (a partial listing).
 * Both lists are sorted; so is the result. NULL on no memory. */
static struct tracked *merge(struct file_src *f, struct listing *l, int keep_old, size_t *n)
{
	struct tracked *nt = calloc(l->n + f->n_files + 1, sizeof *nt);
	size_t i = 0, j = 0, k = 0;

	if (!nt)
		return NULL;
	while (i < l->n || j < f->n_files) {
		int c = i == l->n ? -1 : j == f->n_files ? 1 : strcmp(f->files[j].path, l->paths[i]);

		if (c < 0 && !keep_old) {
			tracked_free(&f->files[j++]);
			continue;
		}
		if (c <= 0)
			nt[k++] = f->files[j++];
		if (c == 0)
			i++;
		if (c > 0) {
			nt[k].stream.format = f->format;
			nt[k++].path = l->paths[i];
			l->paths[i++] = NULL;
		}
	}
	free(f->files);
	f->files = NULL;
	*n = k;
	return nt;
}

/* Bring the tracked list in line with what is on disk now: new files join
 * (at offset 0), vanished ones leave, known ones keep their offsets.
 * Returns 0, 1 when the configured path itself is gone, -1 on no memory. */
static int relist(struct file_src *f, struct rm_ingest *in, int64_t deadline,
                  struct revmon_error *err, int *failed)
{
	struct walk w = {.in = in, .err = err, .deadline = deadline, .loop_said = &f->loop_said};
	struct stat st;
	struct tracked *nt;
	int rc = -1;

	if (stat(f->path, &st) < 0) {
		rm_errorf(err, "%s: %s", f->path, strerror(errno));
		*failed = 1;
		return 1; /* keep the cursors: it may come back */
	}
	if (S_ISDIR(st.st_mode) ? walk(&w, f->path, &st) < 0 : list_add(&w.l, f->path) < 0)
		goto out;
	if (w.failed > *failed)
		*failed = w.failed;
	f->walk_cut = w.cut;
	nt = merge(f, &w.l, w.cut, &f->n_files);
	if (!nt)
		goto out;
	f->files = nt;
	rc = 0;
out:
	if (rc < 0)
		rm_errorf(err, "%s: out of memory", f->path);
	list_free(&w.l);
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
	if (t->size && (uint64_t)st.st_size > t->size)
		f->grew = 1; /* being written: late records may still come */
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
	switch (relist(f, in, deadline, err, &failed)) {
	case -1:
		return -1;
	case 1:
		f->caught_up = 1; /* nothing to read while it is gone */
		return -1;
	}
	if (failed == 2)
		src->unusable = 1;
	f->grew = 0;
	for (size_t i = 0; i < f->n_files; i++) {
		if (rm_monotonic_ms() >= deadline) {
			all = 0;
			break;
		}
		all &= follow(src, f, &f->files[i], in, deadline, err, &failed);
	}
	f->caught_up = all && !f->walk_cut;
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

static int file_complete(const struct rm_source *src)
{
	const struct file_src *f = src->impl;

	return f->is_stdin ? f->stdin_eof : f->caught_up && !f->grew;
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
	if (r.bad || r.pos != r.n || (f->is_stdin && n)) {
		for (size_t k = 0; k < n; k++)
			free(nt[k].path);
		free(nt);
		rm_errorf(err, "corrupt (cursor of %s)", src->name);
		return -1;
	}
	/* A stream has no position to resume: stdin saves an empty cursor, and
	 * the next run reads what its own stdin brings (the analyzer's state is
	 * what carries over). */
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
	.complete = file_complete,
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

