/* Sending the notifications; see traps.h. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <string.h>

#include "encode.h"
#include "log.h"
#include "mib_layout.h"
#include "notify.h"
#include "traps.h"

#define OID_MAX (RM_MAX_ARCS + 8)

/* What one notification of a row reports, read in one go under its mutex. */
struct seen {
	struct rm_notify_input in;
	long status;
	char error[256];
};

static void read_metric(const revmon_snapshot *s, const char *name, int *known, uint32_t *out)
{
	int i = revmon_metric_find(name);

	*known = 0;
	if (!s || i < 0 || (size_t)i >= s->n_values || !s->values[i].known)
		return;
	*known = 1;
	*out = rm_gauge32(s->values[i].value, revmon_metric((size_t)i)->snmp_scale);
}

static void observe(struct rm_row *r, struct seen *w)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	w->in.status = r->status;
	w->status = r->status;
	/* DisplayString (SIZE (0..255)), not cut inside a UTF-8 sequence */
	n = strnlen(r->error, 255);
	if (n == 255)
		while (n > 0 && ((unsigned char)r->error[n] & 0xc0) == 0x80)
			n--;
	memcpy(w->error, r->error, n);
	w->error[n] = '\0';
	read_metric(r->snap, RM_METRIC_STUCK, &w->in.stuck_known, &w->in.stuck);
	read_metric(r->snap, RM_METRIC_LAG, &w->in.lag_known, &w->in.lag_ms);
	pthread_mutex_unlock(&r->mu);
}

/* Append base.sfx... .index = value. */
static int add(netsnmp_variable_list **vars, const oid *base, size_t base_len, unsigned table,
               unsigned column, unsigned index, u_char type, const void *val, size_t len)
{
	oid name[OID_MAX];

	memcpy(name, base, base_len * sizeof *name);
	name[base_len] = RM_ARC_OBJECTS;
	name[base_len + 1] = table;
	name[base_len + 2] = RM_ARC_ENTRY;
	name[base_len + 3] = column;
	name[base_len + 4] = index;
	return snmp_varlist_add_variable(vars, name, base_len + 5, type, val, len) ? 0 : -1;
}

/* The value of one object of a notification. */
static int add_object(netsnmp_variable_list **vars, const oid *base, size_t base_len,
                      const struct rm_row *r, const struct rm_notify_object *o,
                      const struct seen *w)
{
	unsigned col = rm_notify_object_column(o);
	const struct rm_notify_conf *c = &r->notify;
	u_long g = 0;

	if (o->table == RM_ARC_TABLE && !o->metric) {
		if (col == RM_COL_STATUS)
			return add(vars, base, base_len, o->table, col, r->index, ASN_INTEGER, &w->status,
			           sizeof w->status);
		return add(vars, base, base_len, o->table, col, r->index, ASN_OCTET_STR, w->error,
		           strlen(w->error));
	}
	if (o->metric)
		g = strcmp(o->metric, RM_METRIC_STUCK) == 0 ? w->in.stuck : w->in.lag_ms;
	else if (col == RM_TCOL_STUCK || col == RM_TCOL_STUCK_CLEAR)
		g = (u_long)(col == RM_TCOL_STUCK ? c->stuck : c->stuck_clear);
	else
		g = (u_long)(col == RM_TCOL_LAG ? c->lag_ms : c->lag_clear_ms);
	return add(vars, base, base_len, o->table, col, r->index, ASN_GAUGE, &g, sizeof g);
}

static void send_one(const oid *base, size_t base_len, const struct rm_row *r,
                     const struct rm_notification *nt, const struct seen *w)
{
	static const oid trap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0}; /* snmpTrapOID.0 */
	netsnmp_variable_list *vars = NULL;
	oid id[OID_MAX];
	int bad;

	memcpy(id, base, base_len * sizeof *id);
	id[base_len] = RM_ARC_NOTIFICATIONS;
	id[base_len + 1] = nt->arc;
	bad = !snmp_varlist_add_variable(&vars, trap_oid, OID_LENGTH(trap_oid), ASN_OBJECT_ID,
	                                 id, (base_len + 2) * sizeof *id);
	bad = bad || add(&vars, base, base_len, RM_ARC_TABLE, RM_COL_NAME, r->index, ASN_OCTET_STR,
	                 r->name, strlen(r->name)) < 0;
	for (const struct rm_notify_object *o = nt->objects; !bad && o->table; o++)
		bad = add_object(&vars, base, base_len, r, o, w) < 0;
	if (bad)
		rm_log(LOG_ERR, "[%s] %s not sent: out of memory", r->name, nt->name);
	else
		send_v2trap(vars);
	if (!bad)
		rm_log(LOG_NOTICE, "[%s] sent %s", r->name, nt->name);
	snmp_free_varbind(vars);
}

void rm_traps_check(const unsigned long *base, size_t base_len, struct rm_row **rows, size_t n)
{
	oid b[RM_MAX_ARCS];
	size_t n_notes;
	const struct rm_notification *notes = rm_notifications(&n_notes);

	for (size_t i = 0; i < base_len && i < RM_MAX_ARCS; i++)
		b[i] = base[i];
	for (size_t i = 0; i < n; i++) {
		struct seen w;
		unsigned mask;

		memset(&w, 0, sizeof w);
		observe(rows[i], &w);
		mask = rm_notify_step(&rows[i]->notify, &rows[i]->notified, &w.in);
		for (size_t e = 0; e < n_notes; e++)
			if (mask & (1u << e))
				send_one(b, base_len, rows[i], &notes[e], &w);
	}
}
