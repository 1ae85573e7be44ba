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
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "sources/sources.h"
#include "state.h"
#include "util/util.h"

#define MAGIC "REVMONS1"
#define VERSION 1
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

int rm_state_encode(struct rm_analyzer *an, struct rm_source *const *src, size_t n_src,
                    uint64_t fp, struct rm_buf *out)
{
	struct rm_buf payload = {0}, part = {0};
	int e = 0;

	e |= rm_buf_append(out, MAGIC, 8);
	e |= rm_put_u32(out, VERSION);
	e |= rm_put_u64(out, fp);
	e |= rm_analyzer_save(an, &part);
	e |= rm_put_u64(&payload, part.len);
	e |= rm_buf_append(&payload, part.data, part.len);
	e |= rm_put_u32(&payload, (uint32_t)n_src);
	for (size_t i = 0; i < n_src; i++) {
		part.len = 0;
		if (src[i]->ops->save)
			e |= src[i]->ops->save(src[i], &part);
		e |= rm_put_str(&payload, src[i]->name);
		e |= rm_put_u64(&payload, part.len);
		e |= rm_buf_append(&payload, part.data, part.len);
	}
	e |= rm_put_u64(out, payload.len);
	e |= rm_buf_append(out, payload.data, payload.len);
	e |= rm_put_u64(out, rm_hash(payload.data, payload.len, 0x5eed));
	rm_buf_free(&payload);
	rm_buf_free(&part);
	return e ? -1 : 0;
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

int rm_state_decode(const void *buf, size_t len, uint64_t fp, struct rm_analyzer *an,
                    struct rm_source *const *src, size_t n_src, struct revmon_error *err)
{
	struct rm_rd r = {buf, len, 0, 0};
	const unsigned char *payload;
	uint64_t plen, blob;
	const char *why = NULL;

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
	if (r.bad || plen != len - r.pos - 8) {
		rm_errorf(err, "corrupt (truncated)");
		return -1;
	}
	payload = (const unsigned char *)buf + r.pos;
	r.pos += plen;
	if (rm_get_u64(&r) != rm_hash(payload, plen, 0x5eed)) {
		rm_errorf(err, "corrupt (checksum mismatch)");
		return -1;
	}
	r = (struct rm_rd){payload, plen, 0, 0};
	blob = rm_get_count(&r, 1);
	if (r.bad || rm_analyzer_load(an, payload + r.pos, blob, &why) < 0) {
		rm_errorf(err, "corrupt (%s)", why ? why : "analyzer state");
		return -1;
	}
	r.pos += blob;
	if (rm_get_u32(&r) != n_src) {
		rm_errorf(err, "belongs to another set of sources");
		return -1;
	}
	if (load_sources(&r, src, n_src, err) < 0)
		return -1;
	if (r.pos != r.n) {
		rm_errorf(err, "corrupt (trailing bytes)");
		return -1;
	}
	return 0;
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

/* Write data to path atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync the directory. */
int rm_write_atomic(const char *path, const void *data, size_t len, struct revmon_error *err)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16), *dircopy = NULL;
	int fd = -1, rc = -1;
	size_t done = 0;

	if (!tmp) {
		rm_errorf(err, "%s: out of memory", path);
		goto out;
	}
	if (replaceable(path, err) < 0) {
		free(tmp);
		tmp = NULL;
		goto out;
	}
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rm_errorf(err, "%s: cannot create a temporary file: %s", path, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	(void)fchmod(fd, 0600);
	while (done < len) {
		ssize_t w = write(fd, (const char *)data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rm_errorf(err, "%s: write: %s", path, strerror(errno));
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0) {
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

/* Read a whole file; 0, 1 when it does not exist, -1 with err. A symbolic
 * link is not followed (O_NOFOLLOW), a FIFO does not block the open. */
int rm_read_file(const char *path, struct rm_buf *out, size_t max, struct revmon_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY), rc = -1;
	struct stat st;
	char why[96];

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		rm_errorf(err, "%s: %s", path,
		          errno == ELOOP ? "a symbolic link: refused (not followed)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		rm_errorf(err, "%s: not a regular file of at most %zu bytes", path, max);
		goto out;
	}
	if (foreign(&st, why, sizeof why)) {
		rm_errorf(err, "%s: %s: refused", path, why);
		goto out;
	}
	for (;;) {
		ssize_t got;

		if (rm_buf_reserve(out, 65536) < 0) {
			rm_errorf(err, "%s: out of memory", path);
			goto out;
		}
		got = read(fd, out->data + out->len, 65536);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rm_errorf(err, "%s: read: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		out->len += (size_t)got;
		if (out->len > max) {
			rm_errorf(err, "%s: larger than %zu bytes", path, max);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
