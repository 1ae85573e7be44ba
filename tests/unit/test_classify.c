/* The classification tables: AADSTS codes and audit activities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"

/* entra-facts.md §5, code by code. */
static const struct {
	int32_t code;
	enum rm_class cls;
} facts[] = {
	{50173, RM_CLASS_REVOKED}, {50133, RM_CLASS_REVOKED}, {50132, RM_CLASS_REVOKED},
	{70008, RM_CLASS_EXPIRY},  {700082, RM_CLASS_EXPIRY}, {700084, RM_CLASS_EXPIRY},
	{50089, RM_CLASS_EXPIRY},  {500133, RM_CLASS_EXPIRY}, {50055, RM_CLASS_EXPIRY},
	{50144, RM_CLASS_EXPIRY},  {70043, RM_CLASS_POLICY},  {70044, RM_CLASS_POLICY},
	{530003, RM_CLASS_POLICY}, {53000, RM_CLASS_POLICY},  {53001, RM_CLASS_POLICY},
	{53003, RM_CLASS_POLICY},  {50074, RM_CLASS_POLICY},  {50076, RM_CLASS_POLICY},
	{50079, RM_CLASS_POLICY},  {50078, RM_CLASS_POLICY},  {50057, RM_CLASS_ACCOUNT},
	{50034, RM_CLASS_ACCOUNT}, {50053, RM_CLASS_ACCOUNT}, {50126, RM_CLASS_ACCOUNT},
	{50140, RM_CLASS_BENIGN},  {50058, RM_CLASS_BENIGN},  {50097, RM_CLASS_BENIGN},
	{50196, RM_CLASS_STORM},   {90055, RM_CLASS_STORM},
};

static void test_codes(void **state)
{
	struct rm_classifier c;

	(void)state;
	assert_int_equal(rm_classifier_init(&c), 0);
	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
		if (rm_classify_code(&c, facts[i].code) != facts[i].cls)
			fail_msg("%d: %s, expected %s", facts[i].code,
			         rm_class_name(rm_classify_code(&c, facts[i].code)), rm_class_name(facts[i].cls));
	assert_int_equal(rm_classify_code(&c, 0), RM_CLASS_OTHER);
	assert_int_equal(rm_classify_code(&c, 1), RM_CLASS_OTHER);
	assert_int_equal(rm_classify_code(&c, 99999999), RM_CLASS_OTHER);
	/* overrides win, and can be changed again */
	assert_int_equal(rm_classifier_set_code(&c, 50097, RM_CLASS_POLICY), 0);
	assert_int_equal(rm_classifier_set_code(&c, 12345, RM_CLASS_REVOKED), 0);
	assert_int_equal(rm_classify_code(&c, 50097), RM_CLASS_POLICY);
	assert_int_equal(rm_classify_code(&c, 12345), RM_CLASS_REVOKED);
	assert_int_equal(rm_classifier_set_code(&c, 12345, RM_CLASS_BENIGN), 0);
	assert_int_equal(rm_classify_code(&c, 12345), RM_CLASS_BENIGN);
	assert_int_equal(rm_class_parse("storm"), RM_CLASS_STORM);
	assert_int_equal(rm_class_parse("Storm"), -1);
	rm_classifier_free(&c);
}

static enum rm_cause audit(const struct rm_classifier *c, const char *activity, int ok,
                           int64_t valid_from, int disabled)
{
	struct rm_event ev = {0};

	ev.kind = RM_EV_AUDIT;
	ev.activity = (struct rm_str){activity, strlen(activity)};
	ev.result_ok = (int8_t)ok;
	ev.valid_from_ms = valid_from;
	ev.account_disabled = (int8_t)disabled;
	return rm_classify_audit(c, &ev);
}

static void test_activities(void **state)
{
	struct rm_classifier c;
	static const struct {
		const char *name;
		enum rm_cause cause;
	} documented[] = {
		{"Update StsRefreshTokenValidFrom Timestamp", RM_CAUSE_ADMIN},
		{"Update StsRefreshTokenValidFrom Timestamp.", RM_CAUSE_ADMIN}, /* unified audit log */
		{"update stsrefreshtokenvalidfrom timestamp", RM_CAUSE_ADMIN},
		{"Change user password", RM_CAUSE_PASSWORD},
		{"Reset password (by admin)", RM_CAUSE_PASSWORD},
		{"Change password (self-service)", RM_CAUSE_PASSWORD},
		{"Reset password (self-service)", RM_CAUSE_PASSWORD},
		{"Set force change user password", RM_CAUSE_PASSWORD},
		{"Disable account", RM_CAUSE_DISABLE},
		{"Delete user", RM_CAUSE_DISABLE},
		{"Hard Delete user", RM_CAUSE_DISABLE},
		{"User registered security info", RM_CAUSE_MFA},
		{"Admin deleted security info", RM_CAUSE_MFA},
		{"Enable Strong Authentication", RM_CAUSE_MFA},
		{"ConfirmAccountCompromised", RM_CAUSE_RISK},
		{"Enable account", RM_CAUSE_NONE},
		{"Add user", RM_CAUSE_NONE},
		{"Update user", RM_CAUSE_NONE}, /* without the telling properties */
	};

	(void)state;
	assert_int_equal(rm_classifier_init(&c), 0);
	for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
		if (audit(&c, documented[i].name, 1, 0, 0) != documented[i].cause)
			fail_msg("'%s': cause %d, expected %d", documented[i].name,
			         audit(&c, documented[i].name, 1, 0, 0), documented[i].cause);
	assert_int_equal(audit(&c, "Update user", 1, 1767600000000LL, 0), RM_CAUSE_ADMIN);
	assert_int_equal(audit(&c, "Update user", 1, 0, 1), RM_CAUSE_DISABLE);
	/* a failed operation revokes nothing */
	assert_int_equal(audit(&c, "Disable account", 0, 0, 0), RM_CAUSE_NONE);
	/* configuration: add, remap, ignore */
	assert_int_equal(rm_classifier_set_activity(&c, "Custom Kill Switch", RM_CAUSE_RISK), 0);
	assert_int_equal(rm_classifier_set_activity(&c, "delete user", RM_CAUSE_NONE), 0);
	assert_int_equal(audit(&c, "custom kill switch", 1, 0, 0), RM_CAUSE_RISK);
	assert_int_equal(audit(&c, "Delete user", 1, 0, 0), RM_CAUSE_NONE);
	assert_string_equal(rm_cause_name_of(RM_CAUSE_ADMIN), "admin_revoke");
	assert_int_equal(rm_cause_parse("mfa"), RM_CAUSE_MFA);
	assert_int_equal(rm_cause_parse("inferred"), -1);
	rm_classifier_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_activities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
