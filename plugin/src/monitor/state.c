/* The state file: what a monitor must remember between processes (the
 * analyzer's state and each source's cursor), written atomically and checked
 * on reading, so that a corrupt or foreign file is reported and replaced,
 * never trusted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "sources/sources.h"
#include "state.h"
#include "util/util.h"

#define MAGIC "REVMONS1"
#define VERSION 2 /* 2: the analyzer's state streamed, its checksum in lanes */
#define MAX_STATE (1ull << 32)

/* The configuration a state belongs to: what it means (conf/'s canonical
 * text), not how its options were ordered or spelled. */
static uint64_t fingerprint(const struct revmon_conf *c)
{
	struct rm_buf b = {0};
	uint64_t h = rm_hash(c->name, strlen(c->name), 11);

	if (rm_conf_canonical(c, &b) == 0) {
		h = rm_hash(b.data, b.len, 13);
	} else {
		/* no memory: the spelling, so at worst a state is refused */
		for (size_t i = 0; i < c->n; i++) {
			h = rm_hash(c->pairs[i].key, strlen(c->pairs[i].key), h);
			h = rm_hash(c->pairs[i].value, strlen(c->pairs[i].value), h);
		}
	}
	rm_buf_free(&b);
	return h;
}

/* ---- the payload's checksum, computed as it streams ---- */

/* Four independent lanes over 32-byte blocks (fast enough to hash a state
 * file as it is read or written), blocks split anywhere by the caller. */
struct rm_digest {
	uint64_t h[4];
	unsigned char tail[32];
	size_t ntail;
	uint64_t total;
};

static void digest_init(struct rm_digest *d)
{
	memset(d, 0, sizeof *d);
	for (int i = 0; i < 4; i++)
		d->h[i] = 0x5eed + 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
}

static void digest_block(struct rm_digest *d, const unsigned char *p)
{
	for (int i = 0; i < 4; i++) {
		uint64_t w;

		memcpy(&w, p + 8 * i, 8);
		d->h[i] = (d->h[i] ^ w) * 0xff51afd7ed558ccdULL;
		d->h[i] ^= d->h[i] >> 32;
	}
}

static void digest_add(struct rm_digest *d, const void *data, size_t n)
{
	const unsigned char *p = data;

	d->total += n;
	if (d->ntail) {
		size_t take = 32 - d->ntail < n ? 32 - d->ntail : n;

		memcpy(d->tail + d->ntail, p, take);
		d->ntail += take;
		p += take;
		n -= take;
		if (d->ntail < 32)
			return;
		digest_block(d, d->tail);
		d->ntail = 0;
	}
	for (; n >= 32; p += 32, n -= 32)
		digest_block(d, p);
	memcpy(d->tail, p, n);
	d->ntail = n;
}

static uint64_t digest_end(const struct rm_digest *d0)
{
	struct rm_digest d = *d0;
	uint64_t h = d.total;

	memset(d.tail + d.ntail, 0, 32 - d.ntail);
	digest_block(&d, d.tail);
	for (int i = 0; i < 4; i++)
		h = rm_hash(&d.h[i], 8, h);
	return h;
}

uint64_t rm_state_checksum(const void *payload, size_t n)
{
	struct rm_digest d;

	digest_init(&d);
	digest_add(&d, payload, n);
	return digest_end(&d);
}

/* ---- writing: header, payload streamed, checksum ---- */

#define HEADER_LEN (8 + 4 + 8 + 8) /* magic, version, fingerprint, payload length */

/* Where the payload goes: hashed, and written to fd when there is one. */
struct out {
	int fd; /* -1: only hashed (is the state unchanged?) */
	struct rm_digest dg;
	const char *path;
	struct revmon_error *err;
	int failed;
};

