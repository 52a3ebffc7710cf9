/*
 * tests/unit/test_redis_parse.c — the Redis transport's pure parts: the
 * fields of a request entry, key names (its URL: test_util_redis_url.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "transports/redis/parse.h"

static rd_entry_status parse(const char *const *items, size_t count, const char *prefix, size_t max,
                             rd_entry_fields *out)
{
	size_t lengths[16];
	for(size_t i = 0; i < count; i++)
		lengths[i] = strlen(items[i]);
	return parley_redis_entry_parse(items, lengths, count, prefix, max, out);
}

static void entry_ok(void **state)
{
	const char *items[] = { "request", "{\"janus\":\"info\"}", "reply_to", "parley:reply:a",
	                        "reply_mode", "publish", "admin", "1", "hops", "2", "other", "x" };
	rd_entry_fields f;
	assert_int_equal(parse(items, G_N_ELEMENTS(items), "parley:", 1000, &f), RD_ENTRY_OK);
	assert_int_equal(f.request_length, strlen(items[1]));
	assert_memory_equal(f.reply_to, "parley:reply:a", f.reply_to_length);
	assert_int_equal(f.mode, RD_REPLY_PUBLISH);
	assert_true(f.admin);
	assert_int_equal(f.hops, 2);
	const char *plain[] = { "reply_to", "parley:r", "request", "{}" };
	assert_int_equal(parse(plain, 4, "parley:", 1000, &f), RD_ENTRY_OK);
	assert_int_equal(f.mode, RD_REPLY_STREAM);
	assert_false(f.admin);
	assert_int_equal(f.hops, 0);
}

static void entry_no_reply(void **state)
{
	rd_entry_fields f;
	const char *missing[] = { "request", "{}" };
	assert_int_equal(parse(missing, 2, "parley:", 1000, &f), RD_ENTRY_NO_REPLY);
	const char *outside[] = { "request", "{}", "reply_to", "other:r" };
	assert_int_equal(parse(outside, 4, "parley:", 1000, &f), RD_ENTRY_NO_REPLY);
	assert_int_equal(parse(outside, 4, "", 1000, &f), RD_ENTRY_OK);
	const char *mode[] = { "request", "{}", "reply_to", "parley:r", "reply_mode", "carrier-pigeon" };
	assert_int_equal(parse(mode, 6, "parley:", 1000, &f), RD_ENTRY_NO_REPLY);
	char long_name[RD_MAX_REPLY_TO + 8];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	const char *too_long[] = { "request", "{}", "reply_to", long_name };
	assert_int_equal(parse(too_long, 4, "", 1000, &f), RD_ENTRY_NO_REPLY);
	/* an odd trailing name without a value is ignored */
	const char *odd[] = { "request", "{}", "reply_to" };
	assert_int_equal(parse(odd, 3, "", 1000, &f), RD_ENTRY_NO_REPLY);
}

static void entry_bad(void **state)
{
	rd_entry_fields f;
	const char *no_request[] = { "reply_to", "parley:r" };
	assert_int_equal(parse(no_request, 2, "parley:", 1000, &f), RD_ENTRY_BAD);
	assert_int_equal(f.code, 454);
	const char *big[] = { "reply_to", "parley:r", "request", "{\"janus\":\"info\"}" };
	assert_int_equal(parse(big, 4, "parley:", 5, &f), RD_ENTRY_BAD);
	assert_int_equal(f.code, 450);
	assert_non_null(f.reason);
	const char *hops[] = { "reply_to", "parley:r", "request", "{}", "hops", "zz" };
	assert_int_equal(parse(hops, 6, "parley:", 100, &f), RD_ENTRY_OK);
	assert_true(f.hops >= 100);
}

static void key_names(void **state)
{
	char *stream = parley_redis_instance_stream("p:", "gw-1");
	assert_string_equal(stream, "p:instance:gw-1:requests");
	g_free(stream);
	char *key = parley_redis_session_key("p:", 9007199254740991ULL);
	assert_string_equal(key, "p:session:9007199254740991");
	g_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entry_ok), cmocka_unit_test(entry_no_reply), cmocka_unit_test(entry_bad),
		cmocka_unit_test(key_names),
	};
	return cmocka_run_group_tests_name("redis_parse", tests, NULL, NULL);
}
