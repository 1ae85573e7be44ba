/* A configuration's meaning in one text: the state file belongs to what a
 * configuration says, so reordering its options, spelling 5m as 300 or
 * setting a default explicitly keeps the state. So does changing how a
 * source reaches its endpoint (credentials, trust, time-outs, librdkafka's
 * tuning): the same data comes in, and rotating a secret or turning on a
 * debug log must not start the counters afresh. */
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct entry {
	struct rm_buf slot, val, def;
	int list;     /* pairs add up (source) rather than replace */
	size_t order; /* in the configuration */
};

/* Keys of how, not what: left out of the meaning. */
static int transport_only(const char *slot)
{
	static const char *const keys[] = {
		"graph_client_secret_file", "graph_client_secret_env", "graph_certificate_file",
		"graph_private_key_file", "graph_ca_file", "graph_request_timeout", "la_request_timeout",
		"eventhub_connection_string_file", "eventhub_connection_string_env", "eventhub_scope",
		"probe_client_secret_file", "probe_client_secret_env", "probe_password_file",
		"probe_password_env", "probe_refresh_token_file", "probe_ca_file", "probe_request_timeout",
	};

	if (strncmp(slot, "eventhub_rdkafka.", 17) == 0)
		return 1;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(slot, keys[i]) == 0)
			return 1;
	return 0;
}

static int by_slot(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->slot.data, y->slot.data);

	if (c || x->list)
		return c ? c : strcmp(x->val.data, y->val.data);
	return x->order < y->order ? -1 : x->order > y->order;
}

static void entries_free(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rm_buf_free(&e[i].slot);
		rm_buf_free(&e[i].val);
		rm_buf_free(&e[i].def);
	}
	free(e);
}

/* Every pair of c as an entry, NUL-terminated texts. NULL on no memory (or
 * an invalid pair, which a configuration never holds). */
static struct entry *entries_of(const struct revmon_conf *c)
{
	struct entry *e = calloc(c->n + 1, sizeof *e);

	for (size_t i = 0; e && i < c->n; i++) {
		int r = rm_conf_normal(c->pairs[i].key, c->pairs[i].value, &e[i].slot, &e[i].val, &e[i].def);

		e[i].list = r == 1;
		e[i].order = i;
		if (r < 0 || rm_buf_append(&e[i].slot, "", 1) < 0 || rm_buf_append(&e[i].val, "", 1) < 0 ||
		    rm_buf_append(&e[i].def, "", 1) < 0) {
			entries_free(e, c->n);
			return NULL;
		}
	}
	return e;
}

/* The entries of one slot, e[i] to e[j - 1], that make its meaning: the
 * last of a replaced slot, unless it is the default; a list unless it is
 * its default alone. */
static int put_slot(const struct entry *e, size_t i, size_t j, struct rm_buf *out)
{
	const struct entry *last = &e[j - 1];
	int rc = 0;

	if (transport_only(last->slot.data))
		return 0;
	if (!last->list)
		i = j - 1;
	if (j - i == 1 && strcmp(last->val.data, last->def.data) == 0)
		return 0;
	for (; i < j && rc == 0; i++)
		rc = rm_buf_printf(out, "%s=%s\n", e[i].slot.data, e[i].val.data);
	return rc;
}

int rm_conf_canonical(const struct revmon_conf *c, struct rm_buf *out)
{
	struct entry *e = entries_of(c);
	int rc = -1;

	if (!e)
		return -1;
	if (c->n)
		qsort(e, c->n, sizeof *e, by_slot);
	if (rm_buf_printf(out, "[%s]\n", c->name) < 0)
		goto out;
	for (size_t i = 0, j; i < c->n; i = j) {
		for (j = i + 1; j < c->n && strcmp(e[j].slot.data, e[i].slot.data) == 0; j++)
			;
		if (put_slot(e, i, j, out) < 0)
			goto out;
	}
	rc = 0;
out:
	entries_free(e, c->n);
	return rc;
}