static int write_all(int fd, const void *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, (const char *)data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

static int out_flush(void *ctx, struct rm_buf *b)
{
	struct out *o = ctx;

	digest_add(&o->dg, b->data, b->len);
	if (o->fd >= 0 && write_all(o->fd, b->data, b->len) < 0) {
		rm_errorf(o->err, "%s: write: %s", o->path, strerror(errno));
		o->failed = 1;
		return -1;
	}
	b->len = 0;
	return 0;
}

/* The payload: the analyzer's state, then each source's cursor. */
static int encode_payload(struct rm_analyzer *an, struct rm_source *const *src, size_t n_src,
                          struct rm_state_sink *s)
{
	struct rm_buf part = {0};
	int e = rm_analyzer_save_to(an, s);

	e |= rm_put_u32(&s->b, (uint32_t)n_src);
	for (size_t i = 0; i < n_src; i++) {
		part.len = 0;
		if (src[i]->ops->save)
			e |= src[i]->ops->save(src[i], &part);
		e |= rm_put_str(&s->b, src[i]->name);
		e |= rm_put_u64(&s->b, part.len);
		e |= rm_buf_append(&s->b, part.data, part.len);
	}
	rm_buf_free(&part);
	return e ? -1 : 0;
}

static void put_header(unsigned char *h, uint64_t fp, uint64_t plen)
{
	memcpy(h, MAGIC, 8);
	for (int i = 0; i < 4; i++)
		h[8 + i] = (unsigned char)((uint32_t)VERSION >> (8 * i));
	for (int i = 0; i < 8; i++) {
		h[12 + i] = (unsigned char)(fp >> (8 * i));
		h[20 + i] = (unsigned char)(plen >> (8 * i));
	}
}

int rm_state_encode(struct rm_analyzer *an, struct rm_source *const *src, size_t n_src,
                    uint64_t fp, struct rm_buf *out)
{
	struct rm_state_sink s = {{0}, NULL, NULL};
	struct rm_digest dg;
	unsigned char h[HEADER_LEN];
	int e = encode_payload(an, src, n_src, &s);

	digest_init(&dg);
	digest_add(&dg, s.b.data, s.b.len);
	put_header(h, fp, s.b.len);
	e |= rm_buf_append(out, h, sizeof h);
	e |= rm_buf_append(out, s.b.data, s.b.len);
	e |= rm_put_u64(out, digest_end(&dg));
	rm_buf_free(&s.b);
	return e ? -1 : 0;
}

/* Stream the state to fd (or, fd -1, only hash it): *plen and *sum say
 * what the payload was. 0, or -1 with err. */
static int stream_state(int fd, struct rm_analyzer *an, struct rm_source *const *src,
                        size_t n_src, const char *path, uint64_t *plen, uint64_t *sum,
                        struct revmon_error *err)
{
	struct out o = {.fd = fd, .path = path, .err = err};
	struct rm_state_sink s = {{0}, out_flush, &o};
	int rc = -1;

	digest_init(&o.dg);
	if (encode_payload(an, src, n_src, &s) < 0 || out_flush(&o, &s.b) < 0) {
		if (!o.failed)
			rm_errorf(err, "%s: out of memory", path);
		goto out;
	}
	*plen = o.dg.total;
	*sum = digest_end(&o.dg);
	rc = 0;
out:
	rm_buf_free(&s.b);
	return rc;
}

/* ---- reading: from a buffer, or a mapped file let go of as it is read ---- */

struct in {
	const unsigned char *payload;
	size_t hashed;   /* payload bytes hashed so far */
	size_t released; /* payload bytes (page-aligned end) given back */
	const unsigned char *map; /* the mapping, when the payload is mapped */
	struct rm_digest dg;
};

/* Hash what was read up to done, and let the pages behind it go: a state
 * file is read once, so its pages need not stay in the process. */
static void in_progress(void *ctx, size_t done)
{
	struct in *in = ctx;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), end;

	if (done > in->hashed) {
		digest_add(&in->dg, in->payload + in->hashed, done - in->hashed);
		in->hashed = done;
	}
	if (!in->map)
		return;
	end = ((uintptr_t)(in->payload + in->hashed)) & ~(page - 1);
	if (end > (uintptr_t)in->map + in->released) {
		(void)madvise((void *)((uintptr_t)in->map + in->released),
		              end - ((uintptr_t)in->map + in->released), MADV_DONTNEED);
		in->released = end - (uintptr_t)in->map;
	}
}

/* The first source named name not yet given its cursor (taken[] marks
 * them): sources are matched by name, as their order in the configuration
 * does not change what they are. */
