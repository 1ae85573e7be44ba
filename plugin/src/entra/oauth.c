/* OAuth 2.0 client credentials for Entra: see oauth.h. */
#include "oauth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "conf/conf.h"
#include "graph_errors.h"
#include "parse/parse.h"

#define ASSERTION_LIFETIME_S 600 /* "5-10 minutes after nbf at most" */
#define RENEW_MARGIN_MS (5 * 60 * 1000)
#define MAX_SECRET_FILE (1u << 20)

struct rm_oauth {
	char *token_url;
	char *client_id;
	char *scope;
	struct rm_buf secret;   /* secret mode */
	EVP_PKEY *key;          /* certificate mode */
	char x5t[64];
	char *token;            /* cached access token, wiped when dropped */
	int64_t expires_ms;     /* wall clock */
	int64_t renew_ms;
	struct rm_http_xfer *x; /* the token request's slot (owned by its client) */
};

void rm_oauth_token_free(char *token)
{
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
}

int rm_oauth_parse_token(const char *body, size_t len, char **token, int64_t *expires_in)
{
	struct rm_json_val v;
	size_t pos = rm_json_skip_ws(body, len, 0);
	int64_t exp = 0;
	char *t;
	long n;

	*token = NULL;
	*expires_in = 0;
	if (pos >= len || body[pos] != '{')
		return -1;
	body += pos;
	len -= pos;
	if (rm_json_obj_get(body, len, "access_token", &v) != 1 || v.type != RM_JSON_STRING ||
	    v.s.n == 0 || v.s.n > 65536)
		return -1;
	t = malloc(v.s.n + 1);
	if (!t)
		return -1;
	n = rm_json_unescape(v.s, t, v.s.n + 1);
	/* A bearer token is visible ASCII (RFC 6750 b64token, JWTs, opaque
	 * handles): anything else (a NUL, a space, a line break) would make a
	 * broken or forged Authorization header. Found by fuzz_endpoint_errors. */
	for (long i = 0; n > 0 && i < n; i++)
		if ((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e)
			n = -1;
	if (n <= 0) {
		explicit_bzero(t, v.s.n + 1);
		free(t);
		return -1;
	}
	/* expires_in is a number; some endpoints have sent it as a string. */
	if (rm_json_obj_get(body, len, "expires_in", &v) == 1) {
		if (v.type == RM_JSON_NUMBER) {
			rm_json_int64(v, &exp);
		} else if (v.type == RM_JSON_STRING) {
			char tmp[24];

			if (rm_json_unescape(v.s, tmp, sizeof tmp) > 0)
				exp = strtoll(tmp, NULL, 10);
		}
	}
	if (exp <= 0 || exp > 30 * 86400)
		exp = 3599; /* documented default lifetime: about an hour */
	*token = t;
	*expires_in = exp;
	return 0;
}

int rm_base64url(const unsigned char *p, size_t n, struct rm_buf *out)
{
	size_t need = 4 * ((n + 2) / 3);
	int len;
	char *s;

	if (n > (1u << 28) || rm_buf_reserve(out, need + 1) < 0)
		return -1;
	s = out->data + out->len;
	len = EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	while (len > 0 && s[len - 1] == '=')
		len--;
	for (int i = 0; i < len; i++) {
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	}
	out->len += (size_t)len;
	out->data[out->len] = '\0';
	return 0;
}

int rm_x5t_of_cert(X509 *cert, char *out, size_t cap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	struct rm_buf b = {0};
	int rc = -1;

	if (!X509_digest(cert, EVP_sha1(), md, &n) || rm_base64url(md, n, &b) < 0 || b.len >= cap)
		goto out;
	memcpy(out, b.data, b.len + 1);
	rc = 0;
out:
	rm_buf_free(&b);
	return rc;
}

int rm_jwt_assertion_build(EVP_PKEY *key, const char *x5t, const char *client_id,
                           const char *aud, int64_t now_s, const char *jti, struct rm_buf *out,
                           struct revmon_error *err)
{
	struct rm_buf hdr = {0}, claims = {0};
	EVP_MD_CTX *md = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int e = 0, rc = -1;

	if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
		rm_errorf(err, "the private key is not an RSA key (RS256 needs one)");
		goto out;
	}
	e |= rm_buf_puts(&hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5t\":\"");
	e |= rm_buf_json_escape(&hdr, x5t, strlen(x5t));
	e |= rm_buf_puts(&hdr, "\"}");
	e |= rm_buf_puts(&claims, "{\"aud\":\"");
	e |= rm_buf_json_escape(&claims, aud, strlen(aud));
	e |= rm_buf_printf(&claims, "\",\"exp\":%lld,\"iss\":\"", (long long)(now_s + ASSERTION_LIFETIME_S));
	e |= rm_buf_json_escape(&claims, client_id, strlen(client_id));
	e |= rm_buf_puts(&claims, "\",\"jti\":\"");
	e |= rm_buf_json_escape(&claims, jti, strlen(jti));
	e |= rm_buf_printf(&claims, "\",\"nbf\":%lld,\"iat\":%lld,\"sub\":\"", (long long)now_s,
	                   (long long)now_s);
	e |= rm_buf_json_escape(&claims, client_id, strlen(client_id));
	e |= rm_buf_puts(&claims, "\"}");
	e |= rm_base64url((const unsigned char *)hdr.data, hdr.len, out);
	e |= rm_buf_puts(out, ".");
	e |= rm_base64url((const unsigned char *)claims.data, claims.len, out);
	if (e) {
		rm_errorf(err, "out of memory");
		goto out;
	}
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)out->data, out->len) != 1 ||
	    !(sig = malloc(siglen)) ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)out->data, out->len) != 1) {
		rm_errorf(err, "signing the client assertion failed");
		goto out;
	}
	if (rm_buf_puts(out, ".") < 0 || rm_base64url(sig, siglen, out) < 0) {
		rm_errorf(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	free(sig);
	rm_buf_free(&hdr);
	rm_buf_free(&claims);
	return rc;
}

int rm_secret_file_read(const char *what, const char *path, struct rm_buf *out,
                        struct revmon_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = -1;
	struct stat st;

	if (fd < 0) {
		rm_errorf(err, "%s: %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rm_errorf(err, "%s: %s: not a regular file", what, path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		rm_errorf(err, "%s: %s: permissions %04o are too open: a secret must not be "
		          "accessible by group or others (chmod 600 it)", what, path,
		          (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((uint64_t)st.st_size > MAX_SECRET_FILE) {
		rm_errorf(err, "%s: %s: larger than %u bytes", what, path, MAX_SECRET_FILE);
		goto out;
	}
	/* One allocation of the final size: no realloc leaves copies behind. */
	if (rm_buf_reserve(out, (size_t)st.st_size + 1) < 0) {
		rm_errorf(err, "%s: out of memory", what);
		goto out;
	}
	while (out->len < (size_t)st.st_size) {
		ssize_t got = read(fd, out->data + out->len, (size_t)st.st_size - out->len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rm_errorf(err, "%s: %s: %s", what, path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		out->len += (size_t)got;
	}
	out->data[out->len] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}

int rm_secret_read(const char *file_key, const char *file, const char *env_key, const char *env,
                   struct rm_buf *out, struct revmon_error *err)
{
	if (file) {
		if (rm_secret_file_read(file_key, file, out, err) < 0)
			return -1;
	} else {
		const char *v = getenv(env);

		if (!v || !*v) {
			rm_errorf(err, "%s: the variable %s is not set", env_key, env);
			return -1;
		}
		if (rm_buf_reserve(out, strlen(v) + 1) < 0 || rm_buf_append(out, v, strlen(v)) < 0) {
			rm_errorf(err, "out of memory");
			return -1;
		}
	}
	while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r' ||
	                    out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
		out->data[--out->len] = '\0';
	if (!out->len) {
		rm_errorf(err, "%s: the secret is empty", file ? file_key : env_key);
		return -1;
	}
	return 0;
}

static struct rm_oauth *oauth_alloc(const char *token_url, const char *client_id,
                                    const char *scope, struct revmon_error *err)
{
	struct rm_oauth *o = calloc(1, sizeof *o);

	if (!o || !(o->token_url = strdup(token_url)) || !(o->client_id = strdup(client_id)) ||
	    !(o->scope = strdup(scope))) {
		rm_errorf(err, "out of memory");
		rm_oauth_free(o);
		return NULL;
	}
	return o;
}

struct rm_oauth *rm_oauth_new_secret(const char *token_url, const char *client_id,
                                     const char *scope, const char *secret, size_t secret_len,
                                     struct revmon_error *err)
{
	struct rm_oauth *o = oauth_alloc(token_url, client_id, scope, err);

	if (!o)
		return NULL;
	if (rm_buf_reserve(&o->secret, secret_len + 1) < 0 ||
	    rm_buf_append(&o->secret, secret, secret_len) < 0) {
		rm_errorf(err, "out of memory");
		rm_oauth_free(o);
		return NULL;
	}
	return o;
}

/* Never prompt on a terminal for a pass phrase: an encrypted key is refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

struct rm_oauth *rm_oauth_new_cert(const char *token_url, const char *client_id,
                                   const char *scope, const char *cert_file,
                                   const char *key_file, struct revmon_error *err)
{
	struct rm_oauth *o = oauth_alloc(token_url, client_id, scope, err);
	struct rm_buf kb = {0};
	BIO *bio = NULL;
	FILE *f = NULL;
	X509 *cert = NULL;

	if (!o)
		return NULL;
	f = fopen(cert_file, "re");
	if (!f) {
		rm_errorf(err, "graph_certificate_file: %s: %s", cert_file, strerror(errno));
		goto fail;
	}
	cert = PEM_read_X509(f, NULL, no_passphrase, NULL);
	if (!cert) {
		rm_errorf(err, "graph_certificate_file: %s: not a PEM certificate", cert_file);
		goto fail;
	}
	if (rm_x5t_of_cert(cert, o->x5t, sizeof o->x5t) < 0) {
		rm_errorf(err, "graph_certificate_file: %s: cannot compute its thumbprint", cert_file);
		goto fail;
	}
	if (rm_secret_file_read("graph_private_key_file", key_file, &kb, err) < 0)
		goto fail;
	bio = BIO_new_mem_buf(kb.data, (int)kb.len);
	o->key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	if (!o->key) {
		rm_errorf(err, "graph_private_key_file: %s: not an unencrypted PEM private key", key_file);
		goto fail;
	}
	if (EVP_PKEY_base_id(o->key) != EVP_PKEY_RSA) {
		rm_errorf(err, "graph_private_key_file: %s: not an RSA key (RS256 needs one)", key_file);
		goto fail;
	}
	if (X509_check_private_key(cert, o->key) != 1) {
		rm_errorf(err, "graph_private_key_file: %s: does not match graph_certificate_file %s",
		          key_file, cert_file);
		goto fail;
	}
	goto out;
fail:
	rm_oauth_free(o);
	o = NULL;
out:
	ERR_clear_error();
	BIO_free(bio);
	rm_buf_wipe(&kb);
	X509_free(cert);
	if (f)
		fclose(f);
	return o;
}

void rm_oauth_invalidate(struct rm_oauth *o)
{
	rm_oauth_token_free(o->token);
	o->token = NULL;
	o->expires_ms = o->renew_ms = 0;
}

int64_t rm_oauth_token_expires(const struct rm_oauth *o)
{
	return o->token ? o->expires_ms : 0;
}

void rm_oauth_free(struct rm_oauth *o)
{
	if (!o)
		return;
	rm_oauth_invalidate(o);
	rm_buf_wipe(&o->secret);
	EVP_PKEY_free(o->key);
	free(o->token_url);
	free(o->client_id);
	free(o->scope);
	free(o);
}

static int uuid4(char *out, size_t cap)
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof b) != 1)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
	return 0;
}

/* The form body of a token request. */
static int build_form(struct rm_oauth *o, int64_t now_ms, struct rm_buf *form,
                      struct revmon_error *err)
{
	struct rm_buf jwt = {0};
	char jti[40];
	int e = 0, rc = -1;

	/* Room for everything at once: a secret is never left behind by realloc. */
	if (rm_buf_reserve(form, 8192 + 3 * o->secret.len) < 0) {
		rm_errorf(err, "out of memory");
		goto out;
	}
	e |= rm_buf_puts(form, "grant_type=client_credentials&client_id=");
	e |= rm_url_encode(form, o->client_id, strlen(o->client_id));
	e |= rm_buf_puts(form, "&scope=");
	e |= rm_url_encode(form, o->scope, strlen(o->scope));
	if (o->key) {
		if (uuid4(jti, sizeof jti) < 0) {
			rm_errorf(err, "no randomness for the assertion's jti");
			goto out;
		}
		if (rm_jwt_assertion_build(o->key, o->x5t, o->client_id, o->token_url, now_ms / 1000,
		                           jti, &jwt, err) < 0)
			goto out;
		e |= rm_buf_puts(form, "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
		                       "client-assertion-type%3Ajwt-bearer&client_assertion=");
		e |= rm_url_encode(form, jwt.data, jwt.len);
	} else {
		e |= rm_buf_puts(form, "&client_secret=");
		e |= rm_url_encode(form, o->secret.data, o->secret.len);
	}
	if (e) {
		rm_errorf(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	rm_buf_wipe(&jwt);
	return rc;
}

static void fail_with_codes(struct rm_oauth_fail *f, const char *why,
                            const struct rm_oauth_error *oe)
{
	size_t n = (size_t)snprintf(f->msg, sizeof f->msg, "token endpoint: %s", why);

	if (oe && oe->n_codes && n < sizeof f->msg)
		n += (size_t)snprintf(f->msg + n, sizeof f->msg - n, " (AADSTS%ld", (long)oe->codes[0]);
	if (oe && n < sizeof f->msg) {
		for (size_t i = 1; i < oe->n_codes && n < sizeof f->msg; i++)
			n += (size_t)snprintf(f->msg + n, sizeof f->msg - n, ", AADSTS%ld", (long)oe->codes[i]);
		if (oe->n_codes && n < sizeof f->msg)
			n += (size_t)snprintf(f->msg + n, sizeof f->msg - n, "%s%s)", oe->error[0] ? ", " : "", oe->error);
		else if (oe->error[0] && n < sizeof f->msg)
			snprintf(f->msg + n, sizeof f->msg - n, " (%s)", oe->error);
	}
}

/* Start the token request on o's slot of h. 0, or -1 with *f. */
static int start_request(struct rm_oauth *o, struct rm_http *h, int64_t now_ms,
                         int64_t timeout_ms, struct rm_oauth_fail *f)
{
	struct rm_buf form = {0};
	struct revmon_error err = {{0}};
	int rc = -1;

	if (!o->x && !(o->x = rm_http_xfer_new(h))) {
		snprintf(f->msg, sizeof f->msg, "token request: out of memory");
		goto out;
	}
	if (build_form(o, now_ms, &form, &err) < 0) {
		snprintf(f->msg, sizeof f->msg, "token request: %.250s", err.msg);
		f->unusable = 1;
		goto out;
	}
	/* A failed start leaves its reason in the slot's answer. */
	(void)rm_http_start(o->x, "POST", o->token_url, form.data, form.len, NULL, timeout_ms,
	                    timeout_ms < 10000 ? timeout_ms : 10000);
	rc = 0;
out:
	rm_buf_wipe(&form);
	return rc;
}

/* What the token endpoint answered: the token cached, or *f. 0 or -1. */
static int take_answer(struct rm_oauth *o, int64_t now_ms, const char **token,
                       struct rm_oauth_fail *f)
{
	struct rm_http_response r;
	struct rm_oauth_error oe;
	char *tok = NULL;
	int64_t exp = 0, life;
	int rc = -1;

	if (rm_http_take(o->x, &r) < 0) {
		snprintf(f->msg, sizeof f->msg, "token endpoint: %.280s", r.error);
		f->unusable = r.permanent;
		goto out;
	}
	f->status = r.status;
	f->retry_after = r.retry_after;
	if (r.status == 200) {
		if (rm_oauth_parse_token(r.body.data ? r.body.data : "", r.body.len, &tok, &exp) < 0) {
			snprintf(f->msg, sizeof f->msg, "token endpoint: HTTP 200 without an access token");
			goto out;
		}
		o->token = tok;
		o->expires_ms = now_ms + exp * 1000;
		/* Renew early: 5 minutes before, or at 90% for short lifetimes. */
		life = exp * 1000;
		o->renew_ms = o->expires_ms - (life / 10 < RENEW_MARGIN_MS ? life / 10 : RENEW_MARGIN_MS);
		*token = o->token;
		rc = 0;
		goto out;
	}
	f->throttled = r.status == 429;
	if (rm_oauth_error_parse(r.body.data ? r.body.data : "", r.body.len, &oe) == 0) {
		fail_with_codes(f, rm_oauth_error_explain(&oe, r.status, &f->unusable), &oe);
	} else {
		memset(&oe, 0, sizeof oe);
		snprintf(f->msg, sizeof f->msg, "token endpoint: HTTP %ld: %s", r.status,
		         rm_oauth_error_explain(&oe, r.status, &f->unusable));
	}
out:
	/* The body of a 200 holds the token: wipe it. */
	rm_buf_wipe(&r.body);
	rm_buf_free(&r.www_authenticate);
	return rc;
}

int rm_oauth_token(struct rm_oauth *o, struct rm_http *h, int64_t now_ms, int64_t deadline_ms,
                   int64_t timeout_ms, const char **token, struct rm_oauth_fail *f)
{
	memset(f, 0, sizeof *f);
	f->retry_after = -1;
	if (o->token && now_ms < o->renew_ms) {
		*token = o->token;
		return 0;
	}
	if (!o->x || !rm_http_busy(o->x)) {
		rm_oauth_invalidate(o);
		if (start_request(o, h, now_ms, timeout_ms, f) < 0)
			return -1;
	}
	if (!rm_http_wait(o->x, deadline_ms))
		return 1; /* still asking: the request runs on */
	return take_answer(o, now_ms, token, f);
}
