/* The ingest path every source shares: documents -> records -> analyzer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/parse.h"
#include "ingest.h"
#include "ingest_internal.h"

#define REJECT_LOG_MAX 5 /* per poll; the rest are summed up */

void rm_ingest_log(struct rm_ingest *in, enum revmon_log_level level, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (!in->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	in->log(in->log_ctx, level, msg);
}

static void on_reject(void *ctx, const char *reason, size_t offset)
{
	struct rm_ingest *in = ctx;

	rm_analyzer_reject(in->an);
	in->rejected++;
	if (in->logged++ < REJECT_LOG_MAX)
		rm_ingest_log(in, REVMON_LOG_WARNING, "%s: %s%sbyte %llu: malformed record skipped: %s",
		              in->origin, in->doc_name ? in->doc_name : "",
		              in->doc_name ? ": " : "",
		              (unsigned long long)(in->doc_offset + offset), reason);
}

void rm_ingest_reject(struct rm_ingest *in, const char *reason)
{
	on_reject(in, reason, 0);
}

static void on_event(void *ctx, const struct rm_event *parsed)
{
	struct rm_ingest *in = ctx;
	const struct rm_event *ev = parsed;
	struct rm_event mine;

	if (ev->time_ms > in->future_limit_ms) {
		on_reject(ctx, "timestamp more than a day in the future", 0);
		return;
	}
	if (ev->time_ms > in->newest_ms)
		in->newest_ms = ev->time_ms;
	if (in->accept) {
		mine = *parsed; /* the parser's record is const: a source completes a copy */
		if (!in->accept(in->accept_ctx, &mine))
			return;
		ev = &mine;
	}
	if ((in->rereads ? rm_analyzer_feed_again(in->an, ev) : rm_analyzer_feed(in->an, ev)) < 0 &&
	    in->logged++ < REJECT_LOG_MAX)
		rm_ingest_log(in, REVMON_LOG_ERR, "%s: out of memory: record dropped", in->origin);
}

/* 1 when this input has logged kind before; else remembers it (when there
 * is room) and returns 0. */
static int kind_seen(struct rm_stream *st, const char *kind)
{
	char *copy;

	for (size_t i = 0; i < st->n_kinds; i++)
		if (!strcmp(st->kinds[i], kind))
			return 1;
	if (st->n_kinds == RM_STREAM_KINDS)
		return 1; /* a file of many kinds: the first ones are enough to say it */
	copy = strdup(kind);
	if (copy)
		st->kinds[st->n_kinds++] = copy;
	return 0;
}

static void on_ignore(void *ctx, struct rm_str raw, size_t offset)
{
	struct rm_ingest *in = ctx;
	char kind[80];

	(void)offset;
	rm_analyzer_ignore(in->an);
	if (rm_json_unescape(raw, kind, sizeof kind) < 0)
		snprintf(kind, sizeof kind, "%.*s", (int)(raw.n < 60 ? raw.n : 60), raw.p);
	if (in->stream ? kind_seen(in->stream, kind) : in->ignored_logged++ >= REJECT_LOG_MAX)
		return;
	rm_ingest_log(in, REVMON_LOG_INFO,
	              "%s: %s%srecords of kind '%s' ignored (revmon reads user sign-ins and directory "
	              "audits); counted in events_ignored",
	              in->origin, in->doc_name ? in->doc_name : "", in->doc_name ? ": " : "", kind);
}

void rm_ingest_sink(struct rm_ingest *in, struct rm_sink *sink)
{
	memset(sink, 0, sizeof *sink);
	sink->event = on_event;
	sink->reject = on_reject;
	sink->ignore = on_ignore;
	sink->ctx = in;
	sink->max_record = in->s->max_record_bytes;
	/* without a stream, the parser decodes into a scratch arena of its own */
	sink->arena = in->stream ? &in->stream->arena : NULL;
}

/* The common case, one record per line (PT1H.json, NDJSON, Log Analytics
 * rows): hand the line straight to the record parser, which validates as it
 * extracts, instead of scanning it twice. Containers, multi-line documents
 * and anything the parser refuses take the general path, which also reports
 * the refusal. Returns 1 when the line was consumed (*used bytes, newline
 * included). */
static int try_line(struct rm_ingest *in, const char *p, size_t n, size_t *used)
{
	const char *nl = memchr(p, '\n', n);
	size_t len, k;
	struct rm_event ev;
	struct rm_str kind;
	const char *why;
	int rc;

	if (!nl || p[0] != '{')
		return 0;
	len = (size_t)(nl - p);
	while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (!len || p[len - 1] != '}')
		return 0;
	for (k = 1; k < len && (p[k] == ' ' || p[k] == '\t'); k++)
		;
	if (len - k >= 9 && (!memcmp(p + k, "\"value\"", 7) || !memcmp(p + k, "\"records\"", 9) ||
	                     !memcmp(p + k, "\"tables\"", 8) || !memcmp(p + k, "\"@odata.", 8)))
		return 0;
	rc = rm_record_parse(p, len, in->stream ? &in->stream->arena : NULL, &ev, &why, &kind);
	if (rc == RM_REC_BAD)
		return 0;
	*used = (size_t)(nl - p) + 1;
	if (len > in->s->max_record_bytes)
		on_reject(in, "record larger than max_record_bytes", 0);
	else if (rc == RM_REC_OK)
		on_event(in, &ev);
	else
		on_ignore(in, kind, 0);
	return 1;
}

int rm_ingest_document_result(struct rm_ingest *in, const char *buf, size_t len,
                              struct rm_doc_result *res)
{
	struct rm_sink sink;

	rm_ingest_sink(in, &sink);
	memset(res, 0, sizeof *res);
	return rm_doc_parse(buf, len, &sink, res) == 0 ? 0 : -1;
}

void rm_ingest_document(struct rm_ingest *in, const char *buf, size_t len)
{
	struct rm_doc_result res;

	rm_ingest_document_result(in, buf, len, &res);
}

void rm_stream_reset(struct rm_stream *s)
{
	enum rm_format forced = s->format == RM_FORMAT_NONE ? RM_FORMAT_AUTO : s->format;

	rm_stream_free(s);
	s->format = forced;
}

void rm_stream_free(struct rm_stream *s)
{
	for (size_t i = 0; i < s->n_kinds; i++)
		free(s->kinds[i]);
	rm_arena_free(&s->arena);
	rm_csv_reader_free(s->csv);
	memset(s, 0, sizeof *s);
}

/* Reject the line at pos (reason static) and read past its end, across
 * calls when it goes on beyond the buffer. Returns the new pos. */
static size_t skip_line(struct rm_ingest *in, struct rm_buf *b, size_t pos, struct rm_stream *st,
                        uint64_t base, const char *reason)
{
	const char *nl = memchr(b->data + pos, '\n', b->len - pos);

	in->doc_offset = base + pos;
	on_reject(in, reason, 0);
	if (nl)
		return (size_t)(nl - b->data) + 1;
	st->skipping = 1;
	return b->len;
}

/* Inside a top-level array: the separators and the end. Returns 1 when it
 * consumed a byte at *pos, 0 when an element starts there. */
static int array_punct(struct rm_buf *b, size_t *pos, struct rm_stream *st)
{
	char ch = b->data[*pos];

	if (ch == ']') {
		st->in_array = 0;
	} else if (ch == ',') {
		st->in_array = 1;
	} else {
		return 0;
	}
	(*pos)++;
	return 1;
}

/* What the input is, from its first bytes (at pos, after whitespace and a
 * byte-order mark); AUTO while there are too few bytes to tell. */
enum rm_format rm_ingest_sniff(const char *p, size_t n, int eof)
{
	const char *nl = memchr(p, '\n', n);

	if (p[0] == '{' || p[0] == '[')
		return RM_FORMAT_JSON;
	if (!nl && !eof && n < 65536)
		return RM_FORMAT_AUTO;
	/* a quoted first label ("TimeGenerated [UTC]") or a record in a string */
	if (rm_csv_looks_like_header(p, nl ? (size_t)(nl - p) + 1 : n))
		return RM_FORMAT_CSV;
	/* Judged on the first line alone, so that where a read cut the input
	 * never changes the verdict. NONE reads on, past every line, until one
	 * starts like JSON: a stray first line before an export costs one
	 * reject, a file that is no export at all one error. */
	return p[0] == '"' ? RM_FORMAT_JSON : RM_FORMAT_NONE;
}

/* One step of the JSON reader at pos (no whitespace before it). Returns the
 * new pos, or (size_t)-1 to wait for more bytes. */
static size_t json_step(struct rm_ingest *in, struct rm_buf *b, size_t pos, int eof,
                        struct rm_stream *st, uint64_t base)
{
	enum rm_json_type type;
	size_t end;
	int rc;

	if (st->in_array && array_punct(b, &pos, st))
		return pos;
	if (!st->in_array && b->data[pos] == '[') {
		st->in_array = 1; /* read element by element: memory flat in the array's size */
		return pos + 1;
	}
	if (!st->in_array && try_line(in, b->data + pos, b->len - pos, &end))
		return pos + end;
	rc = rm_json_value_end(b->data, b->len, pos, &end, &type);
	in->doc_offset = base + pos;
	if (rc == RM_JSON_OK) {
		if (st->in_array)
			st->in_array = 2;
		rm_ingest_document(in, b->data + pos, end - pos);
		return end;
	}
	if (rc == RM_JSON_INCOMPLETE && !eof) {
		if (b->len - pos > in->s->max_document_bytes)
			return skip_line(in, b, pos, st, base,
			                 "document larger than max_document_bytes: skipped to the next line");
		return (size_t)-1;
	}
	return skip_line(in, b, pos, st, base,
	                 rc == RM_JSON_INCOMPLETE ? "truncated JSON at end of input"
	                 : rc == RM_JSON_TOO_DEEP ? "JSON nested too deeply"
	                                          : "not JSON: skipped to the next line");
}

void rm_ingest_stream(struct rm_ingest *in, struct rm_buf *b, int eof, struct rm_stream *st,
                      uint64_t *base)
{
	size_t pos = 0, next;

	in->stream = st;
	while (pos < b->len) {
		if (st->skipping) {
			const char *nl = memchr(b->data + pos, '\n', b->len - pos);

			pos = nl ? (size_t)(nl - b->data) + 1 : b->len;
			st->skipping = !nl;
			continue;
		}
		if (st->format == RM_FORMAT_CSV) {
			pos = rm_ingest_csv(in, b, pos, eof, st, *base);
			if (st->format == RM_FORMAT_CSV)
				break; /* all read, or a row waits for more bytes */
			continue;  /* a header refused: read on past it */
		}
		pos = rm_json_skip_ws(b->data, b->len, pos);
		if (pos >= b->len)
			break;
		/* A UTF-8 byte-order mark before a document is tolerated. */
		if (b->len - pos >= 3 && memcmp(b->data + pos, "\xEF\xBB\xBF", 3) == 0) {
			pos += 3;
			continue;
		}
		if (b->len - pos < 3 && !eof && memcmp(b->data + pos, "\xEF\xBB\xBF", b->len - pos) == 0)
			break; /* the start of one: wait for the rest */
		if (st->format == RM_FORMAT_AUTO) {
			st->format = rm_ingest_sniff(b->data + pos, b->len - pos, eof);
			if (st->format == RM_FORMAT_AUTO)
				break;
			if (st->format == RM_FORMAT_NONE) {
				in->doc_offset = *base + pos;
				on_reject(in, "neither JSON (Graph pages, Event Hubs bodies, PT1H.json, "
				              "NDJSON, arrays, Log Analytics rows or query answers) nor CSV "
				              "with a header row: read past up to a line that starts like JSON", 0);
			}
			continue;
		}
		if (st->format == RM_FORMAT_NONE) {
			const char *nl;

			if (b->data[pos] == '{' || b->data[pos] == '[') {
				st->format = RM_FORMAT_JSON;
				continue;
			}
			nl = memchr(b->data + pos, '\n', b->len - pos);
			pos = nl ? (size_t)(nl - b->data) + 1 : b->len;
			st->skipping = !nl;
			continue;
		}
		next = json_step(in, b, pos, eof, st, *base);
		if (next == (size_t)-1)
			break;
		pos = next;
	}
	rm_buf_consume(b, pos);
	*base += pos;
	in->stream = NULL;
}

int rm_ingest_revocation(struct rm_ingest *in, struct rm_str user, int64_t valid_from_ms)
{
	if (rm_analyzer_revoked(in->an, user, valid_from_ms) == 0)
		return 0;
	rm_ingest_log(in, REVMON_LOG_ERR, "%s: out of memory: a revocation time dropped", in->origin);
	return -1;
}
