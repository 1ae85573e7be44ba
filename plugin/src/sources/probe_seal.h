/* Sealing a drill's old tokens for the state file (source_probe.c): a drill
 * that outlives its host's run (a Nagios check's -t) is carried on by the
 * next run, which needs the old tokens, and the state file holds no secret
 * in clear. The tokens are sealed with AES-256-GCM under a key derived
 * (PBKDF2-HMAC-SHA256, a fresh random salt each time) from the source's own
 * secrets, which are never in the state file: whoever can unseal them
 * already holds the canary's credential and could mint such tokens. */
#ifndef RM_PROBE_SEAL_H
#define RM_PROBE_SEAL_H

#include <stddef.h>

#include "util/util.h"

/* Append to out the sealing of plain (len bytes) under a key derived from
 * secret (slen bytes, not empty), bound to context (a NUL-terminated
 * string the unsealer must give again). 0, or -1 (no memory, no
 * randomness). Nothing secret is left in out beyond the sealed bytes. */
int rm_probe_seal(const void *secret, size_t slen, const char *context, const void *plain,
                  size_t len, struct rm_buf *out);

/* Open what rm_probe_seal wrote: the plain bytes appended to plain (the
 * caller wipes them). 0, or -1 when the secret or the context differ, the
 * bytes were altered, or memory runs out. */
int rm_probe_unseal(const void *secret, size_t slen, const char *context, const void *sealed,
                    size_t len, struct rm_buf *plain);

#endif
