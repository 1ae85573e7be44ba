/* From a record's gathered fields to an event: what kind of record it is
 * (the table, the diagnostic category, or its own fields say), and which of
 * the places a field may live wins. */
#include <string.h>

#include "aadsts_text.h"
#include "record_internal.h"

/* Tables (Log Analytics "Type") and diagnostic categories revmon knows by
 * name (log-shapes.md §1.1): the ones it reads, and the ones it reads past,
 * counted as ignored. Names match case-insensitively. */
static const struct {
	const char *name;
	int8_t kind;  /* RM_EV_SIGNIN, RM_EV_AUDIT, 0 ignored */
	int8_t inter; /* interactive by default: 1, 0; -1 not a sign-in */
} known_kinds[] = {
	{"SignInLogs", RM_EV_SIGNIN, 1},
	{"NonInteractiveUserSignInLogs", RM_EV_SIGNIN, 0},
	{"AADNonInteractiveUserSignInLogs", RM_EV_SIGNIN, 0},
	{"AuditLogs", RM_EV_AUDIT, -1},
	{"ServicePrincipalSignInLogs", 0, -1},
	{"AADServicePrincipalSignInLogs", 0, -1},
	{"ManagedIdentitySignInLogs", 0, -1},
	{"AADManagedIdentitySignInLogs", 0, -1},
	{"MicrosoftServicePrincipalSignInLogs", 0, -1},
	{"ADFSSignInLogs", 0, -1},
	{"ProvisioningLogs", 0, -1},
	{"AADProvisioningLogs", 0, -1},
	{"RiskyUsers", 0, -1},
	{"AADRiskyUsers", 0, -1},
	{"UserRiskEvents", 0, -1},
	{"AADUserRiskEvents", 0, -1},
	{"RiskyServicePrincipals", 0, -1},
	{"AADRiskyServicePrincipals", 0, -1},
	{"ServicePrincipalRiskEvents", 0, -1},
	{"AADServicePrincipalRiskEvents", 0, -1},
	{"MicrosoftGraphActivityLogs", 0, -1},
	{"NetworkAccessTrafficLogs", 0, -1},
	{"EnrichedOffice365AuditLogs", 0, -1},
	{"B2CRequestLogs", 0, -1},
};

#define N_KINDS (sizeof known_kinds / sizeof known_kinds[0])

static size_t kind_lookup(struct rm_str name)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (rm_json_str_eq_ci(name, known_kinds[i].name))
			return i;
	return N_KINDS;
}

void rm_rec_top_init(struct top *t)
{
	memset(t, 0, sizeof *t);
	t->g.top = t;
	t->g.inter = t->props.inter = -1;
	t->g.evtypes_inter = t->props.evtypes_inter = -1;
	t->g.cae = t->props.cae = -1;
}

static int finish_signin(const struct top *t, const struct gf *s, int inter_default,
                         struct rm_event *ev, const char **why)
{
	struct rm_str text = {NULL, 0};

	ev->kind = RM_EV_SIGNIN;
	/* the sign-in's own time; the envelope's is when it was processed */
	if (s->has & H_CREATED)
		ev->time_ms = s->created_ms;
	else if (t->has & T_TIME)
		ev->time_ms = t->time_ms;
	else
		return *why = "createdDateTime: missing", RM_REC_BAD;

	if (s->has & H_CODE) {
		ev->error_code = s->code;
	} else if (t->has & T_RESULT_TYPE) {
		if (rm_rec_int32(t->result_type, &ev->error_code) < 0)
			return *why = "resultType: not an integer", RM_REC_BAD;
	} else {
		return *why = "sign-in without status", RM_REC_BAD;
	}
	if (s->has & H_FAILURE)
		text = s->failure;
	else if (t->has & T_RESULT_DESC)
		text = t->result_desc;
	if (ev->error_code == 50173 && text.n)
		rm_aadsts_50173_times(text, &ev->grant_ms, &ev->tokens_valid_from_ms);

	if (s->inter >= 0)
		ev->interactive = s->inter;
	else if (s->evtypes_inter >= 0)
		ev->interactive = s->evtypes_inter;
	else
		ev->interactive = (int8_t)inter_default;
	ev->cae = s->cae;
	ev->user_id = s->user_id;
	ev->upn = s->upn;
	ev->app_id = s->app_id;
	ev->app_name = s->app_name;
	ev->device_id = s->device_id;
	ev->os = s->os;
	return RM_REC_OK;
}

