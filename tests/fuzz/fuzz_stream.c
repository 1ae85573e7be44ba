/* The stream reader (rm_ingest_stream) over any bytes, in every format it
 * recognises (JSON shapes, top-level arrays, CSV): fed whole or cut in two
 * at a point the input chooses, it counts the same records the same way,
 * and it consumes everything by the end of input. */
#include "fuzz.h"
#include "analyze.h"
#include "config.h"
#include "ingest.h"
#include "registry.h"

struct counts {
	uint64_t ingested, rejected, ignored, duplicate;
};

static void feed(const uint8_t *data, size_t size, size_t cut, const struct rm_settings *s,
                 struct counts *c)
{
	struct rm_analyzer *an = rm_analyzer_new(s);
	struct rm_ingest in = {0};
	struct rm_stream st = {0};
	struct rm_buf b = {0};
	struct revmon_value v[RM_M_COUNT];
	revmon_snapshot snap = {0};
	uint64_t base = 0;

	if (!an)
		abort();
	in.an = an;
	in.s = s;
	in.origin = "fuzz";
	in.future_limit_ms = INT64_MAX;
	if (rm_buf_append(&b, data, cut) < 0)
		abort();
	rm_ingest_stream(&in, &b, cut == size, &st, &base);
	if (rm_buf_append(&b, data + cut, size - cut) < 0)
		abort();
	rm_ingest_stream(&in, &b, 1, &st, &base);
	FUZZ_CHECK(b.len == 0 && base == size);
	memset(v, 0, sizeof v);
	snap.n_values = RM_M_COUNT;
	snap.values = v;
	if (rm_analyzer_fill(an, 0, &snap) < 0)
		abort();
	c->ingested = v[RM_M_EVENTS_INGESTED].counter;
	c->rejected = v[RM_M_EVENTS_REJECTED].counter;
	c->ignored = v[RM_M_EVENTS_IGNORED].counter;
	c->duplicate = v[RM_M_EVENTS_DUPLICATE].counter;
	{
		/* what the fill allocated, freed as a snapshot (the values are ours) */
		revmon_snapshot *heap = malloc(sizeof *heap);

		if (!heap)
			abort();
		*heap = snap;
		heap->values = NULL;
		revmon_snapshot_free(heap);
	}
	rm_buf_free(&b);
	rm_stream_free(&st);
	rm_analyzer_free(an);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct revmon_error err;
	struct rm_settings s;
	revmon_conf *c = revmon_conf_new("fuzz", &err);
	struct counts whole, split;
	size_t cut;

	if (!c || rm_settings_load(c, &s, &err) < 0)
		abort();
	revmon_conf_free(c);
	cut = size ? (size_t)data[0] * 7919 % (size + 1) : 0;
	feed(data, size, size, &s, &whole);
	feed(data, size, cut, &s, &split);
	FUZZ_CHECK(whole.ingested == split.ingested && whole.rejected == split.rejected &&
	           whole.ignored == split.ignored && whole.duplicate == split.duplicate);
	rm_settings_free(&s);
	return 0;
}
