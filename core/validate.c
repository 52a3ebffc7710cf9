/*
 * validate.c — one function that checks a JSON object against a table of
 * rules (see validate.h). Every request kind of the client and admin API is
 * described by such a table instead of hand-written checks.
 */
#include <stdio.h>
#include <stdbool.h>
#include "validate.h"
#include "errors.h"

static const char *const kind_names[] = {
	[PARLEY_JSON_STRING] = "a string",
	[PARLEY_JSON_INTEGER] = "an integer",
	[PARLEY_JSON_NUMBER] = "a number",
	[PARLEY_JSON_BOOLEAN] = "a boolean",
	[PARLEY_JSON_OBJECT] = "an object",
	[PARLEY_JSON_ARRAY] = "an array",
	[PARLEY_JSON_ANY] = "any value",
};

const char *parley_json_kind_name(parley_json_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "unknown";
	return kind_names[kind];
}

static bool kind_matches(const json_t *value, parley_json_kind kind)
{
	switch (kind) {
	case PARLEY_JSON_STRING: return json_is_string(value);
	case PARLEY_JSON_INTEGER: return json_is_integer(value);
	case PARLEY_JSON_NUMBER: return json_is_number(value);
	case PARLEY_JSON_BOOLEAN: return json_is_boolean(value);
	case PARLEY_JSON_OBJECT: return json_is_object(value);
	case PARLEY_JSON_ARRAY: return json_is_array(value);
	case PARLEY_JSON_ANY: return true;
	}
	return false;
}

static bool is_empty(const json_t *value)
{
	if (json_is_string(value))
		return json_string_length(value) == 0;
	if (json_is_array(value))
		return json_array_size(value) == 0;
	if (json_is_object(value))
		return json_object_size(value) == 0;
	return false;
}

/* Checks the sign constraints of numeric rules: a reason suffix or NULL. */
static const char *sign_problem(const json_t *value, unsigned flags)
{
	if (!json_is_number(value))
		return NULL;
	double n = json_number_value(value);
	if ((flags & PARLEY_RULE_POSITIVE) && !(n > 0))
		return "a positive";
	if ((flags & PARLEY_RULE_NONNEGATIVE) && n < 0)
		return "a non-negative";
	return NULL;
}

int parley_validate(const json_t *object, const parley_rule *rules, char *reason, size_t reason_size)
{
	if (!json_is_object(object)) {
		snprintf(reason, reason_size, "%s", "Invalid JSON Object (the request must be an object)");
		return PARLEY_ERROR_INVALID_JSON_OBJECT;
	}
	for (const parley_rule *rule = rules; rule && rule->name; rule++) {
		json_t *value = json_object_get(object, rule->name);
		if (!value || json_is_null(value)) {
			if (rule->flags & PARLEY_RULE_REQUIRED) {
				snprintf(reason, reason_size, "Missing mandatory element (%s)", rule->name);
				return PARLEY_ERROR_MISSING_MANDATORY_ELEMENT;
			}
			continue;
		}
		if (!kind_matches(value, rule->kind)) {
			snprintf(reason, reason_size, "Invalid element type (%s should be %s)", rule->name,
			         parley_json_kind_name(rule->kind));
			return PARLEY_ERROR_INVALID_ELEMENT_TYPE;
		}
		const char *sign = sign_problem(value, rule->flags);
		if (sign) {
			snprintf(reason, reason_size, "Invalid element type (%s should be %s number)", rule->name, sign);
			return PARLEY_ERROR_INVALID_ELEMENT_TYPE;
		}
		if ((rule->flags & PARLEY_RULE_NONEMPTY) && is_empty(value)) {
			snprintf(reason, reason_size, "Invalid element type (%s should not be empty)", rule->name);
			return PARLEY_ERROR_INVALID_ELEMENT_TYPE;
		}
	}
	return 0;
}
