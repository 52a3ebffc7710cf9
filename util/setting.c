/*
 * util/setting.c — boolean and integer setting values, and reading them
 * through a caller's lookup with one wording of the warning (setting.h).
 * Locale-independent: ASCII case folding; integers go through GLib's
 * g_ascii_string_to_signed (whole string, base 10, range checked).
 */
#include "util/setting.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

static const struct {
	const char *word;
	bool value;
} bool_words[] = {
	{"true", true}, {"yes", true}, {"on", true}, {"1", true},
	{"false", false}, {"no", false}, {"off", false}, {"0", false},
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The value without the blanks around it: [*start, *start + *length). */
static bool trimmed(const char *text, const char **start, size_t *length)
{
	if (text == NULL)
		return false;
	while (is_blank(*text))
		text++;
	size_t n = strlen(text);
	while (n > 0 && is_blank(text[n - 1]))
		n--;
	*start = text;
	*length = n;
	return n > 0;
}

parley_util_setting_result parley_util_setting_bool(const char *text, bool *value)
{
	const char *start;
	size_t length;
	if (!trimmed(text, &start, &length))
		return PARLEY_UTIL_SETTING_UNSET;
	for (size_t i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++) {
		if (strlen(bool_words[i].word) == length && g_ascii_strncasecmp(start, bool_words[i].word, length) == 0) {
			*value = bool_words[i].value;
			return PARLEY_UTIL_SETTING_SET;
		}
	}
	return PARLEY_UTIL_SETTING_INVALID;
}

parley_util_setting_result parley_util_setting_int(const char *text, long min, long max, long *value)
{
	const char *start;
	size_t length;
	if (!trimmed(text, &start, &length))
		return PARLEY_UTIL_SETTING_UNSET;
	char digits[32];   /* longer than any long: not one */
	if (length >= sizeof(digits))
		return PARLEY_UTIL_SETTING_INVALID;
	memcpy(digits, start, length);
	digits[length] = '\0';
	gint64 number = 0;
	if (!g_ascii_string_to_signed(digits, 10, min, max, &number, NULL))
		return PARLEY_UTIL_SETTING_INVALID;
	*value = (long)number;
	return PARLEY_UTIL_SETTING_SET;
}

bool parley_util_setting_read_bool(const parley_util_setting_source *source, const char *section,
	const char *key, bool fallback)
{
	const char *text = source->get(source->context, section, key);
	bool value = fallback;
	if (parley_util_setting_bool(text, &value) == PARLEY_UTIL_SETTING_INVALID) {
		char line[512];
		snprintf(line, sizeof(line), "[%s] %s = '%s' is not a boolean (true/false, yes/no, on/off, 1/0): using %s",
		         section, key, text, fallback ? "true" : "false");
		source->warn(source->context, line);
	}
	return value;
}

long parley_util_setting_read_int(const parley_util_setting_source *source, const char *section,
	const char *key, long fallback, long min, long max)
{
	const char *text = source->get(source->context, section, key);
	long value = fallback;
	if (parley_util_setting_int(text, min, max, &value) == PARLEY_UTIL_SETTING_INVALID) {
		char range[64] = "";
		if (max != LONG_MAX)
			snprintf(range, sizeof(range), " from %ld to %ld", min, max);
		else if (min != LONG_MIN)
			snprintf(range, sizeof(range), " >= %ld", min);
		char line[512];
		snprintf(line, sizeof(line), "[%s] %s = '%s' is not a whole number%s: using %ld", section, key, text,
		         range, fallback);
		source->warn(source->context, line);
	}
	return value;
}
