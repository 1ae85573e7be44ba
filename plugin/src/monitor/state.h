/* The state file: its format, and reading and writing it crash-safely. */
#ifndef RM_STATE_H
#define RM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/analyze.h"
#include "util/util.h"
#include "conf/conf.h"
#include "sources/sources.h"

/* Fingerprint of a configuration: a state file only fits the one it was
 * written for. */
uint64_t rm_state_fingerprint(const struct revmon_conf *c);

/* Encode the state of an analyzer and its sources into out. */
int rm_state_encode(struct rm_analyzer *an, struct rm_source *const *src, size_t n_src,
                    uint64_t fp, struct rm_buf *out);
/* The checksum a state file's payload is followed by. */
uint64_t rm_state_checksum(const void *payload, size_t n);
/* Decode buf into a fresh analyzer and the sources (pure over buf apart from
 * the objects it fills). -1 with err saying what is wrong; the objects must
 * then be discarded. */
int rm_state_decode(const void *buf, size_t len, uint64_t fp, struct rm_analyzer *an,
                    struct rm_source *const *src, size_t n_src, struct revmon_error *err);

/* A state file as last read or written, so that an unchanged state is not
 * written again: which file it was (device, inode, size, modification time,
 * path) and its payload's length and checksum. */
struct rm_state_file {
	int known;
	uint64_t dev, ino, size;
	int64_t mtime_ns;
	uint64_t plen, sum, path_hash;
};

/* Save the state of an analyzer and its sources at path: streamed through
 * a small buffer into a temporary file, fsync, rename, fsync of the
 * directory (so a crash leaves the old file or the new one, never a mix).
 * When path is still the file sf describes and the state is unchanged, the
 * file is left alone. Either way, 0 means the state is on disk at path
 * (whatever must follow a durable save goes after this call); -1 with err
 * (the previous file, if any, is left intact). sf is updated. */
int rm_state_save(const char *path, struct rm_analyzer *an, struct rm_source *const *src,
                  size_t n_src, uint64_t fp, struct rm_state_file *sf, struct revmon_error *err);
/* Load the state file at path (at most max bytes) into a fresh analyzer and
 * the sources: the file is mapped and read once, its pages let go of as
 * they are read, the tables sized from the saved counts. 0 (sf describes
 * the file), 1 when there is no file, -1 with err when it could not be
 * read (nothing touched), RM_STATE_REFUSED with err when its content was
 * refused (the objects must then be discarded). */
#define RM_STATE_REFUSED (-3)
int rm_state_load(const char *path, size_t max, uint64_t fp, struct rm_analyzer *an,
                  struct rm_source *const *src, size_t n_src, struct rm_state_file *sf,
                  struct revmon_error *err);

/* Remove PATH.tmp.XXXXXX files left by writers killed mid-write (call with
 * the lock on path held). */
void rm_remove_stale_temps(const char *path);


#endif
