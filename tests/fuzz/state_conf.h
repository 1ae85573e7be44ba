/* The fixed configuration the state target decodes against, shared with
 * the seed generator (state_seed.c) so that seeds carry its fingerprint. */
#ifndef REVMON_FUZZ_STATE_CONF_H
#define REVMON_FUZZ_STATE_CONF_H

#include <stdlib.h>

#include "revmon.h"

/* A file source's cursor is decoded without touching its path. */
#define FUZZ_STATE_FILE "/nonexistent/revmon-fuzz.ndjson"

static inline revmon_conf *fuzz_state_conf(void)
{
	static const char *const kv[][2] = {
		{"source", "sim"}, {"source", "file:" FUZZ_STATE_FILE}, {"window", "300"},
		{"sim_users", "10"}, {"sim_duration", "2h"}, {"sim_step", "5m"},
		{"sim_mass_revocation", "1h"},
	};
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("fuzzstate", &err);

	if (!c)
		abort();
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		if (revmon_conf_set(c, kv[i][0], kv[i][1], &err) < 0)
			abort();
	return c;
}

/* Layout of a state file around its payload: magic, version, configuration
 * fingerprint, payload length; the payload; its checksum. */
#define FUZZ_STATE_HEAD (8 + 4 + 8 + 8)
#define FUZZ_STATE_TAIL 8

#endif