static struct rm_source *source_named(const char *name, struct rm_source *const *src,
                                      size_t n_src, unsigned char *taken)
{
	for (size_t j = 0; name && j < n_src; j++)
		if (!taken[j] && strcmp(src[j]->name, name) == 0) {
			taken[j] = 1;
			return src[j];
		}
	return NULL;
}

/* Each source's cursor, from r. 0, or -1 with err. */
static int load_sources(struct rm_rd *r, struct rm_source *const *src, size_t n_src,
                        struct revmon_error *err)
{
	unsigned char *taken = calloc(n_src + 1, 1);
	int rc = -1;

	if (!taken) {
		rm_errorf(err, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n_src; i++) {
		char *name = rm_get_str(r);
		struct rm_source *s = source_named(name, src, n_src, taken);
		uint64_t blob;

		free(name);
		blob = rm_get_count(r, 1);
		if (r->bad || !s) {
			rm_errorf(err, "corrupt (source %zu)", i);
			goto out;
		}
		if (s->ops->load && s->ops->load(s, r->p + r->pos, blob, err) < 0)
			goto out;
		r->pos += blob;
	}
	rc = 0;
out:
	free(taken);
	return rc;
}


/* Decode a state file's bytes (the file mapped at map, or NULL). The
 * analyzer is read first and the checksum computed as it goes, so the
 * file is read once; a checksum mismatch is what is reported when there is
 * one. 0, or -1 with err (the objects must then be discarded). */
static int decode(const unsigned char *buf, size_t len, const unsigned char *map, uint64_t fp,
                  struct rm_analyzer *an, struct rm_source *const *src, size_t n_src,
                  struct revmon_error *err)
{
	struct rm_rd r = {buf, len, 0, 0};
	struct in in = {.map = map};
	struct rm_load_progress p = {in_progress, &in};
	struct revmon_error why = {{0}};
	const char *an_why = NULL;
	uint64_t plen;
	size_t used = 0;
	int bad = 0;

	if (len < 8 || memcmp(buf, MAGIC, 8) != 0) {
		rm_errorf(err, "not a revmon state file");
		return -1;
	}
	r.pos = 8;
	if (rm_get_u32(&r) != VERSION) {
		rm_errorf(err, "written by another version of revmon");
		return -1;
	}
	if (rm_get_u64(&r) != fp) {
		rm_errorf(err, "belongs to another configuration");
		return -1;
	}
	plen = rm_get_u64(&r);
	if (r.bad || plen != len - HEADER_LEN - 8) {
		rm_errorf(err, "corrupt (truncated)");
		return -1;
	}
	in.payload = buf + HEADER_LEN;
	digest_init(&in.dg);
	if (rm_analyzer_load_from(an, in.payload, plen, &used, &p, &an_why) < 0) {
		rm_errorf(&why, "corrupt (%s)", an_why ? an_why : "analyzer state");
		bad = 1;
	}
	r = (struct rm_rd){in.payload, plen, used, 0};
	if (!bad && rm_get_u32(&r) != n_src) {
		rm_errorf(&why, "belongs to another set of sources");
		bad = 1;
	}
	if (!bad && (load_sources(&r, src, n_src, &why) < 0 || (r.pos != r.n &&
	             (rm_errorf(&why, "corrupt (trailing bytes)"), 1))))
		bad = 1;
	in_progress(&in, plen);
	r = (struct rm_rd){buf, len, HEADER_LEN + plen, 0};
	if (rm_get_u64(&r) != digest_end(&in.dg)) {
		rm_errorf(err, "corrupt (checksum mismatch)");
		return -1;
	}
	if (bad)
		*err = why;
	return bad ? -1 : 0;
}

int rm_state_decode(const void *buf, size_t len, uint64_t fp, struct rm_analyzer *an,
                    struct rm_source *const *src, size_t n_src, struct revmon_error *err)
{
	return decode(buf, len, NULL, fp, an, src, n_src, err);
}

uint64_t rm_state_fingerprint(const struct revmon_conf *c)
{
	return fingerprint(c);
}

uint64_t revmon_conf_fingerprint(const revmon_conf *c)
{
	return fingerprint(c);
}

/* Remove temporary files a writer killed mid-write left beside path. The
 * caller holds the lock on path, so no live writer owns them. */
void rm_remove_stale_temps(const char *path)
{
	char *copy = strdup(path), *copy2 = strdup(path);
	const char *dir, *base;
	size_t blen;
	DIR *d;
	struct dirent *de;

	if (!copy || !copy2)
		goto out;
	dir = dirname(copy);
	base = basename(copy2);
	blen = strlen(base);
	d = opendir(dir);
	if (!d)
		goto out;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, base, blen) == 0 && strncmp(de->d_name + blen, ".tmp.", 5) == 0 &&
		    strlen(de->d_name + blen + 5) == 6) {
			char full[4096];

			snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
			(void)unlink(full);
		}
	}
	closedir(d);
