/* Logging to syslog or stderr; see log.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

/* Set once by main before any thread starts, read-only afterwards. */
static int log_to_syslog;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

void rm_log_init(int use_syslog)
{
	log_to_syslog = use_syslog;
	if (use_syslog)
		openlog("revmon-agentx", LOG_PID, LOG_DAEMON);
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE:
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void rm_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (log_to_syslog) {
		syslog(level, "%s", line);
		return;
	}
	/* One line per call even with several threads logging. */
	pthread_mutex_lock(&log_mu);
	fprintf(stderr, "revmon-agentx: %s: %s\n", level_name(level), line);
	fflush(stderr);
	pthread_mutex_unlock(&log_mu);
}
