/* The ingest path every source shares: documents -> records -> analyzer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "parse/parse.h"
#include "ingest.h"

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

static void on_event(void *ctx, const struct rm_event *parsed)
{
	struct rm_ingest *in = ctx;
	const struct rm_event *ev = parsed;
	struct rm_event mine;

	if (ev->time_ms > in->future_limit_ms) {
		on_reject(ctx, "timestamp more than a day in the future", 0);
		return;
	}
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

/* The common case, one record per line (PT1H.json, NDJSON): hand the line
 * straight to the record parser, which validates as it extracts, instead of
 * scanning it twice. Containers, multi-line documents and anything the
 * parser refuses take the general path, which also reports the refusal.
 * Returns 1 when the line was consumed (*used bytes, newline included). */
static int try_line(struct rm_ingest *in, const char *p, size_t n, size_t *used)
{
	const char *nl = memchr(p, '\n', n);
	size_t len, k;
	struct rm_event ev;
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
	                     !memcmp(p + k, "\"@odata.", 8)))
		return 0;
	rc = rm_record_parse(p, len, &ev, &why);
	if (rc == RM_REC_BAD)
		return 0;
	if (rc == RM_REC_OK)
		on_event(in, &ev);
	*used = (size_t)(nl - p) + 1;
	return 1;
}

int rm_ingest_document_result(struct rm_ingest *in, const char *buf, size_t len,
                              struct rm_doc_result *res)
{
	struct rm_sink sink = {on_event, on_reject, in};

	memset(res, 0, sizeof *res);
	return rm_doc_parse(buf, len, &sink, res) == 0 ? 0 : -1;
}

void rm_ingest_document(struct rm_ingest *in, const char *buf, size_t len)
{
	struct rm_doc_result res;

	rm_ingest_document_result(in, buf, len, &res);
}

void rm_ingest_stream(struct rm_ingest *in, struct rm_buf *b, int eof, int *skipping,
                      uint64_t *base)
{
	size_t pos = 0;

	while (pos < b->len) {
		size_t end;
		enum rm_json_type type;
		int rc;

		if (*skipping) {
			const char *nl = memchr(b->data + pos, '\n', b->len - pos);

			if (!nl) {
				pos = b->len;
				break;
			}
			pos = (size_t)(nl - b->data) + 1;
			*skipping = 0;
			continue;
		}
		pos = rm_json_skip_ws(b->data, b->len, pos);
		if (pos >= b->len)
			break;
		/* A UTF-8 byte-order mark before a document is tolerated. */
		if (b->len - pos >= 3 && memcmp(b->data + pos, "\xEF\xBB\xBF", 3) == 0) {
			pos += 3;
			continue;
		}
		if (try_line(in, b->data + pos, b->len - pos, &end)) {
			pos += end;
			continue;
		}
		rc = rm_json_value_end(b->data, b->len, pos, &end, &type);
		if (rc == RM_JSON_OK) {
			in->doc_offset = *base + pos;
			rm_ingest_document(in, b->data + pos, end - pos);
			pos = end;
			continue;
		}
		in->doc_offset = *base + pos;
		if (rc == RM_JSON_INCOMPLETE && !eof) {
			if (b->len - pos > in->s->max_document_bytes) {
				on_reject(in, "document larger than max_document_bytes: skipped to the next line", 0);
				*skipping = 1;
				continue;
			}
			break; /* wait for more bytes */
		}
		on_reject(in, rc == RM_JSON_INCOMPLETE ? "truncated JSON at end of input"
		              : rc == RM_JSON_TOO_DEEP ? "JSON nested too deeply"
		                                       : "not JSON: skipped to the next line", 0);
		{
			const char *nl = memchr(b->data + pos, '\n', b->len - pos);
			size_t next = nl ? (size_t)(nl - b->data) + 1 : b->len;

			pos = next;
		}
	}
	rm_buf_consume(b, pos);
	*base += pos;
}

int rm_ingest_revocation(struct rm_ingest *in, struct rm_str user, int64_t valid_from_ms)
{
	if (rm_analyzer_revoked(in->an, user, valid_from_ms) == 0)
		return 0;
	rm_ingest_log(in, REVMON_LOG_ERR, "%s: out of memory: a revocation time dropped", in->origin);
	return -1;
}
