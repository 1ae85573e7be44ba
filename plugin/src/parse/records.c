/* Documents: a single record, the containers records come in (a Graph
 * page's "value", an Event Hubs body's "records", a top-level array, the Log
 * Analytics query API's "tables"), and records wrapped in a JSON string. */
#include "records.h"

#include <string.h>

#include "record_internal.h"

#define COLS_MAX 1024 /* query API columns mapped; later ones are read past */

static char at(const struct rm_json_iter *it)
{
	return it->buf[it->pos];
}

static void reject(struct ctx *c, const char *why, size_t off)
{
	c->res->rejected++;
	if (c->sink && c->sink->reject)
		c->sink->reject(c->sink->ctx, why, off);
}

static void deliver(struct ctx *c, int rc, const struct rm_event *ev, const char *why,
                    struct rm_str kind, size_t off, size_t size)
{
	if (rc != RM_REC_BAD && c->sink && c->sink->max_record && size > c->sink->max_record) {
		rc = RM_REC_BAD;
		why = "record larger than max_record_bytes";
	}
	if (rc == RM_REC_OK) {
		c->res->records++;
		if (c->sink && c->sink->event)
			c->sink->event(c->sink->ctx, ev);
	} else if (rc == RM_REC_SKIP) {
		c->res->ignored++;
		if (c->sink && c->sink->ignore)
			c->sink->ignore(c->sink->ctx, kind, off);
	} else {
		reject(c, why, off);
	}
}

/* Walk the record o has begun or entered and finish it into *ev; o ends
 * past it. BROKEN when its structure broke (*why says how). */
static int parse_obj(struct ctx *c, struct rm_json_iter *o, struct top *t, struct rm_event *ev,
                     const char **why, struct rm_str *kind)
{
	rm_rec_top_init(t);
	if (rm_rec_walk_members(c, o, &t->g) < 0) {
		*why = rm_rec_json_reason(c->jerr);
		return BROKEN;
	}
	if (c->container)
		return RM_REC_OK;
	return rm_rec_finish(t, -1, ev, why, kind);
}

/* A record wrapped in a JSON string by a forwarder: its text decoded into
 * the arena and read as a record. */
static int parse_wrapped(struct ctx *c, struct rm_str raw, struct rm_event *ev, const char **why,
                         struct rm_str *kind)
{
	struct ctx sub = {0};
	struct rm_json_iter o;
	struct top t;
	char *p;
	long dn;
	size_t s;
	int rc;

	if (!c->arena)
		return *why = "record: a JSON string", RM_REC_BAD;
	p = rm_arena_alloc(c->arena, raw.n + 1);
	if (!p)
		return *why = "out of memory decoding a record in a string", RM_REC_BAD;
	dn = rm_json_unescape(raw, p, raw.n + 1);
	s = dn < 0 ? 0 : rm_json_skip_ws(p, (size_t)dn, 0);
	if (dn < 0 || s >= (size_t)dn || p[s] != '{')
		return *why = "record: a string that is not a record's JSON text", RM_REC_BAD;
	sub.arena = c->arena;
	sub.text_depth = 1;
	rm_json_obj_begin(&o, p + s, (size_t)dn - s);
	rc = parse_obj(&sub, &o, &t, ev, why, kind);
	if (rc == BROKEN)
		return *why = "record in a string: malformed JSON text", RM_REC_BAD;
	if (rm_json_skip_ws(p + s, (size_t)dn - s, o.pos) != (size_t)dn - s)
		return *why = "record in a string: trailing data", RM_REC_BAD;
	return rc;
}

