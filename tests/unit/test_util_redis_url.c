/*
 * test_util_redis_url.c — unit tests of util/redis_url.c: defaults, full
 * URLs (password only, ACL user, %-escapes, IPv6, database), credentials up
 * to the last '@', and refusals (each with a reason and nothing left
 * allocated).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "util/redis_url.h"

static void url_defaults(void **state)
{
	parley_util_redis_url url;
	char error[128];
	assert_int_equal(parley_util_redis_url_parse("redis://example.org", &url, error, sizeof(error)), 0);
	assert_string_equal(url.host, "example.org");
	assert_int_equal(url.port, 6379);
	assert_int_equal(url.db, 0);
	assert_null(url.password);
	assert_null(url.user);
	parley_util_redis_url_clear(&url);
	assert_int_equal(parley_util_redis_url_parse("redis://cache/", &url, error, sizeof(error)), 0);
	assert_string_equal(url.host, "cache");
	assert_int_equal(url.db, 0);
	parley_util_redis_url_clear(&url);
	/* an empty host is the local server */
	assert_int_equal(parley_util_redis_url_parse("redis://", &url, error, sizeof(error)), 0);
	assert_string_equal(url.host, "127.0.0.1");
	assert_int_equal(url.port, 6379);
	parley_util_redis_url_clear(&url);
	assert_int_equal(parley_util_redis_url_parse("redis://:6380", &url, error, sizeof(error)), 0);
	assert_string_equal(url.host, "127.0.0.1");
	assert_int_equal(url.port, 6380);
	parley_util_redis_url_clear(&url);
}

static void url_full(void **state)
{
	parley_util_redis_url url;
	char error[128];
	assert_int_equal(parley_util_redis_url_parse("redis://:s3cret@10.0.0.1:6380/2", &url, error, sizeof(error)), 0);
	assert_string_equal(url.host, "10.0.0.1");
	assert_int_equal(url.port, 6380);
	assert_string_equal(url.password, "s3cret");
	assert_null(url.user);
	assert_int_equal(url.db, 2);
	parley_util_redis_url_clear(&url);
	assert_int_equal(parley_util_redis_url_parse("redis://:s%40cret@10.0.0.2:6380/3", &url, error, sizeof(error)), 0);
	assert_string_equal(url.host, "10.0.0.2");
	assert_int_equal(url.port, 6380);
	assert_int_equal(url.db, 3);
	assert_string_equal(url.password, "s@cret");
	assert_null(url.user);
	parley_util_redis_url_clear(&url);
	assert_int_equal(parley_util_redis_url_parse("redis://bob:pw@[::1]:7000", &url, error, sizeof(error)), 0);
	assert_string_equal(url.host, "::1");
	assert_int_equal(url.port, 7000);
	assert_string_equal(url.user, "bob");
	assert_string_equal(url.password, "pw");
	parley_util_redis_url_clear(&url);
	assert_int_equal(parley_util_redis_url_parse("redis://[fe80::1]/100000", &url, error, sizeof(error)), 0);
	assert_string_equal(url.host, "fe80::1");
	assert_int_equal(url.port, 6379);
	assert_int_equal(url.db, 100000);
	parley_util_redis_url_clear(&url);
}

/* The credentials run up to the last '@': '@', ':' and '/' may stand in a password. */
static void url_password_characters(void **state)
{
	parley_util_redis_url url;
	char error[128];
	assert_int_equal(parley_util_redis_url_parse("redis://:p@ss:w/rd@cache:6390/1", &url, error, sizeof(error)), 0);
	assert_null(url.user);
	assert_string_equal(url.password, "p@ss:w/rd");
	assert_string_equal(url.host, "cache");
	assert_int_equal(url.port, 6390);
	assert_int_equal(url.db, 1);
	parley_util_redis_url_clear(&url);
	assert_int_equal(parley_util_redis_url_parse("redis://:@cache", &url, error, sizeof(error)), 0);
	assert_string_equal(url.password, "");
	parley_util_redis_url_clear(&url);
}

static void url_bad(void **state)
{
	static const char *const bad[] = {
		NULL, "", "http://127.0.0.1", "redis:/host", "REDIS://host", "rediss://host",
		"redis://host:0", "redis://host:70000", "redis://host:99999", "redis://host:12x", "redis://host:",
		"redis://host/abc", "redis://h:1/x", "redis://host/-1", "redis://host/100001", "redis://host/1/2",
		"redis://user@host", "redis://[::1", "redis://[::1]x", "redis://:%zz@host", "redis://%zz:pw@host",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		parley_util_redis_url url;
		char error[128] = "";
		assert_int_equal(parley_util_redis_url_parse(bad[i], &url, error, sizeof(error)), -1);
		assert_true(error[0] != '\0');
		assert_null(url.host);
		assert_null(url.user);
		assert_null(url.password);
	}
	char *long_url = g_strnfill(1100, 'a');
	memcpy(long_url, "redis://", 8);
	parley_util_redis_url url;
	char error[128] = "";
	assert_int_equal(parley_util_redis_url_parse(long_url, &url, error, sizeof(error)), -1);
	assert_string_equal(error, "the URL is too long");
	g_free(long_url);
	/* no room for a reason is not a crash */
	assert_int_equal(parley_util_redis_url_parse("http://x", &url, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(url_defaults),
		cmocka_unit_test(url_full),
		cmocka_unit_test(url_password_characters),
		cmocka_unit_test(url_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
