/* Client families (an app on a platform) and the per-family breakdown.
 *
 * Every client is tagged with its family when it signs in, so that stale
 * tokens, stuck clients and refused presentations can be summed per family.
 * Rows are handed out in the order families first show stale activity and
 * never taken back: a row's index stays, and its counter never goes back,
 * which is what SNMP tables and collectd's derive values need. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer_internal.h"

#define PLATFORM_MAX 32

static char *label_of(const char *app, const char *platform)
{
	size_t n = strlen(app) + strlen(platform) + 5;
	char *l = malloc(n);

	if (l)
		snprintf(l, n, *platform ? "%s on %s" : "%s", app, platform);
	return l;
}

static uint64_t family_key(struct rm_str app, const char *platform)
{
	return rm_key_of(rm_hash(app.p, app.n, 0x66616d) ^
	                 (rm_hash(platform, strlen(platform), 0x706c74) << 1));
}

/* Append a family under key; it takes app (owned, freed on failure). */
static int add_family(struct rm_analyzer *a, uint64_t key, char *app, const char *platform,
                      uint32_t *id)
{
	struct family *f;
	struct fam_slot *slot;
	int created;

	if (a->n_fam == a->cap_fam) {
		size_t cap = a->cap_fam ? a->cap_fam * 2 : 16;
		struct family *p = realloc(a->fam, cap * sizeof *p);

		if (!p) {
			free(app);
			return -1;
		}
		a->fam = p;
		a->cap_fam = cap;
	}
	f = &a->fam[a->n_fam];
	memset(f, 0, sizeof *f);
	f->app = app;
	f->platform = strdup(platform);
	f->label = f->app && f->platform ? label_of(f->app, f->platform) : NULL;
	slot = f->label ? rm_table_upsert(&a->fam_index, key, &created) : NULL;
	if (!slot) {
		free(f->app);
		free(f->platform);
		free(f->label);
		return -1;
	}
	f->key = key;
	*id = slot->id = (uint32_t)++a->n_fam;
	return 0;
}

/* The family id of a sign-in's client: 0 when it names no app, or when
 * FAMILIES_CAP distinct families have been seen (those count as other), or
 * when memory runs out (then too the client is only counted as other). */
uint32_t rm_fam_of(struct rm_analyzer *a, const struct rm_event *ev)
{
	struct rm_str app = ev->app_name.n ? ev->app_name : ev->app_id;
	char platform[PLATFORM_MAX];
	uint64_t key;
	const struct fam_slot *slot;
	uint32_t id = 0;

	if (!app.n)
		return 0;
	rm_platform_of(ev->os, platform, sizeof platform);
	key = family_key(app, platform);
	slot = rm_table_find(&a->fam_index, key);
	if (slot)
		return slot->id;
	if (a->n_fam >= FAMILIES_CAP || add_family(a, key, rm_dup_str(app), platform, &id) < 0)
		return 0;
	return id;
}

/* Clients without a family (id 0) are summed in fam_none, part of other. */
struct family *rm_fam_get(struct rm_analyzer *a, uint32_t id)
{
	return id && id <= a->n_fam ? &a->fam[id - 1] : &a->fam_none;
}

/* The family shows stale activity: give it a row if it has none yet. */
void rm_fam_active(struct rm_analyzer *a, uint32_t id)
{
	struct family *f = rm_fam_get(a, id);

	if (f->row)
		return;
	if (f == &a->fam_none || a->n_rows >= a->s->families_max)
		f->row = ROW_OTHER;
	else
		f->row = ++a->n_rows;
}

int rm_fam_restore(struct rm_analyzer *a, uint64_t key, char *app, const char *platform,
                   uint32_t row, uint64_t presentations)
{
	uint32_t id;

	if (!key || a->n_fam >= FAMILIES_CAP || (row > a->s->families_max && row != ROW_OTHER) ||
	    rm_table_find(&a->fam_index, key)) {
		free(app);
		return -1;
	}
	if (add_family(a, key, app, platform, &id) < 0)
		return -1;
	a->fam[id - 1].row = row;
	a->fam[id - 1].presentations = presentations;
	if (row != ROW_OTHER && row > a->n_rows)
		a->n_rows = row;
	return 0;
}

void rm_fam_free(struct rm_analyzer *a)
{
	for (size_t i = 0; i < a->n_fam; i++) {
		free(a->fam[i].app);
		free(a->fam[i].platform);
		free(a->fam[i].label);
	}
	free(a->fam);
	a->fam = NULL;
	a->n_fam = a->cap_fam = 0;
	rm_table_free(&a->fam_index);
}

static int put_row(struct revmon_family *d, unsigned index, const char *label, const char *app,
                   const char *platform)
{
	d->index = index;
	d->label = strdup(label);
	d->app = strdup(app);
	d->platform = strdup(platform);
	d->values = calloc(RM_F_COUNT, sizeof *d->values);
	return d->label && d->app && d->platform && d->values ? 0 : -1;
}

static void add_values(struct revmon_family *d, const struct family *f)
{
	uint64_t v[RM_F_COUNT] = {
		[RM_F_STALE_CLIENTS] = f->stuck,
		[RM_F_STALE_PRESENTATIONS] = f->presentations,
		[RM_F_STALE_TOKENS_LIVE] = f->tokens,
		[RM_F_STALE_TOKENS_LIVE_CAE] = f->tokens_cae,
	};

	for (size_t k = 0; k < RM_F_COUNT; k++) {
		d->values[k].known = 1;
		d->values[k].counter += v[k];
		d->values[k].value = (double)d->values[k].counter;
	}
}

/* The rows, by index, from the families' figures (stale.c fills stuck and
 * tokens first). The other row sums the families beyond families_max, and
 * the activity of clients without a family. The snapshot owns the rows. */
int rm_fam_fill(struct rm_analyzer *a, struct revmon_snapshot *snap)
{
	size_t n = a->n_rows, other = 0;

	other = a->fam_none.row == ROW_OTHER;
	for (size_t i = 0; i < a->n_fam; i++)
		other |= a->fam[i].row == ROW_OTHER;
	snap->n_families = 0;
	snap->families = n + other ? calloc(n + other, sizeof *snap->families) : NULL;
	if (n + other && !snap->families)
		return -1;
	if (other) {
		if (put_row(&snap->families[0], 1, "other", "", "") < 0)
			return snap->n_families = 1, -1;
		snap->n_families = 1;
		add_values(&snap->families[0], &a->fam_none);
	}
	for (size_t i = 0; i < a->n_fam; i++) {
		const struct family *f = &a->fam[i];
		struct revmon_family *d;

		if (!f->row)
			continue;
		if (f->row == ROW_OTHER) {
			add_values(&snap->families[0], f);
			continue;
		}
		d = &snap->families[other + f->row - 1];
		if (put_row(d, f->row + 1, f->label, f->app, f->platform) < 0)
			return snap->n_families = n + other, -1;
		add_values(d, f);
	}
	snap->n_families = n + other;
	return 0;
}
