/* Pure parsers for AADSTS failure texts. */
#ifndef RM_AADSTS_TEXT_H
#define RM_AADSTS_TEXT_H

#include <stdint.h>

#include "event.h"

/* From a 50173 failure text ("... The grant was issued on '{authTime}' and the
 * TokensValidFrom date (before which tokens are not valid) for this user is
 * '{validDate}'."), raw JSON string contents allowed, extract both times.
 * Tolerant of wording variants: it looks for the quoted timestamps after
 * "issued on" and after "TokensValidFrom". Returns 0 when both were found
 * (*grant_ms, *valid_from_ms set), 1 when only TokensValidFrom was found
 * (*grant_ms = 0), -1 when neither. */
int rm_aadsts_50173_times(struct rm_str text, int64_t *grant_ms, int64_t *valid_from_ms);

#endif
