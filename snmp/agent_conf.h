/* agent_conf.h — revmon-agentx's configuration file.
 *
 * A core configuration file (`key = value`, `[name]` sections, one monitor
 * per section, keys before the first section are defaults) plus a few keys of
 * the subagent's own, which the core's reader hands over through its host-key
 * hook (revmon_conf_parse_file_host), so the file is read by one lexer:
 *
 *   before the first section only:
 *     agentx_socket   AgentX master socket: a unix path or tcp:HOST:PORT
 *     agentx_ping     ping / reconnect interval (s, m, h; default 5s)
 *     base_oid        numeric OID of revmonMIB
 *     log             stderr or syslog
 *     persistent_dir  net-snmp's persistent directory (default: a private
 *                     temporary directory, removed at exit)
 *   anywhere (a section's value wins for that monitor):
 *     poll_interval   time between polls of a monitor (default 60s)
 *     poll_budget     most time one poll may spend ingesting (default 2s)
 *     notify_source   yes/no: send revmonMonitorDown/Up (default yes)
 *     notify_stuck_clients, notify_stuck_clients_clear
 *                     a number of clients, or off (default off; the clear
 *                     level defaults to the threshold and may not exceed it)
 *     notify_lag_p95, notify_lag_p95_clear
 *                     a duration, or off (default off; likewise)
 */
#ifndef RM_AGENT_CONF_H
#define RM_AGENT_CONF_H

#include <stddef.h>

#include "notify.h"
#include "revmon.h"

struct rm_agent_settings {
	char socket[512];         /* "" = net-snmp's default */
	int ping_s;
	int log_syslog;
	char base_oid[512];
	char persistent_dir[512]; /* "" = a private temporary directory */
};

struct rm_row_conf {
	revmon_conf *conf; /* owned */
	int interval_ms;
	int budget_ms;
	struct rm_notify_conf notify;
};

struct rm_agent_conf {
	struct rm_agent_settings s;
	struct rm_row_conf *rows; /* owned, n_rows of them, in file order */
	size_t n_rows;
};

/* Load path into *out (zeroed first). Returns 0, or -1 with err saying
 * "path:line: key: reason" (or the core's message). On error *out holds
 * nothing to free. */
int rm_agent_conf_load(const char *path, struct rm_agent_conf *out, char *err, size_t errlen);
void rm_agent_conf_free(struct rm_agent_conf *c);

/* Parse a duration: a number of seconds, or a number with ms, s, m, h or d.
 * Returns milliseconds, or -1. */
long long rm_parse_duration_ms(const char *s);

#endif