out:
	free(copy);
	free(copy2);
}

/* NULL when st, a state file or the file at its name, is this user's (or
 * root's), else why it is refused: a state another user wrote could be
 * anything, and in a shared directory it may have been planted. */
static const char *foreign(const struct stat *st, char *why, size_t cap)
{
	if (st->st_uid == 0 || st->st_uid == geteuid())
		return NULL;
	snprintf(why, cap, "owned by uid %u, not by the running user (uid %u) or root",
	         (unsigned)st->st_uid, (unsigned)geteuid());
	return why;
}

/* 0 when what is at path may be replaced by a state file: nothing, or a
 * regular file of this user's. rename() would replace a planted link
 * rather than follow it, but a link or someone else's file there means
 * the directory is not what the caller thinks: say so. -1 with err. */
static int replaceable(const char *path, struct revmon_error *err)
{
	struct stat st;
	char why[96];

	if (lstat(path, &st) < 0)
		return 0; /* nothing there (or a directory we cannot search: mkstemp says) */
	if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
		rm_errorf(err, "%s: %s: not replaced", path, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
		return -1;
	}
	if (foreign(&st, why, sizeof why)) {
		rm_errorf(err, "%s: %s: not replaced", path, why);
		return -1;
	}
	return 0;
}

/* A new temporary file beside path (mode 0600) for a state to replace it,
 * its name in *tmp (the caller frees). fd, or -1 with err. */
