/*
 * test_validate.c — the declarative JSON rule tables: every rule kind,
 * required and optional fields, wrong types, sign and emptiness checks,
 * and the reasons that name the offending field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/validate.h"
#include "core/errors.h"

static const parley_rule every_kind[] = {
	{ "s", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
	{ "i", PARLEY_JSON_INTEGER, PARLEY_RULE_REQUIRED },
	{ "n", PARLEY_JSON_NUMBER, PARLEY_RULE_REQUIRED },
	{ "b", PARLEY_JSON_BOOLEAN, PARLEY_RULE_REQUIRED },
	{ "o", PARLEY_JSON_OBJECT, PARLEY_RULE_REQUIRED },
	{ "a", PARLEY_JSON_ARRAY, PARLEY_RULE_REQUIRED },
	{ "x", PARLEY_JSON_ANY, PARLEY_RULE_REQUIRED },
	{ NULL },
};

static json_t *valid_object(void)
{
	return json_pack("{ss si sf sb s{} s[] sn}", "s", "text", "i", 3, "n", 2.5, "b", 1, "o", "a", "x");
}

static int check(json_t *object, const parley_rule *rules, char *reason)
{
	int code = parley_validate(object, rules, reason, 256);
	json_decref(object);
	return code;
}

static void accepts_every_kind(void **state)
{
	char reason[256];
	/* "x" is null in valid_object(): ANY still needs a non-null value. */
	json_t *o = valid_object();
	json_object_set_new(o, "x", json_string("anything"));
	assert_int_equal(check(o, every_kind, reason), 0);
	o = valid_object();
	json_object_set_new(o, "x", json_integer(1));
	json_object_set_new(o, "n", json_integer(7)); /* an integer is a number */
	assert_int_equal(check(o, every_kind, reason), 0);
}

static void reports_missing_fields(void **state)
{
	char reason[256];
	assert_int_equal(check(valid_object(), every_kind, reason), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	assert_string_equal(reason, "Missing mandatory element (x)");
	json_t *o = valid_object();
	json_object_del(o, "s");
	assert_int_equal(check(o, every_kind, reason), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	assert_string_equal(reason, "Missing mandatory element (s)");
}

/* Puts a wrong value in each field in turn and expects 467 naming it. */
static void reports_wrong_types(void **state)
{
	struct { const char *field; json_t *(*wrong)(void); const char *should; } cases[] = {
		{ "s", json_true, "a string" },
		{ "i", json_object, "an integer" },
		{ "n", json_array, "a number" },
		{ "b", json_object, "a boolean" },
		{ "o", json_array, "an object" },
		{ "a", json_object, "an array" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char reason[256], expected[128];
		json_t *o = valid_object();
		json_object_set_new(o, "x", json_integer(0));
		json_object_set_new(o, cases[c].field, cases[c].wrong());
		assert_int_equal(check(o, every_kind, reason), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
		snprintf(expected, sizeof(expected), "Invalid element type (%s should be %s)", cases[c].field,
		         cases[c].should);
		assert_string_equal(reason, expected);
	}
	/* A real number is not an integer; a string is not a number. */
	char reason[256];
	json_t *o = valid_object();
	json_object_set_new(o, "x", json_integer(0));
	json_object_set_new(o, "i", json_real(1.5));
	assert_int_equal(check(o, every_kind, reason), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	o = valid_object();
	json_object_set_new(o, "x", json_integer(0));
	json_object_set_new(o, "n", json_string("5"));
	assert_int_equal(check(o, every_kind, reason), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
}

static void optional_fields_and_flags(void **state)
{
	static const parley_rule rules[] = {
		{ "id", PARLEY_JSON_INTEGER, PARLEY_RULE_POSITIVE },
		{ "count", PARLEY_JSON_INTEGER, PARLEY_RULE_NONNEGATIVE },
		{ "name", PARLEY_JSON_STRING, PARLEY_RULE_NONEMPTY },
		{ "list", PARLEY_JSON_ARRAY, PARLEY_RULE_NONEMPTY },
		{ NULL },
	};
	char reason[256];
	assert_int_equal(check(json_object(), rules, reason), 0);           /* all optional */
	assert_int_equal(check(json_pack("{sn}", "id"), rules, reason), 0);  /* null = absent */
	assert_int_equal(check(json_pack("{si}", "id", 5), rules, reason), 0);
	assert_int_equal(check(json_pack("{si}", "id", 0), rules, reason), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	assert_non_null(strstr(reason, "id should be a positive number"));
	assert_int_equal(check(json_pack("{si}", "id", -3), rules, reason), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	assert_int_equal(check(json_pack("{si}", "count", 0), rules, reason), 0);
	assert_int_equal(check(json_pack("{si}", "count", -1), rules, reason), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	assert_non_null(strstr(reason, "count should be a non-negative number"));
	assert_int_equal(check(json_pack("{ss}", "name", ""), rules, reason), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	assert_string_equal(reason, "Invalid element type (name should not be empty)");
	assert_int_equal(check(json_pack("{s[]}", "list"), rules, reason), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	assert_int_equal(check(json_pack("{s[i]}", "list", 1), rules, reason), 0);
}

static void rejects_non_objects(void **state)
{
	char reason[256];
	assert_int_equal(check(json_array(), every_kind, reason), PARLEY_ERROR_INVALID_JSON_OBJECT);
	assert_int_equal(parley_validate(NULL, every_kind, reason, sizeof(reason)), PARLEY_ERROR_INVALID_JSON_OBJECT);
	assert_int_equal(check(json_string("x"), every_kind, reason), PARLEY_ERROR_INVALID_JSON_OBJECT);
}

static void first_failing_rule_wins_and_reason_is_bounded(void **state)
{
	static const parley_rule rules[] = {
		{ "transaction", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
		{ "janus", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
		{ NULL },
	};
	char reason[256];
	assert_int_equal(check(json_pack("{si}", "janus", 1), rules, reason), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	assert_string_equal(reason, "Missing mandatory element (transaction)");
	char tiny[8];
	json_t *o = json_object();
	assert_int_equal(parley_validate(o, rules, tiny, sizeof(tiny)), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	json_decref(o);
}

static void error_reasons_table(void **state)
{
	assert_string_equal(parley_error_reason(458), "Session not found");
	assert_string_equal(parley_error_reason(403), "Unauthorized request (wrong or missing secret/token)");
	assert_string_equal(parley_error_reason(472), "Currently not accepting new sessions");
	assert_string_equal(parley_error_reason(12345), "Unknown error");
	for (int code = 452; code <= 472; code++)
		assert_string_not_equal(parley_error_reason(code), "Unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_every_kind),
		cmocka_unit_test(reports_missing_fields),
		cmocka_unit_test(reports_wrong_types),
		cmocka_unit_test(optional_fields_and_flags),
		cmocka_unit_test(rejects_non_objects),
		cmocka_unit_test(first_failing_rule_wins_and_reason_is_bounded),
		cmocka_unit_test(error_reasons_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
