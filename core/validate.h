/*
 * validate.h — declarative checks of JSON request objects. A request kind
 * is described by a NULL-terminated array of rules {name, type, flags};
 * parley_validate checks an object against it and produces the API's error
 * (456 missing mandatory element, 467 invalid element type) with a reason
 * naming the field.
 */
#ifndef PARLEY_VALIDATE_H
#define PARLEY_VALIDATE_H

#include <stddef.h>
#include <jansson.h>

typedef enum parley_json_kind {
	PARLEY_JSON_STRING,
	PARLEY_JSON_INTEGER,   /* a JSON integer */
	PARLEY_JSON_NUMBER,    /* integer or real */
	PARLEY_JSON_BOOLEAN,
	PARLEY_JSON_OBJECT,
	PARLEY_JSON_ARRAY,
	PARLEY_JSON_ANY,       /* any type (only presence is checked) */
} parley_json_kind;

enum parley_rule_flags {
	PARLEY_RULE_REQUIRED = 1u << 0, /* missing (or null) → 456 */
	PARLEY_RULE_POSITIVE = 1u << 1, /* integers/numbers: > 0, else 467 */
	PARLEY_RULE_NONEMPTY = 1u << 2, /* strings/arrays/objects: not empty, else 467 */
	PARLEY_RULE_NONNEGATIVE = 1u << 3, /* integers/numbers: >= 0, else 467 */
};

typedef struct parley_rule {
	const char *name;
	parley_json_kind kind;
	unsigned flags;
} parley_rule;

/* The name of a kind as used in reasons ("string", "integer", ...). */
const char *parley_json_kind_name(parley_json_kind kind);

/* Checks `object` (borrowed) against `rules` (terminated by a rule whose
 * name is NULL). Returns 0 when valid, else 455 (not an object), 456 or 467,
 * with a reason in `reason` such as "Missing mandatory element (body)" or
 * "Invalid element type (body should be an object)". */
int parley_validate(const json_t *object, const parley_rule *rules, char *reason, size_t reason_size);

#endif
