/* The state file decoder: rm_state_decode into a fresh analyzer and fresh
 * sources built from a fixed configuration (state_conf.h), for each input.
 *
 * The checksum and the fingerprint would stop nearly every mutation at the
 * door, so an input whose first byte is odd is a payload: the target wraps
 * it in a valid header and checksum. An even first byte: the rest is the
 * whole file, as read from disk. A state that decodes is then used (a
 * snapshot as of its watermark) and encoded again, and that must decode. */
#include "analyzer.h"
#include "config.h"
#include "fuzz.h"
#include "source.h"
#include "state.h"
#include "state_conf.h"
#include "table.h"
#include "wire.h"

static struct rm_settings settings;
static uint64_t fp;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct revmon_error err;
	revmon_conf *c = fuzz_state_conf();

	(void)argc;
	(void)argv;
	if (rm_settings_load(c, &settings, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	fp = rm_state_fingerprint(c);
	revmon_conf_free(c);
	return 0;
}

struct mon {
	struct rm_analyzer *an;
	struct rm_source *src[4];
	size_t n;
};

static void mon_open(struct mon *m)
{
	struct revmon_error err;

	memset(m, 0, sizeof *m);
	m->an = rm_analyzer_new(&settings);
	if (!m->an)
		abort();
	for (size_t i = 0; i < settings.n_sources; i++) {
		const char *spec = settings.sources[i];

		m->src[i] = strcmp(spec, "sim") == 0 ? rm_source_sim_new(spec, &settings, &err)
		                                      : rm_source_file_new(spec, &settings, &err);
		if (!m->src[i])
			abort();
		m->n++;
	}
}

static void mon_close(struct mon *m)
{
	for (size_t i = 0; i < m->n; i++)
		m->src[i]->ops->free(m->src[i]);
	rm_analyzer_free(m->an);
}

static int decode(const void *buf, size_t len, struct mon *m)
{
	struct revmon_error err = {{0}};
	int r = rm_state_decode(buf, len, fp, m->an, m->src, m->n, &err);

	if (r < 0)
		FUZZ_CHECK(err.msg[0] && memchr(err.msg, '\0', sizeof err.msg));
	return r;
}

/* What a monitor does with a restored state: take a snapshot, save again. */
static void use(struct mon *m)
{
	revmon_snapshot *s = calloc(1, sizeof *s);
	struct rm_buf out = {0};
	struct mon again;

	if (!s || !(s->values = calloc(revmon_metric_count(), sizeof *s->values)))
		abort();
	s->n_values = revmon_metric_count();
	FUZZ_CHECK(rm_analyzer_fill(m->an, rm_analyzer_watermark(m->an), s) == 0);
	revmon_snapshot_free(s);
	FUZZ_CHECK(rm_state_encode(m->an, m->src, m->n, fp, &out) == 0);
	mon_open(&again);
	FUZZ_CHECK(decode(out.data, out.len, &again) == 0);
	mon_close(&again);
	rm_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rm_buf file = {0};
	struct mon m;
	int e = 0;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		e |= rm_buf_append(&file, "REVMONS1", 8);
		e |= rm_put_u32(&file, 2);
		e |= rm_put_u64(&file, fp);
		e |= rm_put_u64(&file, size - 1);
		e |= rm_buf_append(&file, data + 1, size - 1);
		e |= rm_put_u64(&file, rm_state_checksum(data + 1, size - 1));
	} else {
		e |= rm_buf_append(&file, data + 1, size - 1);
	}
	if (e)
		abort();
	/* exact size: the decoder takes a length */
	{
		char *copy = malloc(file.len ? file.len : 1);

		if (!copy)
			abort();
		memcpy(copy, file.data, file.len);
		mon_open(&m);
		if (decode(copy, file.len, &m) == 0)
			use(&m);
		mon_close(&m);
		free(copy);
	}
	rm_buf_free(&file);
	return 0;
}