/* One element of a container: a record, or a record in a string. */
static int element(struct ctx *c, struct rm_json_iter *a)
{
	struct ctx ec = {0};
	struct rm_json_iter o;
	struct rm_json_val v;
	struct rm_event ev;
	struct rm_str kind = {NULL, 0};
	struct top t;
	const char *why = NULL;
	size_t start = a->pos;
	int rc;

	ec.base = c->base;
	ec.arena = c->arena;
	if (c->arena)
		rm_arena_reset(c->arena);
	if (at(a) == '{') {
		rm_json_obj_enter(a, &o);
		rc = parse_obj(&ec, &o, &t, &ev, &why, &kind);
		if (rc == BROKEN)
			return rm_rec_broken(c, ec.jerr, ec.jpos);
		rm_json_iter_leave(a, &o);
	} else {
		if (rm_json_iter_value(a, &v) < 0)
			return rm_rec_broken(c, RM_JSON_BAD, a->pos);
		if (v.type == RM_JSON_STRING)
			rc = parse_wrapped(c, v.s, &ev, &why, &kind);
		else
			rc = RM_REC_BAD, why = "element: not an object";
	}
	deliver(c, rc, &ev, why, kind, c->base + start, a->pos - start);
	return 0;
}

/* The elements of an array (a container's "value" / "records", or the
 * document itself), each a record. */
static int elements_of(struct ctx *c, struct rm_json_iter *a)
{
	int r;

	while ((r = rm_json_arr_elem(a)) > 0)
		if (element(c, a) < 0)
			return -1;
	return r < 0 ? rm_rec_broken(c, r, a->pos) : 0;
}

static int elements(struct ctx *c, struct rm_json_iter *it)
{
	struct rm_json_iter a;

	rm_json_arr_enter(it, &a);
	if (elements_of(c, &a) < 0)
		return -1;
	return rm_json_iter_leave(it, &a) < 0 ? rm_rec_broken(c, RM_JSON_BAD, it->pos) : 0;
}

/* ---- the Log Analytics query API answer ---- */

struct table {
	unsigned char col[COLS_MAX]; /* enum key of each column */
	size_t n_cols;
	int have_cols;
	struct rm_json_iter rows; /* "rows" met before "columns": walked after */
	int rows_later;
};

/* A column: {"name":..,"type":..} ({"ColumnName":..} from the ARM route). */
static int column(struct table *tb, struct rm_json_iter *a)
{
	struct rm_json_val v;
	struct rm_str name = {NULL, 0};
	enum key k = K_OTHER;
	int r;

	if (at(a) == '{') {
		r = rm_json_obj_get(a->buf + a->pos, a->len - a->pos, "name", &v);
		if (r == 0)
			r = rm_json_obj_get(a->buf + a->pos, a->len - a->pos, "ColumnName", &v);
		if (r > 0 && v.type == RM_JSON_STRING)
			name = v.s;
	}
	if (rm_json_iter_value(a, &v) < 0)
		return -1;
	if (name.p)
		k = rm_rec_key(name);
	if (tb->n_cols < COLS_MAX)
		tb->col[tb->n_cols++] = (unsigned char)k;
	return 0;
}

static int columns(struct ctx *c, struct table *tb, struct rm_json_iter *it)
{
	struct rm_json_iter a;
	int r;

	rm_json_arr_enter(it, &a);
	while ((r = rm_json_arr_elem(&a)) > 0)
		if (column(tb, &a) < 0)
			return rm_rec_broken(c, RM_JSON_BAD, a.pos);
	if (r < 0)
		return rm_rec_broken(c, r, a.pos);
	tb->have_cols = 1;
	return rm_json_iter_leave(it, &a) < 0 ? rm_rec_broken(c, RM_JSON_BAD, it->pos) : 0;
}

