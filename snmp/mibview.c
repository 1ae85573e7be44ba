/* The MIB view and its net-snmp handler; see mibview.h. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "mib_layout.h"
#include "mibview.h"

#define SUFFIX_MAX 6 /* 1.3.1.column.index.family */

enum cell_src {
	CELL_STATIC,    /* value stored in the cell */
	CELL_UPTIME,    /* computed per request */
	CELL_AGENT_AGE,
	CELL_ROW_AGE,
};

struct cell {
	oid sfx[SUFFIX_MAX]; /* arcs below the base OID */
	size_t sfx_len;
	unsigned char type;  /* ASN_* */
	enum cell_src src;
	struct rm_row *row;  /* CELL_ROW_AGE */
	uint64_t u;          /* integers and Counter64 */
	unsigned char *str;  /* octet strings, owned */
	size_t str_len;
	int present;
};

struct rm_view {
	oid base[RM_MAX_ARCS];
	size_t base_len;
	struct rm_shared *shared;
	char version[128];
	const struct rm_object *scalars;
	size_t n_scalars;
	struct rm_object *cols;
	size_t n_cols;
	struct rm_object *fcols; /* revmonFamilyTable */
	size_t n_fcols;
	const struct rm_object *tcols; /* revmonThresholdTable */
	size_t n_tcols;
	char (*shorts)[64];    /* each column's short name */
	const char **missing; /* scratch: n_cols pointers */
	struct rm_row **rows; /* borrowed */
	size_t n_rows;
	struct cell *cells;
	size_t n_cells;
	unsigned built_gen;
	int dirty;
	netsnmp_handler_registration *reg;
};

static void cells_free(struct cell *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].str);
	free(c);
}

static int sfx_cmp(const oid *a, size_t na, const oid *b, size_t nb)
{
	size_t n = na < nb ? na : nb;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return (na > nb) - (na < nb);
}

static int set_str(struct cell *c, const void *p, size_t len)
{
	c->type = ASN_OCTET_STR;
	c->str = malloc(len ? len : 1);
	if (!c->str)
		return -1;
	memcpy(c->str, p, len);
	c->str_len = len;
	c->present = 1;
	return 0;
}

static void set_int(struct cell *c, unsigned char type, uint64_t u)
{
	c->type = type;
	c->u = u;
	c->present = 1;
}

/* Cells of the family table: a growing array. */
struct cellvec {
	struct cell *c;
	size_t n, cap;
};

static struct cell *cellvec_push(struct cellvec *cv)
{
	if (cv->n == cv->cap) {
		size_t cap = cv->cap ? cv->cap * 2 : 64;
		struct cell *p = realloc(cv->c, cap * sizeof *p);

		if (!p)
			return NULL;
		cv->c = p;
		cv->cap = cap;
	}
	memset(&cv->c[cv->n], 0, sizeof cv->c[0]);
	return &cv->c[cv->n++];
}

static int cell_cmp(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	return sfx_cmp(x->sfx, x->sfx_len, y->sfx, y->sfx_len);
}

/* DisplayString (SIZE (0..255)) of s: cut at 255 octets, not inside a UTF-8
 * sequence. */
