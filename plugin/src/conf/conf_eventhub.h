/* The values of the eventhub source's keys that are lists or pass through
 * to librdkafka: checked here, as pure functions over the text, so that a
 * bad value is refused with the configuration like every other key. */
#ifndef RM_CONF_EVENTHUB_H
#define RM_CONF_EVENTHUB_H

#include "revmon.h"

/* The prefix of the keys passed through to librdkafka ("eventhub_rdkafka."). */
extern const char rm_rdkafka_prefix[];

/* host:port[,host:port]...: hosts are names or IPv4 addresses or [IPv6],
 * ports 1-65535. 0, or -1 with err naming key. */
int rm_conf_check_hostports(const char *key, const char *v, struct revmon_error *err);
/* topic[,topic]...: Kafka topic names (1-249 of A-Z a-z 0-9 . _ -). */
int rm_conf_check_topics(const char *key, const char *v, struct revmon_error *err);
/* key is eventhub_rdkafka.PROPERTY: a property name librdkafka could know,
 * a printable value, and not one of the properties revmon owns (secrets,
 * the bootstrap and group, offset storing and commits, TLS verification).
 * Whether librdkafka knows the property is its own to say, when the source
 * is built. 0, or -1 with err naming key and why. */
int rm_conf_check_rdkafka(const char *key, const char *v, struct revmon_error *err);

#endif