/* One row: its cells are the values of the columns, in order. */
static int row(struct ctx *c, const struct table *tb, struct rm_json_iter *a)
{
	struct ctx ec = {0};
	struct rm_json_iter cells;
	struct rm_event ev;
	struct rm_str kind = {NULL, 0};
	struct top t;
	const char *why = NULL;
	size_t start = a->pos, i = 0;
	int r, rc;

	if (at(a) != '[') {
		struct rm_json_val v;

		if (rm_json_iter_value(a, &v) < 0)
			return rm_rec_broken(c, RM_JSON_BAD, a->pos);
		reject(c, "row: not an array", c->base + start);
		return 0;
	}
	ec.base = c->base;
	ec.arena = c->arena;
	if (c->arena)
		rm_arena_reset(c->arena);
	rm_rec_top_init(&t);
	rm_json_arr_enter(a, &cells);
	while ((r = rm_json_arr_elem(&cells)) > 0) {
		enum key k = i < tb->n_cols ? (enum key)tb->col[i] : K_OTHER;

		i++;
		if (rm_rec_member(&ec, &cells, k, &t.g) < 0)
			return rm_rec_broken(c, ec.jerr, ec.jpos);
	}
	if (r < 0 || rm_json_iter_leave(a, &cells) < 0)
		return rm_rec_broken(c, r < 0 ? r : RM_JSON_BAD, cells.pos);
	rc = rm_rec_finish(&t, -1, &ev, &why, &kind);
	deliver(c, rc, &ev, why, kind, c->base + start, a->pos - start);
	return 0;
}

static int rows(struct ctx *c, const struct table *tb, struct rm_json_iter *it)
{
	struct rm_json_iter a;
	int r;

	rm_json_arr_enter(it, &a);
	while ((r = rm_json_arr_elem(&a)) > 0)
		if (row(c, tb, &a) < 0)
			return -1;
	if (r < 0)
		return rm_rec_broken(c, r, a.pos);
	return rm_json_iter_leave(it, &a) < 0 ? rm_rec_broken(c, RM_JSON_BAD, it->pos) : 0;
}

static int table_member(struct ctx *c, struct table *tb, struct rm_json_iter *o, struct rm_str key)
{
	struct rm_json_val v;

	if (rm_json_str_eq_ci(key, "columns") && at(o) == '[')
		return columns(c, tb, o);
	if (rm_json_str_eq_ci(key, "rows") && at(o) == '[') {
		if (tb->have_cols)
			return rows(c, tb, o);
		tb->rows = *o; /* the columns come later: read the rows after them */
		tb->rows_later = 1;
	}
	return rm_json_iter_value(o, &v) < 0 ? rm_rec_broken(c, RM_JSON_BAD, o->pos) : 0;
}

static int table(struct ctx *c, struct rm_json_iter *a)
{
	struct table *tb, mem;
	struct rm_json_iter o;
	struct rm_str key;
	struct rm_json_val v;
	int r;

	if (at(a) != '{')
		return rm_json_iter_value(a, &v) < 0 ? rm_rec_broken(c, RM_JSON_BAD, a->pos) : 0;
	tb = &mem;
	tb->n_cols = 0;
	tb->have_cols = tb->rows_later = 0;
	rm_json_obj_enter(a, &o);
	while ((r = rm_json_obj_key(&o, &key)) > 0)
		if (table_member(c, tb, &o, key) < 0)
			return -1;
	if (r < 0 || rm_json_iter_leave(a, &o) < 0)
		return rm_rec_broken(c, r < 0 ? r : RM_JSON_BAD, o.pos);
	if (tb->rows_later && rows(c, tb, &tb->rows) < 0)
		return -1;
	return 0;
}

static int tables(struct ctx *c, struct rm_json_iter *it)
{
	struct rm_json_iter a;
	int r;

	rm_json_arr_enter(it, &a);
	while ((r = rm_json_arr_elem(&a)) > 0)
		if (table(c, &a) < 0)
			return -1;
	if (r < 0)
		return rm_rec_broken(c, r, a.pos);
	return rm_json_iter_leave(it, &a) < 0 ? rm_rec_broken(c, RM_JSON_BAD, it->pos) : 0;
}

static int contain(struct ctx *c, struct rm_json_iter *it, int key)
{
	c->container = 1;
	return key == K_TABLES ? tables(c, it) : elements(c, it);
}

/* ---- entry points ---- */

