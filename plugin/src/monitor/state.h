/* The state file format and atomic file writing. */
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
/* Decode buf into a fresh analyzer and the sources (pure over buf apart from
 * the objects it fills). -1 with err saying what is wrong; the objects must
 * then be discarded. */
int rm_state_decode(const void *buf, size_t len, uint64_t fp, struct rm_analyzer *an,
                    struct rm_source *const *src, size_t n_src, struct revmon_error *err);

/* Remove PATH.tmp.XXXXXX files left by writers killed mid-write (call with
 * the lock on path held). */
void rm_remove_stale_temps(const char *path);

int rm_write_atomic(const char *path, const void *data, size_t len, struct revmon_error *err);
/* Read a whole regular file of at most max bytes into out. 0, 1 when it
 * does not exist, -1 with err. */
int rm_read_file(const char *path, struct rm_buf *out, size_t max, struct revmon_error *err);

#endif
