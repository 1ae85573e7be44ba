/* Record extraction and documents: rm_record_parse and rm_doc_parse over
 * any bytes, checking what records.h promises about their results. */
#include "fuzz.h"
#include "json_scan.h"
#include "records.h"

/* 0001-01-01 .. 9999-12-31T23:59:59.999Z, what rm_time_parse can return */
#define MAX_MS 253402300799999LL

struct seen {
	const char *buf;
	size_t len;
	size_t events, rejects;
};

static void check_str(const struct seen *s, struct rm_str x)
{
	char *out;

	(void)s;
	/* a slice of the input, or of the arena where JSON text found inside a
	 * string was decoded (ASan sees a slice that outlived it) */
	FUZZ_CHECK(x.n == 0 || x.p);
	/* a delivered string is valid: it decodes */
	out = malloc(x.n + 1);
	if (!out)
		abort();
	FUZZ_CHECK(rm_json_unescape(x, out, x.n + 1) >= 0);
	free(out);
}

static void check_event(const struct seen *s, const struct rm_event *ev)
{
	FUZZ_CHECK(ev->kind == RM_EV_SIGNIN || ev->kind == RM_EV_AUDIT);
	FUZZ_CHECK(ev->time_ms >= 0 && ev->time_ms <= MAX_MS);
	FUZZ_CHECK(ev->id.n > 0);
	check_str(s, ev->id);
	check_str(s, ev->correlation_id);
	check_str(s, ev->user_id);
	check_str(s, ev->upn);
	check_str(s, ev->app_id);
	check_str(s, ev->app_name);
	check_str(s, ev->device_id);
	check_str(s, ev->activity);
	check_str(s, ev->service);
	check_str(s, ev->initiator_app);
	FUZZ_CHECK(ev->interactive == 0 || ev->interactive == 1);
	FUZZ_CHECK(ev->cae >= -1 && ev->cae <= 1);
	FUZZ_CHECK(ev->result_ok == 0 || ev->result_ok == 1);
	FUZZ_CHECK(ev->account_disabled == 0 || ev->account_disabled == 1);
	FUZZ_CHECK(ev->grant_ms >= 0 && ev->grant_ms <= MAX_MS);
	FUZZ_CHECK(ev->tokens_valid_from_ms >= 0 && ev->tokens_valid_from_ms <= MAX_MS);
	FUZZ_CHECK(ev->valid_from_ms >= 0 && ev->valid_from_ms <= MAX_MS);
	if (ev->kind == RM_EV_SIGNIN)
		FUZZ_CHECK(ev->activity.n == 0 && ev->valid_from_ms == 0);
	else
		FUZZ_CHECK(ev->app_id.n == 0 && ev->error_code == 0 && ev->grant_ms == 0);
}

static void on_event(void *ctx, const struct rm_event *ev)
{
	struct seen *s = ctx;

	s->events++;
	check_event(s, ev);
}

static void on_reject(void *ctx, const char *reason, size_t offset)
{
	struct seen *s = ctx;

	s->rejects++;
	FUZZ_CHECK(reason && reason[0]);
	FUZZ_CHECK(offset <= s->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	struct seen s = {b, size, 0, 0};
	struct rm_sink sink = {.event = on_event, .reject = on_reject, .ctx = &s};
	struct rm_doc_result res;
	struct rm_arena arena = {0};
	struct rm_event ev;
	struct rm_str kind;
	const char *why = NULL;
	int r, r0;

	/* without an arena, JSON text in strings is refused; with one, read */
	r0 = rm_record_parse(b, size, NULL, &ev, &why, &kind);
	FUZZ_CHECK(r0 == RM_REC_OK || r0 == RM_REC_SKIP || r0 == RM_REC_BAD);
	if (r0 == RM_REC_OK)
		check_event(&s, &ev);
	if (r0 == RM_REC_BAD)
		FUZZ_CHECK(why && why[0]);
	r = rm_record_parse(b, size, &arena, &ev, &why, &kind);
	FUZZ_CHECK(r == RM_REC_OK || r == RM_REC_SKIP || r == RM_REC_BAD);
	FUZZ_CHECK(r0 == RM_REC_BAD || r == r0);
	if (r == RM_REC_OK)
		check_event(&s, &ev);
	if (r == RM_REC_BAD)
		FUZZ_CHECK(why && why[0]);
	if (r == RM_REC_SKIP)
		FUZZ_CHECK(kind.p && kind.n > 0);
	rm_arena_free(&arena);

	r = rm_doc_parse(b, size, &sink, &res);
	FUZZ_CHECK(r == 0 || r == RM_REC_BAD);
	FUZZ_CHECK(res.records == s.events && res.rejected == s.rejects);
	if (r == RM_REC_BAD)
		FUZZ_CHECK(res.rejected > 0);
	FUZZ_CHECK(fuzz_within(res.next_link.p, res.next_link.n, b, size));

	/* the same bytes without a sink are counted the same */
	{
		struct rm_sink none = {0};
		struct rm_doc_result res2;

		FUZZ_CHECK(rm_doc_parse(b, size, &none, &res2) == r);
		FUZZ_CHECK(res2.records == res.records && res2.ignored == res.ignored &&
		           res2.rejected == res.rejected);
	}
	return 0;
}