int rm_record_parse(const char *buf, size_t len, struct rm_arena *arena, struct rm_event *ev,
                    const char **why, struct rm_str *kind)
{
	struct ctx c = {0};
	struct rm_json_iter o;
	struct top t;
	int rc;

	*why = NULL;
	kind->p = NULL;
	kind->n = 0;
	if (len == 0 || buf[0] != '{') {
		*why = len ? "record: not an object" : "record: empty";
		return RM_REC_BAD;
	}
	c.arena = arena;
	if (arena)
		rm_arena_reset(arena);
	rm_json_obj_begin(&o, buf, len);
	rc = parse_obj(&c, &o, &t, ev, why, kind);
	if (rc == BROKEN)
		return RM_REC_BAD;
	if (rm_json_skip_ws(buf, len, o.pos) != len) {
		*why = "trailing data after record";
		return RM_REC_BAD;
	}
	return rc;
}

/* A top-level object: a record, or a container of them. *end past it. */
static int doc_object(struct ctx *c, const char *buf, size_t len, size_t p, size_t *end)
{
	struct rm_json_iter o;
	struct rm_event ev;
	struct rm_str kind = {NULL, 0};
	struct top t;
	const char *why = NULL;
	int rc;

	c->contain = contain;
	rm_arena_reset(c->arena);
	rm_json_obj_begin(&o, buf + p, len - p);
	rc = parse_obj(c, &o, &t, &ev, &why, &kind);
	if (t.has & T_NEXT_LINK)
		c->res->next_link = t.next_link;
	if (rc == BROKEN) {
		reject(c, why, p + c->jpos);
		return RM_REC_BAD;
	}
	*end = p + o.pos;
	if (!c->container)
		deliver(c, rc, &ev, why, kind, p, o.pos);
	return rc == RM_REC_BAD && !c->container ? RM_REC_BAD : 0;
}

/* A top-level array of records (az CLI, scripts, a portal's JSON download). */
static int doc_array(struct ctx *c, const char *buf, size_t len, size_t p, size_t *end)
{
	struct rm_json_iter a;

	c->container = 1;
	rm_json_arr_begin(&a, buf + p, len - p);
	if (elements_of(c, &a) < 0) {
		reject(c, rm_rec_json_reason(c->jerr), p + c->jpos);
		return RM_REC_BAD;
	}
	*end = p + a.pos;
	return 0;
}

/* A record in a JSON string (a forwarder's wrapping). */
static int doc_string(struct ctx *c, const char *buf, size_t len, size_t p, size_t *end)
{
	enum rm_json_type type;
	struct rm_event ev;
	struct rm_str kind = {NULL, 0};
	const char *why = NULL;
	int rc;

	if (rm_json_value_end(buf, len, p, end, &type) != RM_JSON_OK) {
		reject(c, "truncated JSON", p);
		return RM_REC_BAD;
	}
	rm_arena_reset(c->arena);
	rc = parse_wrapped(c, (struct rm_str){buf + p + 1, *end - p - 2}, &ev, &why, &kind);
	deliver(c, rc, &ev, why, kind, p, *end - p);
	return rc == RM_REC_BAD ? RM_REC_BAD : 0;
}

int rm_doc_parse(const char *buf, size_t len, const struct rm_sink *sink, struct rm_doc_result *res)
{
	struct rm_arena local = {0};
	struct ctx c = {0};
	size_t p, end = len;
	int rc;

	memset(res, 0, sizeof *res);
	c.sink = sink;
	c.res = res;
	c.arena = sink && sink->arena ? sink->arena : &local;
	p = rm_json_skip_ws(buf, len, 0);
	/* positions in the walk are relative to the value's first byte */
	c.base = p;
	if (p >= len) {
		reject(&c, "empty document", p);
		rc = RM_REC_BAD;
	} else if (buf[p] == '{') {
		rc = doc_object(&c, buf, len, p, &end);
	} else if (buf[p] == '[') {
		rc = doc_array(&c, buf, len, p, &end);
	} else if (buf[p] == '"') {
		rc = doc_string(&c, buf, len, p, &end);
	} else {
		reject(&c, "document: not a record, an array of records or a container", p);
		rc = RM_REC_BAD;
	}
	if (rc == 0 && rm_json_skip_ws(buf, len, end) != len) {
		reject(&c, "trailing data after document", rm_json_skip_ws(buf, len, end));
		rc = RM_REC_BAD;
	}
	rm_arena_free(&local);
	return rc;
}
