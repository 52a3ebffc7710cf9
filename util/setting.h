/*
 * util/setting.h — the one grammar of setting values (INI files and the
 * environment variables that override them), for the core and every
 * module:
 *   boolean: true/yes/on/1 or false/no/off/0, case-insensitive;
 *   integer: optional sign and decimal digits, the whole value, inside the
 *            caller's range.
 * Blanks around the value are ignored. A missing or empty value is "unset"
 * (the caller keeps its default, silently); anything else that does not
 * fit is an error the caller logs, naming the setting and the value, and
 * then keeps its default as well.
 *
 * Most callers read through a parley_util_setting_source (their config
 * lookup and their warning log as callbacks), so the log line is the same
 * for every module:
 *   [section] key = 'value' is not a boolean (true/false, ...): using true
 *   [section] key = 'value' is not a whole number from 1 to 10: using 5
 * (the range is left out where it is the whole of a long, and reads
 * ">= min" where only the minimum bounds it).
 */
#ifndef PARLEY_UTIL_SETTING_H
#define PARLEY_UTIL_SETTING_H

#include <stdbool.h>

typedef enum parley_util_setting_result {
	PARLEY_UTIL_SETTING_INVALID = -1,   /* *value untouched: log it, keep the default */
	PARLEY_UTIL_SETTING_SET = 0,        /* *value written */
	PARLEY_UTIL_SETTING_UNSET = 1,      /* NULL or blank: *value untouched */
} parley_util_setting_result;

/* One value. */
parley_util_setting_result parley_util_setting_bool(const char *text, bool *value);
/* min <= *value <= max on PARLEY_UTIL_SETTING_SET. */
parley_util_setting_result parley_util_setting_int(const char *text, long min, long max, long *value);

/* Where a caller's settings come from and where its warnings go. */
typedef struct parley_util_setting_source {
	/* The value of [section] key, or NULL. */
	const char *(*get)(const void *context, const char *section, const char *key);
	/* Logs one complete warning line (called only for invalid values). */
	void (*warn)(const void *context, const char *line);
	const void *context;
} parley_util_setting_source;

/* [section] key as a boolean / an integer in [min, max]; the fallback when
 * unset, and when invalid after one warning naming the setting and value. */
bool parley_util_setting_read_bool(const parley_util_setting_source *source, const char *section,
	const char *key, bool fallback);
long parley_util_setting_read_int(const parley_util_setting_source *source, const char *section,
	const char *key, long fallback, long min, long max);

#endif
