/*
 * test_util_setting.c — unit tests of util/setting.c: every boolean
 * spelling in any case, blanks, unset and invalid values (the value is left
 * as the caller's default), integers over the whole string, signs, range
 * limits and overflow; reading through a source (lookup, one warning line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util/setting.h"

static void test_bool_words(void **state)
{
	static const struct { const char *text; bool value; } good[] = {
		{"true", true}, {"yes", true}, {"on", true}, {"1", true},
		{"false", false}, {"no", false}, {"off", false}, {"0", false},
		{"TRUE", true}, {"Yes", true}, {"oN", true}, {"No", false}, {"OFF", false},
		{" on\t", true}, {"\tfalse ", false},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		bool value = !good[i].value;
		assert_int_equal(parley_util_setting_bool(good[i].text, &value), PARLEY_UTIL_SETTING_SET);
		assert_int_equal(value, good[i].value);
	}
}

static void test_bool_unset_and_invalid(void **state)
{
	static const char *const unset[] = {NULL, "", "  ", "\t"};
	for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++) {
		bool value = true;
		assert_int_equal(parley_util_setting_bool(unset[i], &value), PARLEY_UTIL_SETTING_UNSET);
		assert_true(value);
	}
	static const char *const bad[] = {"tomato", "y", "t", "2", "-1", "yes please", "o", "onn", "true1", "0x1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool value = false;
		assert_int_equal(parley_util_setting_bool(bad[i], &value), PARLEY_UTIL_SETTING_INVALID);
		assert_false(value);
	}
}

static void test_int(void **state)
{
	long value = 0;
	assert_int_equal(parley_util_setting_int("42", 0, 100, &value), PARLEY_UTIL_SETTING_SET);
	assert_int_equal(value, 42);
	assert_int_equal(parley_util_setting_int(" -7 ", -10, 10, &value), PARLEY_UTIL_SETTING_SET);
	assert_int_equal(value, -7);
	assert_int_equal(parley_util_setting_int("+8", 0, 10, &value), PARLEY_UTIL_SETTING_SET);
	assert_int_equal(value, 8);
	assert_int_equal(parley_util_setting_int("007", 0, 10, &value), PARLEY_UTIL_SETTING_SET);
	assert_int_equal(value, 7);
	/* the range is inclusive */
	assert_int_equal(parley_util_setting_int("1", 1, 65535, &value), PARLEY_UTIL_SETTING_SET);
	assert_int_equal(parley_util_setting_int("65535", 1, 65535, &value), PARLEY_UTIL_SETTING_SET);
	assert_int_equal(value, 65535);
	assert_int_equal(parley_util_setting_int("9223372036854775807", LONG_MIN, LONG_MAX, &value),
	                 PARLEY_UTIL_SETTING_SET);
	assert_true(value == LONG_MAX);
}

static void test_int_unset_and_invalid(void **state)
{
	long value = 5;
	assert_int_equal(parley_util_setting_int(NULL, 0, 10, &value), PARLEY_UTIL_SETTING_UNSET);
	assert_int_equal(parley_util_setting_int("", 0, 10, &value), PARLEY_UTIL_SETTING_UNSET);
	assert_int_equal(parley_util_setting_int(" ", 0, 10, &value), PARLEY_UTIL_SETTING_UNSET);
	static const char *const bad[] = {
		"abc", "12x", "1 2", "0x10", "1.5", "-", "+", "--1", "11", "-1",
		"99999999999999999999", "9223372036854775808", "123456789012345678901234567890123",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parley_util_setting_int(bad[i], 0, 10, &value), PARLEY_UTIL_SETTING_INVALID);
	assert_int_equal(value, 5);
}

/* A settings source over a fixed table; warnings are kept for the checks. */
static const char *const table[][3] = {
	{"general", "enabled", "On"}, {"general", "broken", "tomato"}, {"general", "port", "8080"},
	{"general", "bad_port", "80x"}, {"general", "too_big", "70000"}, {"general", "empty", ""},
};
static char last_warning[600];
static unsigned warnings;

static const char *table_get(const void *context, const char *section, const char *key)
{
	(void)context;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i][0], section) == 0 && strcmp(table[i][1], key) == 0)
			return table[i][2];
	return NULL;
}

static void table_warn(const void *context, const char *line)
{
	assert_string_equal(context, "ctx");
	snprintf(last_warning, sizeof(last_warning), "%s", line);
	warnings++;
}

static void test_read_through_a_source(void **state)
{
	const parley_util_setting_source source = {table_get, table_warn, "ctx"};
	warnings = 0;
	assert_true(parley_util_setting_read_bool(&source, "general", "enabled", false));
	assert_false(parley_util_setting_read_bool(&source, "general", "missing", false));
	assert_true(parley_util_setting_read_bool(&source, "general", "empty", true));
	assert_int_equal(warnings, 0);
	assert_true(parley_util_setting_read_bool(&source, "general", "broken", true));
	assert_int_equal(warnings, 1);
	assert_string_equal(last_warning,
	                    "[general] broken = 'tomato' is not a boolean (true/false, yes/no, on/off, 1/0): using true");
	assert_int_equal(parley_util_setting_read_int(&source, "general", "port", 1, 1, 65535), 8080);
	assert_int_equal(parley_util_setting_read_int(&source, "general", "missing", 7, 1, 65535), 7);
	assert_int_equal(warnings, 1);
	assert_int_equal(parley_util_setting_read_int(&source, "general", "bad_port", 7, 1, 65535), 7);
	assert_string_equal(last_warning, "[general] bad_port = '80x' is not a whole number from 1 to 65535: using 7");
	assert_int_equal(parley_util_setting_read_int(&source, "general", "too_big", 9, 1, 65535), 9);
	assert_int_equal(warnings, 3);
	/* the range is named only where it bounds the value */
	parley_util_setting_read_int(&source, "general", "bad_port", 0, 0, LONG_MAX);
	assert_string_equal(last_warning, "[general] bad_port = '80x' is not a whole number >= 0: using 0");
	parley_util_setting_read_int(&source, "general", "bad_port", 0, LONG_MIN, LONG_MAX);
	assert_string_equal(last_warning, "[general] bad_port = '80x' is not a whole number: using 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool_words),
		cmocka_unit_test(test_bool_unset_and_invalid),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_int_unset_and_invalid),
		cmocka_unit_test(test_read_through_a_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