static int temp_open(const char *path, char **tmp, struct revmon_error *err)
{
	size_t plen = strlen(path);
	int fd;

	*tmp = NULL;
	if (replaceable(path, err) < 0)
		return -1;
	*tmp = malloc(plen + 16);
	if (!*tmp) {
		rm_errorf(err, "%s: out of memory", path);
		return -1;
	}
	snprintf(*tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(*tmp);
	if (fd < 0) {
		rm_errorf(err, "%s: cannot create a temporary file: %s", path, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	(void)fchmod(fd, 0600);
	return fd;
}

/* Make the temporary file tmp (open on fd, which this closes) path: fsync,
 * rename over path, fsync the directory. *st gets the file's identity.
 * 0, or -1 with err (tmp is then removed). Frees tmp. */
static int temp_commit(int fd, char *tmp, const char *path, struct stat *st,
                       struct revmon_error *err)
{
	char *dircopy = NULL;
	int rc = -1;

	if (fsync(fd) < 0 || fstat(fd, st) < 0) {
		rm_errorf(err, "%s: fsync: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		rm_errorf(err, "%s: close: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rm_errorf(err, "%s: rename: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	dircopy = strdup(path);
	if (dircopy) {
		int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dircopy);
	return rc;
}

/* ---- the state file as a monitor reads and writes it ---- */

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void remember(struct rm_state_file *sf, const char *path, const struct stat *st,
                     uint64_t plen, uint64_t sum)
{
	*sf = (struct rm_state_file){1, (uint64_t)st->st_dev, (uint64_t)st->st_ino,
	                             (uint64_t)st->st_size, mtime_ns(st), plen, sum,
	                             rm_hash(path, strlen(path), 17)};
}

/* 1 when path is still the file sf describes, as it was. */
static int same_file(const struct rm_state_file *sf, const char *path)
{
	struct stat st;

	return sf->known && sf->path_hash == rm_hash(path, strlen(path), 17) &&
	       lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == sf->dev &&
	       (uint64_t)st.st_ino == sf->ino && (uint64_t)st.st_size == sf->size &&
	       mtime_ns(&st) == sf->mtime_ns;
}

int rm_state_save(const char *path, struct rm_analyzer *an, struct rm_source *const *src,
                  size_t n_src, uint64_t fp, struct rm_state_file *sf, struct revmon_error *err)
{
	unsigned char h[HEADER_LEN], sum_le[8];
	uint64_t plen = 0, sum = 0;
	char *tmp = NULL;
	struct stat st;
	int fd = -1, rc = -1;

	rm_remove_stale_temps(path);
	/* Nothing changed since the file was read: it is already this state,
	 * on disk; writing it again would only cost time and wear. */
	if (same_file(sf, path) && stream_state(-1, an, src, n_src, path, &plen, &sum, err) == 0 &&
	    plen == sf->plen && sum == sf->sum)
		return 0;
	fd = temp_open(path, &tmp, err);
	if (fd < 0)
		goto out;
	put_header(h, fp, 0);
	if (write_all(fd, h, sizeof h) < 0 ||
	    stream_state(fd, an, src, n_src, path, &plen, &sum, err) < 0)
		goto fail;
	for (int i = 0; i < 8; i++)
		sum_le[i] = (unsigned char)(sum >> (8 * i));
	put_header(h, fp, plen);
	if (write_all(fd, sum_le, sizeof sum_le) < 0 || pwrite(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
		goto fail;
	rc = temp_commit(fd, tmp, path, &st, err);
	fd = -1;
	tmp = NULL;
	if (rc == 0)
		remember(sf, path, &st, plen, sum);
	goto out;
fail:
	if (!err->msg[0] || !strstr(err->msg, path))
		rm_errorf(err, "%s: write: %s", path, strerror(errno));
	close(fd);
	unlink(tmp);
out:
	free(tmp);
	return rc;
}

/* An open state file that may be read: a regular file of this user's (or
 * root's) of at most max bytes. 0 with *st, 1 when there is none, -1 with
 * err. A symbolic link is not followed, a FIFO does not block the open. */
static int open_state(const char *path, size_t max, int *fd, struct stat *st,
                      struct revmon_error *err)
{
	char why[96];

	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (*fd < 0) {
		if (errno == ENOENT)
			return 1;
		rm_errorf(err, "%s: %s", path,
		          errno == ELOOP ? "a symbolic link: refused (not followed)" : strerror(errno));
		return -1;
	}
	if (fstat(*fd, st) < 0 || !S_ISREG(st->st_mode) || (uint64_t)st->st_size > max) {
		rm_errorf(err, "%s: not a regular file of at most %zu bytes", path, max);
		goto fail;
	}
	if (foreign(st, why, sizeof why)) {
		rm_errorf(err, "%s: %s: refused", path, why);
		goto fail;
	}
	return 0;
fail:
	close(*fd);
	*fd = -1;
	return -1;
}

int rm_state_load(const char *path, size_t max, uint64_t fp, struct rm_analyzer *an,
                  struct rm_source *const *src, size_t n_src, struct rm_state_file *sf,
                  struct revmon_error *err)
{
	struct stat st;
	struct revmon_error why = {{0}};
	void *map = NULL;
	int fd = -1, rc = open_state(path, max, &fd, &st, err);
	size_t len;

	sf->known = 0;
	if (rc != 0)
		return rc;
	len = (size_t)st.st_size;
	if (len) {
		/* mapped, not read: the bytes go straight from the page cache
		 * into the tables (a state file is only ever replaced by a
		 * rename, never truncated in place, so the mapping stays whole) */
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			rm_errorf(err, "%s: read: %s", path, strerror(errno));
			map = NULL;
			rc = -1;
			goto out;
		}
		(void)madvise(map, len, MADV_SEQUENTIAL);
	}
	if (decode(map ? map : (const void *)"", len, map, fp, an, src, n_src, &why) < 0) {
		rm_errorf(err, "%s: %s", path, why.msg);
		rc = RM_STATE_REFUSED;
		goto out;
	}
	{
		struct rm_rd r = {map, len, len - 8, 0};

		remember(sf, path, &st, len - HEADER_LEN - 8, rm_get_u64(&r));
	}
out:
	if (map)
		munmap(map, len);
	close(fd);
	return rc;
}
