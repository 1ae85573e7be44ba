/* The Entra app client: see entra_app.h. */
#include "entra_app.h"

#include <stdlib.h>
#include <string.h>

#define DAY_MS (86400LL * 1000)

struct rm_entra_app {
	struct rm_http *http; /* borrowed */
	struct rm_oauth *oauth;
	int64_t timeout_ms;
};

int rm_entra_token_url(struct rm_buf *out, const char *authority, const char *tenant)
{
	return rm_buf_printf(out, "%s/%s/oauth2/v2.0/token", authority, tenant) < 0 ? -1 : 0;
}

int rm_entra_app_scope(struct rm_buf *out, const struct rm_settings *s)
{
	if (s->graph_scope)
		return rm_buf_puts(out, s->graph_scope) < 0 ? -1 : 0;
	return rm_buf_printf(out, "%s/.default", s->graph_base) < 0 ? -1 : 0;
}

/* Which identity keys are missing or conflict, named. */
static int check_keys(const struct rm_settings *s, struct revmon_error *err)
{
	int secret = s->graph_client_secret_file || s->graph_client_secret_env;
	int cert = s->graph_certificate_file || s->graph_private_key_file;

	if (!s->graph_tenant)
		rm_errorf(err, "graph_tenant is not set (the tenant id or domain)");
	else if (!s->graph_client_id)
		rm_errorf(err, "graph_client_id is not set (the app registration's client id)");
	else if (!secret && !cert)
		rm_errorf(err, "no credential for the app: set graph_client_secret_file, "
		          "graph_client_secret_env, or graph_certificate_file and graph_private_key_file");
	else if (secret && cert)
		rm_errorf(err, "set a client secret or a certificate for the app, not both");
	else if (s->graph_client_secret_file && s->graph_client_secret_env)
		rm_errorf(err, "set graph_client_secret_file or graph_client_secret_env, not both");
	else if (cert && (!s->graph_certificate_file || !s->graph_private_key_file))
		rm_errorf(err, "%s is not set (certificate authentication needs both files)",
		          s->graph_certificate_file ? "graph_private_key_file" : "graph_certificate_file");
	else
		return 0;
	return -1;
}

struct rm_entra_app *rm_entra_app_new(const struct rm_settings *s, struct rm_http *h,
                                      int64_t timeout_ms, struct revmon_error *err)
{
	return rm_entra_app_new_scoped(s, h, timeout_ms, NULL, err);
}

struct rm_entra_app *rm_entra_app_new_scoped(const struct rm_settings *s, struct rm_http *h,
                                             int64_t timeout_ms, const char *api_scope,
                                             struct revmon_error *err)
{
	struct rm_entra_app *a = NULL;
	struct rm_buf url = {0}, scope = {0}, secret = {0};

	if (check_keys(s, err) < 0)
		goto out;
	if (!(a = calloc(1, sizeof *a)) || rm_entra_token_url(&url, s->graph_authority, s->graph_tenant) < 0 ||
	    (api_scope ? rm_buf_puts(&scope, api_scope) : rm_entra_app_scope(&scope, s)) < 0) {
		rm_errorf(err, "out of memory");
		goto fail;
	}
	a->http = h;
	a->timeout_ms = timeout_ms;
	if (s->graph_certificate_file)
		a->oauth = rm_oauth_new_cert(url.data, s->graph_client_id, scope.data,
		                             s->graph_certificate_file, s->graph_private_key_file, err);
	else if (rm_secret_read("graph_client_secret_file", s->graph_client_secret_file,
	                        "graph_client_secret_env", s->graph_client_secret_env, &secret, err) == 0)
		a->oauth = rm_oauth_new_secret(url.data, s->graph_client_id, scope.data, secret.data,
		                               secret.len, err);
	if (a->oauth)
		goto out;
fail:
	rm_entra_app_free(a);
	a = NULL;
out:
	rm_buf_wipe(&secret);
	rm_buf_free(&url);
	rm_buf_free(&scope);
	return a;
}

void rm_entra_app_free(struct rm_entra_app *a)
{
	if (!a)
		return;
	rm_oauth_free(a->oauth);
	free(a);
}

int rm_entra_app_token(struct rm_entra_app *a, int64_t wall_ms, int64_t deadline_ms,
                       const char **token, struct rm_oauth_fail *f)
{
	return rm_oauth_token(a->oauth, a->http, wall_ms, deadline_ms, a->timeout_ms, token, f);
}

void rm_entra_app_invalidate(struct rm_entra_app *a)
{
	rm_oauth_invalidate(a->oauth);
}

int64_t rm_entra_app_token_expires(const struct rm_entra_app *a)
{
	return rm_oauth_token_expires(a->oauth);
}

int64_t rm_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms, double u)
{
	int64_t d = base_ms;

	for (unsigned i = 0; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	return (int64_t)((double)d * (0.5 + 0.5 * u));
}

int64_t rm_retry_delay_ms(double retry_after_s, unsigned attempt, int64_t base_ms,
                          int64_t cap_ms, double u)
{
	if (retry_after_s >= 0)
		return retry_after_s * 1000.0 < (double)DAY_MS ? (int64_t)(retry_after_s * 1000.0) : DAY_MS;
	return rm_backoff_ms(attempt, base_ms, cap_ms, u);
}
