/* log.h — the subagent's own log lines (its threads and the core's hooks):
 * syslog or stderr, safe from any thread. net-snmp's messages go through
 * snmp_log on the main thread, sent to the same place. */
#ifndef RM_LOG_H
#define RM_LOG_H

#include <syslog.h>

void rm_log_init(int use_syslog);
void rm_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
