/* The eventhub source's librdkafka callbacks (logs, errors, rebalances,
 * OAUTHBEARER token refreshes): all served inside rd_kafka_consumer_poll,
 * in the host's thread, during the source's poll. */
#include <stdio.h>
#include <string.h>

#include "eventhub.h"
#include "eventhub_internal.h"
#include "util/util.h"

#define TOKEN_LIFETIME_MS 600000 /* longest said to librdkafka; the app renews before expiry */

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct eh_src *g = rd_kafka_opaque(rk);

	if (!g || !g->in)
		return;
	/* notices and details (eventhub_rdkafka.debug) are the host's debug level */
	rm_ingest_log(g->in, level <= 3 ? REVMON_LOG_ERR : level == 4 ? REVMON_LOG_WARNING : REVMON_LOG_DEBUG,
	              "%s: librdkafka %s: %s", g->src->name, fac, buf);
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	struct eh_src *g = opaque;
	rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)code;

	(void)rk;
	g->src->errors++;
	if (g->fatal)
		return; /* the first reason a person must act on stays */
	if (e == RD_KAFKA_RESP_ERR__AUTHENTICATION && g->token_failed) {
		return; /* our own set_token_failure: err_text has the reason */
	} else if (e == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
		g->fatal = 1;
		snprintf(g->err_text, sizeof g->err_text, "SASL authentication failed (%.200s): check %s", reason,
		         g->app ? "the app's role (Azure Event Hubs Data Receiver) and eventhub_scope (the "
		                  "namespace's audience)"
		                : "the connection string (Listen rights, not a generated SAS token)");
	} else if (e == RD_KAFKA_RESP_ERR__FATAL) {
		char why[300];

		rd_kafka_fatal_error(rk, why, sizeof why);
		g->fatal = 1;
		snprintf(g->err_text, sizeof g->err_text, "librdkafka: %s", why);
	} else if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || e == RD_KAFKA_RESP_ERR__RESOLVE) {
		g->brokers_down = 1;
		snprintf(g->err_text, sizeof g->err_text, "no broker of eventhub_bootstrap answers (%.300s)",
		         reason);
	}
}

void rm_eh_serve_token(struct eh_src *g, int64_t deadline)
{
	const char *tok;
	struct rm_oauth_fail f = {0};
	char why[256];
	int64_t expires;
	int rc;

	if (!g->need_token || !g->app)
		return;
	rc = rm_entra_app_token(g->app, rm_live_wall(&g->live), deadline, &tok, &f);
	if (rc > 0)
		return; /* in flight: the next poll goes on */
	g->need_token = 0;
	g->token_failed = rc < 0;
	if (rc < 0) {
		/* down until librdkafka asks again (10 s later) and a token comes;
		 * credentials a person must fix make it fatal */
		g->src->errors++;
		g->fatal |= f.unusable;
		snprintf(g->err_text, sizeof g->err_text, "no OAUTHBEARER token: %s", f.msg);
		rd_kafka_oauthbearer_set_token_failure(g->rk, f.msg);
		return;
	}
	/* librdkafka asks again at 80% of what it is told: at most the
	 * token's own life, so that a short-lived one is renewed in time */
	g->token_given_ms = rm_live_wall(&g->live);
	expires = g->token_given_ms + TOKEN_LIFETIME_MS;
	g->token_told_ms = 0;
	if (rm_entra_app_token_expires(g->app) > 0 && rm_entra_app_token_expires(g->app) < expires)
		expires = g->token_told_ms = rm_entra_app_token_expires(g->app);
	if (rd_kafka_oauthbearer_set_token(g->rk, tok, expires, g->principal, NULL, 0, why, sizeof why) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(g->err_text, sizeof g->err_text, "the OAUTHBEARER token was refused: %s", why);
		rd_kafka_oauthbearer_set_token_failure(g->rk, why);
	}
}

static void on_token_refresh(rd_kafka_t *rk, const char *config, void *opaque)
{
	struct eh_src *g = opaque;

	(void)rk;
	(void)config;
	/* Asked at 80% of the token's own life: a new one, not the app's
	 * cached copy (renewed only at 90%, too late for a broker that
	 * closes the session at expiry). Asked earlier (the first call, or
	 * a 10-minute turn of a long-lived token): the cache's is right. */
	if (g->token_told_ms &&
	    rm_live_wall(&g->live) >= g->token_given_ms + (g->token_told_ms - g->token_given_ms) * 3 / 4)
		rm_entra_app_invalidate(g->app);
	g->need_token = 1;
	rm_eh_serve_token(g, rm_monotonic_ms());
}

/* The group's (re)assignments: taken as given. With more instances than
 * partitions a member may be given none, and is then caught up. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
	struct eh_src *g = opaque;
	int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;

	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (coop)
			rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
		else
			(void)rd_kafka_assign(rk, parts);
		g->settled = 1;
	} else {
		/* revoked: what was read and not yet saved is read again by the
		 * next owner, from the last commit (each instance has its state) */
		if (coop)
			rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
		else
			(void)rd_kafka_assign(rk, NULL);
		g->settled = 0;
	}
}


int rm_eh_open_app(struct eh_src *g, const struct rm_settings *s, rd_kafka_conf_t *conf,
                   struct revmon_error *err)
{
	struct rm_buf scope = {0};
	int rc = -1;

	if (rm_eventhub_scope(&scope, s) < 0 || !(g->principal = strdup(s->graph_client_id))) {
		rm_errorf(err, "out of memory");
		goto out;
	}
	g->http = rm_http_new(s->graph_ca_file, 1 << 20, err);
	if (!g->http)
		goto out;
	g->app = rm_entra_app_new_scoped(s, g->http, s->graph_request_timeout_ms, scope.data, err);
	if (!g->app)
		goto out;
	rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, on_token_refresh);
	g->need_token = 1; /* the first poll asks, not waiting for the callback */
	rc = 0;
out:
	rm_buf_free(&scope);
	return rc;
}


void rm_eh_set_callbacks(rd_kafka_conf_t *conf, struct eh_src *g)
{
	rd_kafka_conf_set_opaque(conf, g);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
}