static int set_text(struct cell *c, const char *s)
{
	size_t n = strnlen(s, 256);

	if (n > 255) {
		n = 255;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return set_str(c, s, n);
}

/* A known metric value in column o's syntax. */
static void set_metric(struct cell *c, const struct rm_object *o, const struct revmon_value *val)
{
	if (o->syntax == RM_SYN_COUNTER64)
		set_int(c, ASN_COUNTER64, val->counter);
	else if (o->syntax == RM_SYN_TRUTHVALUE)
		set_int(c, ASN_INTEGER, val->value >= 0.5 ? 1 : 2); /* true(1), false(2) */
	else
		set_int(c, ASN_GAUGE, rm_gauge32(val->value, o->scale));
}

/* One cell of family f (a row of revmonFamilyTable) for column o, or
 * nothing (an unknown gauge). */
static int family_cell(const struct rm_object *o, const struct revmon_family *f, struct cell *c)
{
	const struct revmon_value *val;

	switch (o->arc) {
	case RM_FCOL_INDEX:
		return 0; /* not-accessible */
	case RM_FCOL_LABEL:
		return set_text(c, f->label);
	case RM_FCOL_APP:
		return set_text(c, f->app);
	case RM_FCOL_PLATFORM:
		return set_text(c, f->platform);
	default:
		break;
	}
	if (!o->desc)
		return 0;
	val = &f->values[o->metric];
	if (val->known)
		set_metric(c, o, val);
	return 0;
}

/* Every cell of row r's families (revmonFamilyTable), appended to cv in any
 * order, read under the row's mutex. */
static int family_cells(struct rm_view *v, struct rm_row *r, struct cellvec *cv)
{
	int rc = -1;

	pthread_mutex_lock(&r->mu);
	const revmon_snapshot *s = r->snap;
	for (size_t i = 0; s && i < s->n_families; i++) {
		const struct revmon_family *f = &s->families[i];

		for (size_t k = 0; k < v->n_fcols; k++) {
			const struct rm_object *o = &v->fcols[k];
			struct cell *c = cellvec_push(cv);

			if (!c)
				goto out;
			c->sfx[0] = RM_ARC_OBJECTS;
			c->sfx[1] = RM_ARC_FAMILY_TABLE;
			c->sfx[2] = RM_ARC_ENTRY;
			c->sfx[3] = o->arc;
			c->sfx[4] = r->index;
			c->sfx[5] = f->index;
			c->sfx_len = 6;
			if (family_cell(o, f, c) < 0)
				goto out;
			if (!c->present)
				cv->n--; /* no instance: the slot is reused */
		}
	}
	rc = 0;
out:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* Row r's cells of revmonThresholdTable, appended to cv (main thread:
 * the notification settings are its own). */
static int threshold_cells(struct rm_view *v, struct rm_row *r, struct cellvec *cv)
{
	const struct rm_notify_conf *n = &r->notify;

	for (size_t k = 0; k < v->n_tcols; k++) {
		struct cell *c = cellvec_push(cv);
		int64_t val = RM_NOTIFY_OFF;

		if (!c)
			return -1;
		c->sfx[0] = RM_ARC_OBJECTS;
		c->sfx[1] = RM_ARC_THRESHOLD_TABLE;
		c->sfx[2] = RM_ARC_ENTRY;
		c->sfx[3] = v->tcols[k].arc;
		c->sfx[4] = r->index;
		c->sfx_len = 5;
		switch (v->tcols[k].arc) {
		case RM_TCOL_SOURCE: set_int(c, ASN_INTEGER, n->source ? 1 : 2); continue;
		case RM_TCOL_STUCK: val = n->stuck; break;
		case RM_TCOL_STUCK_CLEAR: val = n->stuck_clear; break;
		case RM_TCOL_LAG: val = n->lag_ms; break;
		case RM_TCOL_LAG_CLEAR: val = n->lag_clear_ms; break;
		default: break;
		}
		if (val == RM_NOTIFY_OFF)
			cv->n--; /* off: no instance */
		else
			set_int(c, ASN_GAUGE, (uint64_t)val);
	}
	return 0;
}

/* revmonSourceUnknown: the short names of the accessible columns of the row
 * (out) that have no value. */
static int unknown_list(struct rm_view *v, const revmon_snapshot *s, const struct cell *out,
                        struct cell *c)
{
	char text[256];
	size_t n = 0;

	c->present = 0;
	if (!s)
		return set_text(c, "no poll completed yet");
	for (size_t i = 0; i < v->n_cols; i++)
		if (!out[i].present && &out[i] != c && v->cols[i].syntax != RM_SYN_INDEX)
			v->missing[n++] = v->shorts[i];
	rm_name_list(text, sizeof text, v->missing, n);
	return set_text(c, text);
}

/* Every cell of one row, in column order (out has n_cols cells), read
 * under the row's mutex. */
static int row_cells(struct rm_view *v, struct rm_row *r, struct cell *out)
{
	unsigned char dt[11];
	struct cell *unknown_cell = NULL;
	int rc = -1;

	pthread_mutex_lock(&r->mu);
	const revmon_snapshot *s = r->snap;
	for (size_t i = 0; i < v->n_cols; i++) {
		const struct rm_object *o = &v->cols[i];
		struct cell *c = &out[i];

		c->sfx[0] = RM_ARC_OBJECTS;
		c->sfx[1] = RM_ARC_TABLE;
		c->sfx[2] = RM_ARC_ENTRY;
		c->sfx[3] = o->arc;
		c->sfx[4] = r->index;
		c->sfx_len = 5;
		if (o->desc) {
			if (s && (size_t)o->metric < s->n_values && s->values[o->metric].known)
				set_metric(c, o, &s->values[o->metric]);
			continue;
		}
		switch (o->arc) {
		case RM_COL_NAME:
			if (set_str(c, r->name, strlen(r->name)) < 0)
				goto out;
			break;
		case RM_COL_STATUS:
			set_int(c, ASN_INTEGER, (uint64_t)r->status);
			break;
		case RM_COL_LAST_ERROR:
			if (set_str(c, r->error, strnlen(r->error, 255)) < 0)
				goto out;
			break;
		case RM_COL_UNKNOWN:
			unknown_cell = c; /* filled once every other column is done */
			c->present = 1;
			break;
		case RM_COL_SIMULATED:
			if (s)
				set_int(c, ASN_INTEGER, s->simulated ? 1 : 2);
			break;
		case RM_COL_DATA_AGE:
			if (s) {
				set_int(c, ASN_GAUGE, 0);
				c->src = CELL_ROW_AGE;
				c->row = r;
			}
			break;
		case RM_COL_VALUES_TIME:
			if (s && rm_date_and_time(s->now_ms, dt) == sizeof dt &&
			    set_str(c, dt, sizeof dt) < 0)
				goto out;
			break;
		case RM_COL_OPENED:
			if (r->opened_ms >= 0)
				set_int(c, ASN_TIMETICKS,
				        rm_timeticks(r->opened_ms - r->shared->start_ms));
			break;
		default:
			break;
		}
	}
	if (unknown_cell && unknown_list(v, s, out, unknown_cell) < 0)
		goto out;
	rc = 0;
out:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* The agent scalars' cells, in arc order (out has n_scalars cells). */
static int scalar_cells(struct rm_view *v, struct cell *out)
{
	for (size_t i = 0; i < v->n_scalars; i++) {
		const struct rm_object *o = &v->scalars[i];
		struct cell *c = &out[i];

		c->sfx[0] = RM_ARC_OBJECTS;
		c->sfx[1] = RM_ARC_AGENT;
		c->sfx[2] = o->arc;
		c->sfx[3] = 0;
		c->sfx_len = 4;
		switch (o->arc) {
		case RM_SCALAR_VERSION:
			if (set_str(c, v->version, strlen(v->version)) < 0)
				return -1;
			break;
		case RM_SCALAR_UPTIME:
			set_int(c, ASN_TIMETICKS, 0);
			c->src = CELL_UPTIME;
			break;
		case RM_SCALAR_DATA_AGE:
			set_int(c, ASN_GAUGE, 0);
			c->src = CELL_AGENT_AGE;
			break;
		case RM_SCALAR_SOURCES:
			set_int(c, ASN_GAUGE, v->n_rows);
			break;
		}
	}
	return 0;
}

/* Rebuild the sorted cells from the rows' latest snapshots: the scalars,
 * revmonSourceTable, revmonFamilyTable, then revmonThresholdTable
 * (B.1.1 < B.1.2 < B.1.3 < B.1.4). */
static int rebuild(struct rm_view *v)
{
	unsigned gen = atomic_load(&v->shared->generation);
	size_t n_matrix = v->n_cols * v->n_rows, n = v->n_scalars;
	struct cell *matrix = calloc(n_matrix ? n_matrix : 1, sizeof *matrix);
	struct cell *cells = calloc(v->n_scalars + n_matrix, sizeof *cells), *grown;
	struct cellvec fam = {NULL, 0, 0};
	int rc = -1;

	if (!matrix || !cells || scalar_cells(v, cells) < 0)
		goto out;
	for (size_t r = 0; r < v->n_rows; r++)
		if (row_cells(v, v->rows[r], &matrix[r * v->n_cols]) < 0 ||
		    family_cells(v, v->rows[r], &fam) < 0 || threshold_cells(v, v->rows[r], &fam) < 0)
			goto out;
	/* Column-major: that is the OID order of a table. */
	for (size_t c = 0; c < v->n_cols; c++)
		for (size_t r = 0; r < v->n_rows; r++) {
			struct cell *m = &matrix[r * v->n_cols + c];

			if (m->present) {
				cells[n++] = *m;
				m->str = NULL;
			}
		}
	/* The family table across both index levels (column, row, family),
	 * then the threshold table (column, row). */
	if (fam.n)
		qsort(fam.c, fam.n, sizeof *fam.c, cell_cmp);
	grown = realloc(cells, (v->n_scalars + n_matrix + fam.n) * sizeof *cells);
	if (!grown)
		goto out;
	cells = grown;
	if (fam.n)
		memcpy(cells + n, fam.c, fam.n * sizeof *cells);
	n += fam.n;
	fam.n = 0; /* the strings are the new cells' now */
	cells_free(v->cells, v->n_cells);
	v->cells = cells;
	v->n_cells = n;
	cells = NULL;
	v->built_gen = gen;
	v->dirty = 0;
	rc = 0;
out:
	if (matrix)
		cells_free(matrix, n_matrix);
	if (cells)
		cells_free(cells, v->n_scalars + n_matrix);
	cells_free(fam.c, fam.n);
	return rc;
}

/* First cell >= sfx (inclusive) or > sfx. */
static size_t lower_bound(const struct rm_view *v, const oid *sfx, size_t len, int inclusive)
{
	size_t lo = 0, hi = v->n_cells;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = sfx_cmp(v->cells[mid].sfx, v->cells[mid].sfx_len, sfx, len);

		if (cmp < 0 || (cmp == 0 && !inclusive))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int64_t row_age(const struct rm_view *v, struct rm_row *r, int64_t now)
{
	int64_t t;

	pthread_mutex_lock(&r->mu);
	t = r->snap ? r->polled_ms : v->shared->start_ms;
	pthread_mutex_unlock(&r->mu);
	return now - t;
}

static void put_value(const struct rm_view *v, const struct cell *c, netsnmp_variable_list *vb)
{
	int64_t now = revmon_monotonic_ms(), age = 0;
	u_long ul = (u_long)c->u;
	long l = (long)c->u;
	struct counter64 c64;
	uint32_t hi, lo;

	switch (c->src) {
	case CELL_UPTIME:
		ul = rm_timeticks(now - v->shared->start_ms);
		break;
	case CELL_AGENT_AGE:
		for (size_t i = 0; i < v->n_rows; i++) {
			int64_t a = row_age(v, v->rows[i], now);

			age = a > age ? a : age;
		}
		ul = rm_gauge_ms(age);
		break;
	case CELL_ROW_AGE:
		ul = rm_gauge_ms(row_age(v, c->row, now));
		break;
	case CELL_STATIC:
		break;
	}
	switch (c->type) {
	case ASN_OCTET_STR:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, c->str, c->str_len);
		break;
	case ASN_INTEGER:
		snmp_set_var_typed_value(vb, ASN_INTEGER, &l, sizeof l);
		break;
	case ASN_COUNTER64:
		rm_split64(c->u, &hi, &lo);
		c64.high = hi;
		c64.low = lo;
		snmp_set_var_typed_value(vb, ASN_COUNTER64, &c64, sizeof c64);
		break;
	default: /* ASN_GAUGE, ASN_TIMETICKS */
		snmp_set_var_typed_value(vb, c->type, &ul, sizeof ul);
		break;
	}
}

/* GET of a missing instance: noSuchInstance when the object exists. */
static int missing_kind(const struct rm_view *v, const oid *s, size_t len)
{
	if (len >= 3 && s[0] == RM_ARC_OBJECTS && s[1] == RM_ARC_AGENT)
		for (size_t i = 0; i < v->n_scalars; i++)
			if (s[2] == v->scalars[i].arc)
				return SNMP_NOSUCHINSTANCE;
	if (len >= 4 && s[0] == RM_ARC_OBJECTS && s[1] == RM_ARC_TABLE && s[2] == RM_ARC_ENTRY)
		for (size_t i = 0; i < v->n_cols; i++)
			if (s[3] == v->cols[i].arc && v->cols[i].syntax != RM_SYN_INDEX)
				return SNMP_NOSUCHINSTANCE;
	if (len >= 4 && s[0] == RM_ARC_OBJECTS && s[1] == RM_ARC_FAMILY_TABLE &&
	    s[2] == RM_ARC_ENTRY)
		for (size_t i = 0; i < v->n_fcols; i++)
			if (s[3] == v->fcols[i].arc && v->fcols[i].syntax != RM_SYN_INDEX)
				return SNMP_NOSUCHINSTANCE;
	if (len >= 4 && s[0] == RM_ARC_OBJECTS && s[1] == RM_ARC_THRESHOLD_TABLE &&
	    s[2] == RM_ARC_ENTRY)
		for (size_t i = 0; i < v->n_tcols; i++)
			if (s[3] == v->tcols[i].arc)
				return SNMP_NOSUCHINSTANCE;
	return SNMP_NOSUCHOBJECT;
}

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
                   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct rm_view *v = h->myvoid;

	(void)reg;
	if (v->dirty || v->built_gen != atomic_load(&v->shared->generation))
		rebuild(v); /* on failure the previous cells are served */
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		const oid *sfx = vb->name + v->base_len;
		size_t sfx_len = vb->name_length - v->base_len;
		int inside = vb->name_length >= v->base_len &&
		             netsnmp_oid_equals(vb->name, v->base_len, v->base, v->base_len) == 0;
		size_t i;

		if (r->processed)
			continue;
		switch (reqinfo->mode) {
		case MODE_GET:
			i = inside && sfx_len <= SUFFIX_MAX ? lower_bound(v, sfx, sfx_len, 1) : v->n_cells;
			if (i < v->n_cells && sfx_cmp(v->cells[i].sfx, v->cells[i].sfx_len, sfx, sfx_len) == 0)
				put_value(v, &v->cells[i], vb);
			else
				netsnmp_set_request_error(reqinfo, r,
				                          inside ? missing_kind(v, sfx, sfx_len) : (int)SNMP_NOSUCHOBJECT);
			break;
		case MODE_GETNEXT:
			if (inside)
				i = lower_bound(v, sfx, sfx_len, r->inclusive);
			else if (snmp_oid_compare(vb->name, vb->name_length, v->base, v->base_len) < 0)
				i = 0;
			else
				i = v->n_cells;
			if (i < v->n_cells) {
				oid name[RM_MAX_ARCS];

				memcpy(name, v->base, v->base_len * sizeof *name);
				memcpy(name + v->base_len, v->cells[i].sfx, v->cells[i].sfx_len * sizeof *name);
				snmp_set_var_objid(vb, name, v->base_len + v->cells[i].sfx_len);
				put_value(v, &v->cells[i], vb);
			}
			/* else: nothing here; the agent moves on to the next subtree */
			break;
		default:
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

struct rm_view *rm_view_new(const unsigned long *base, size_t base_len, struct rm_shared *shared,
                            const char *version, char *err, size_t errlen)
{
	struct rm_view *v = calloc(1, sizeof *v);

	if (!v || base_len + SUFFIX_MAX > RM_MAX_ARCS) {
		snprintf(err, errlen, v ? "base OID too long" : "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < base_len; i++)
		v->base[i] = base[i];
	v->base_len = base_len;
	v->shared = shared;
	snprintf(v->version, sizeof v->version, "%s", version);
	v->scalars = rm_scalars(&v->n_scalars);
	v->tcols = rm_threshold_columns(&v->n_tcols);
	v->cols = rm_columns(&v->n_cols, err, errlen);
	if (v->cols)
		v->fcols = rm_family_columns(&v->n_fcols, err, errlen);
	if (!v->cols || !v->fcols ||
	    rm_columns_disjoint(v->cols, v->n_cols, v->fcols, v->n_fcols, err, errlen) < 0)
		goto fail;
	v->shorts = calloc(v->n_cols, sizeof *v->shorts);
	v->missing = calloc(v->n_cols, sizeof *v->missing);
	if (!v->shorts || !v->missing) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < v->n_cols; i++)
		rm_short_name(v->cols[i].name, v->shorts[i], sizeof v->shorts[i]);
	v->dirty = 1;
	return v;
fail:
	if (v) {
		free(v->cols);
		free(v->fcols);
		free(v->shorts);
		free(v->missing);
	}
	free(v);
	return NULL;
}

int rm_view_register(struct rm_view *v)
{
	v->reg = netsnmp_create_handler_registration("revmonMIB", handler, v->base, v->base_len,
	                                             HANDLER_CAN_RONLY);
	if (!v->reg)
		return -1;
	v->reg->handler->myvoid = v;
	if (netsnmp_register_handler(v->reg) != MIB_REGISTERED_OK) {
		v->reg = NULL; /* freed by net-snmp on failure */
		return -1;
	}
	return 0;
}

void rm_view_set_rows(struct rm_view *v, struct rm_row **rows, size_t n)
{
	v->rows = rows;
	v->n_rows = n;
	v->dirty = 1;
	/* Cells may point at rows that are about to go: never keep old ones. */
	if (rebuild(v) < 0) {
		cells_free(v->cells, v->n_cells);
		v->cells = NULL;
		v->n_cells = 0;
	}
}

void rm_view_free(struct rm_view *v)
{
	if (!v)
		return;
	if (v->reg)
		netsnmp_unregister_handler(v->reg);
	cells_free(v->cells, v->n_cells);
	free(v->cols);
	free(v->fcols);
	free(v->shorts);
	free(v->missing);
	free(v);
}
