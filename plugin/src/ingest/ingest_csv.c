/* The CSV side of rm_ingest_stream, and what a file's head and name tell
 * about an input read part-way. */
#include <string.h>

#include "parse/parse.h"
#include "ingest.h"
#include "ingest_internal.h"

enum rm_name_kind rm_ingest_name_kind(const char *base)
{
	/* the admin center's download: InteractiveSignIns_<from>_<to>.csv, ... */
	if (strstr(base, "_AuthDetails"))
		return RM_NAME_AUTHDETAILS;
	if (!strncmp(base, "NonInteractiveSignIns", 21))
		return RM_NAME_NONINTERACTIVE;
	if (!strncmp(base, "InteractiveSignIns", 18))
		return RM_NAME_INTERACTIVE;
	if (!strncmp(base, "ApplicationSignIns", 18))
		return RM_NAME_APPLICATION;
	if (!strncmp(base, "MSISignIns", 10))
		return RM_NAME_MSI;
	return RM_NAME_UNKNOWN;
}

static void hint_of(enum rm_name_kind k, struct rm_csv_hint *h)
{
	h->interactive = k == RM_NAME_INTERACTIVE ? 1 : k == RM_NAME_NONINTERACTIVE ? 0 : -1;
	h->ignore = k == RM_NAME_APPLICATION   ? "application (service principal) sign-ins"
	            : k == RM_NAME_MSI         ? "managed identity sign-ins"
	            : k == RM_NAME_AUTHDETAILS ? "authentication details"
	                                       : NULL;
}

/* The header row at pos: 1 read (pos moved past it), 0 wait, -1 refused
 * (pos past it; the input is then read past up to a line of JSON). */
static int header(struct rm_ingest *in, const char *buf, size_t len, size_t *pos, int eof,
                  struct rm_stream *st, uint64_t base)
{
	const char *why;
	size_t end;
	int rc;

	*pos += *pos == 0 ? rm_csv_skip_bom(buf, len) : 0;
	rc = rm_csv_header(buf, len, *pos, eof, &st->csv, &end, &why);
	if (rc == RM_CSV_INCOMPLETE || rc == RM_CSV_END)
		return 0;
	if (rc == RM_CSV_BAD) {
		in->doc_offset = base + *pos;
		rm_ingest_reject(in, why);
		st->format = RM_FORMAT_NONE;
		*pos = end;
		return -1;
	}
	*pos = end;
	return 1;
}

size_t rm_ingest_csv(struct rm_ingest *in, struct rm_buf *b, size_t pos, int eof,
                     struct rm_stream *st, uint64_t base)
{
	struct rm_sink sink;
	struct rm_csv_hint hint;
	size_t end;
	int rc;

	if (!st->csv && header(in, b->data, b->len, &pos, eof, st, base) <= 0)
		return pos;
	rm_ingest_sink(in, &sink);
	hint_of(st->name_kind, &hint);
	while (pos < b->len) {
		/* offsets in messages: the row's place in the input */
		in->doc_offset = base;
		rc = rm_csv_record(st->csv, b->data, b->len, pos, eof, &hint, &sink, &end);
		if (rc == RM_CSV_INCOMPLETE) {
			if (b->len - pos > in->s->max_document_bytes) {
				in->doc_offset = base + pos;
				rm_ingest_reject(in, "CSV row larger than max_document_bytes: skipped to "
				                     "the next line");
				end = rm_csv_line_end(b->data, b->len, pos);
				st->skipping = end == b->len;
				pos = end;
				continue;
			}
			break;
		}
		if (rc == RM_CSV_END)
			return b->len;
		pos = end;
	}
	return pos;
}

void rm_ingest_resume(struct rm_ingest *in, struct rm_stream *st, const char *head, size_t n)
{
	size_t pos = rm_csv_skip_bom(head, n), end;
	const char *why;

	pos = rm_json_skip_ws(head, n, pos);
	if (pos >= n)
		return;
	if (st->format == RM_FORMAT_AUTO)
		st->format = rm_ingest_sniff(head + pos, n - pos, 1);
	if (st->format == RM_FORMAT_JSON && head[pos] == '[')
		st->in_array = 1; /* the cursor is inside the array, between elements */
	if (st->format == RM_FORMAT_CSV &&
	    rm_csv_header(head, n, rm_csv_skip_bom(head, n), 0, &st->csv, &end, &why) != RM_CSV_OK) {
		/* never take a data row for the header */
		in->doc_offset = 0;
		rm_ingest_reject(in, why ? why : "CSV header row longer than 64 KiB: file not read on");
		st->format = RM_FORMAT_NONE;
	}
}
