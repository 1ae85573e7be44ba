/* Pure helpers of the eventhub source (source_eventhub.c): the librdkafka
 * properties a configuration gives, for tests without a broker. */
#ifndef RM_EVENTHUB_H
#define RM_EVENTHUB_H

#include <stddef.h>

#include "conf/conf.h"
#include "util/util.h"
#include "revmon.h"

enum rm_eh_auth {
	RM_EH_AUTH_NONE = 0,   /* plaintext to a loopback broker (tests) */
	RM_EH_AUTH_PLAIN,      /* SAS: $ConnectionString and the connection string */
	RM_EH_AUTH_OAUTHBEARER /* Entra tokens of the graph_* identity */
};

/* One librdkafka property, in the order it is set (a later one wins). */
struct rm_eh_prop {
	char *name, *value; /* owned */
	char *key;          /* the configuration key it came from, owned; NULL: revmon's own */
};

struct rm_eh_props {
	struct rm_eh_prop *p;
	size_t n;
	enum rm_eh_auth auth;
};

/* 1 when every host of a host:port[,host:port] list is a loopback
 * address (localhost, 127.0.0.0/8, [::1]), else 0. */
int rm_eventhub_all_loopback(const char *bootstrap);

/* The consumer's properties from s: revmon's defaults for Event Hubs
 * (log-shapes.md §4.4: idle connections, metadata age, session and
 * heartbeat, offsets stored and committed by revmon), the authentication
 * (PLAIN when have_secret says a connection string is configured, else
 * OAUTHBEARER with the graph_* identity), then every eventhub_rdkafka.*
 * pair. The password is never among them: the source sets it apart.
 * 0 with *out (free with rm_eventhub_props_free), or -1 with err naming
 * the key and why (plaintext to a broker that is not on loopback, no
 * credentials). */
int rm_eventhub_props(const struct rm_settings *s, int have_secret, struct rm_eh_props *out,
                      struct revmon_error *err);
void rm_eventhub_props_free(struct rm_eh_props *p);
/* The value of the last property named name, or NULL (borrowed from p). */
const char *rm_eventhub_prop(const struct rm_eh_props *p, const char *name);

/* The scope of the OAUTHBEARER tokens: eventhub_scope, else
 * https://HOST/.default of the first bootstrap host. Appends to out;
 * 0, or -1 on no memory. */
int rm_eventhub_scope(struct rm_buf *out, const struct rm_settings *s);

#endif