static int finish_audit(const struct top *t, const struct gf *s, struct rm_event *ev,
                        const char **why)
{
	ev->kind = RM_EV_AUDIT;
	if (s->has & H_ACT_TIME)
		ev->time_ms = s->act_time_ms;
	else if (t->has & T_TIME)
		ev->time_ms = t->time_ms;
	else
		return *why = "activityDateTime: missing", RM_REC_BAD;
	if (s->has & H_ACTIVITY)
		ev->activity = s->activity;
	else if (t->has & T_OPERATION)
		ev->activity = t->operation;
	ev->service = s->service;
	ev->initiator_app = s->initiator_app;
	ev->result_ok = rm_json_str_eq_ci(s->result, "success");
	ev->user_id = s->tgt_id;
	ev->upn = s->tgt_upn;
	ev->valid_from_ms = s->valid_from_ms;
	ev->account_disabled = s->disabled;
	return RM_REC_OK;
}

#define LIT(s) ((struct rm_str){s, sizeof(s) - 1})

/* The record's kind: its table first (a Log Analytics row), then its
 * diagnostic category (an export), then its own fields (Graph objects, and
 * tables whose "Category" is the audit's own, like UserManagement). Returns
 * the kind, 0 for a record to ignore (*kind names it), -1 for neither. */
static int decide_kind(const struct top *t, const struct gf *s, int *inter, struct rm_str *kind)
{
	size_t k = N_KINDS;

	if ((t->has & T_TABLE) && t->table.n) {
		k = kind_lookup(t->table);
		if (k == N_KINDS)
			return *kind = t->table, 0; /* another table of the workspace */
	} else if ((t->has & T_CATEGORY) && t->category.n) {
		k = kind_lookup(t->category);
		if (k == N_KINDS && t->has_props)
			return *kind = t->category, 0; /* another diagnostic category */
	}
	if (k < N_KINDS) {
		*inter = known_kinds[k].inter;
		if (!known_kinds[k].kind)
			return *kind = (t->has & T_TABLE) && t->table.n ? t->table : t->category, 0;
		return known_kinds[k].kind;
	}
	if (s->has & K_SEEN_RISK)
		return *kind = LIT("risk detections"), 0;
	if (s->has & K_SEEN_CREATED) {
		if (s->evtypes_other && s->evtypes_inter <= 0 && s->inter != 1)
			return *kind = LIT("service principal and managed identity sign-ins"), 0;
		return RM_EV_SIGNIN;
	}
	if (s->has & K_SEEN_AUDIT)
		return RM_EV_AUDIT;
	return -1;
}

int rm_rec_finish(const struct top *t, int inter_hint, struct rm_event *ev, const char **why,
                  struct rm_str *kind)
{
	const struct gf *s = t->has_props ? &t->props : &t->g;
	int inter = -1, k;

	memset(ev, 0, sizeof *ev);
	ev->cae = -1;
	k = decide_kind(t, s, &inter, kind);
	if (k == 0)
		return RM_REC_SKIP;
	if (k < 0)
		return *why = "record: neither a sign-in nor an audit", RM_REC_BAD;
	if (t->env_err || t->g.err || (t->has_props && s->err))
		return *why = t->env_err ? t->env_err : t->g.err ? t->g.err : s->err, RM_REC_BAD;
	if (!(s->has & H_ID))
		return *why = "id: missing", RM_REC_BAD;
	if (s->id.n == 0)
		return *why = "id: empty", RM_REC_BAD;
	ev->id = s->id;
	if (t->has & T_RECEIVED)
		ev->received_ms = t->received_ms;
	if (s->has & H_CORR)
		ev->correlation_id = s->corr;
	else if (t->g.has & H_CORR)
		ev->correlation_id = t->g.corr;
	if (k == RM_EV_SIGNIN)
		return finish_signin(t, s, inter >= 0 ? inter : inter_hint >= 0 ? inter_hint : 1, ev, why);
	return finish_audit(t, s, ev, why);
}
