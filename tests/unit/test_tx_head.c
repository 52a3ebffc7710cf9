/*
 * test_tx_head.c — the request-head verdict both web transports give
 * before acting on a request (transports/common/head.c): the size limit
 * (431), Content-Length values and their repeats, Content-Length with
 * Transfer-Encoding (400), a transfer-coded body without a length (411),
 * and an upgrade's Sec-WebSocket-Version (426 unless 13).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "transports/common/head.h"

#define LIMIT 16384

static int verdict(const parley_tx_head *head, long *length)
{
	char reason[128] = "";
	int status = parley_tx_head_check(head, LIMIT, length, reason, sizeof(reason));
	assert_true(status == 0 || reason[0] != '\0');
	return status;
}

static void accepts_a_plain_head(void **state)
{
	parley_tx_head head = { .size = 300 };
	long length = 7;
	assert_int_equal(verdict(&head, &length), 0);
	assert_int_equal(length, -1);
	head.size = LIMIT; /* the limit itself is allowed */
	assert_int_equal(verdict(&head, &length), 0);
}

static void refuses_a_head_over_the_limit(void **state)
{
	parley_tx_head head = { .size = LIMIT + 1 };
	long length;
	char reason[128];
	assert_int_equal(parley_tx_head_check(&head, LIMIT, &length, reason, sizeof(reason)), 431);
	assert_non_null(strstr(reason, "16384"));
}

static void reads_length_values(void **state)
{
	static const struct {
		const char *text;
		long value;
	} cases[] = {
		{ "0", 0 },         { "42", 42 },         { " 42 ", 42 },     { "5, 5", 5 },      { "5,5,5", 5 },
		{ "", -1 },         { " ", -1 },          { "-1", -1 },       { "+5", -1 },       { "5a", -1 },
		{ "0x10", -1 },     { "5, 6", -1 },       { "5,", -1 },       { ",5", -1 },       { "5 5", -1 },
		{ "1.5", -1 },      { "999999999999999999", 999999999999999999L }, { "9999999999999999999", -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long value = parley_tx_head_length_value(cases[i].text);
		if (value != cases[i].value)
			fail_msg("\"%s\": %ld, expected %ld", cases[i].text, value, cases[i].value);
	}
}

static void takes_one_length_or_equal_repeats(void **state)
{
	parley_tx_head head = { .size = 100, .content_lengths = { "12" }, .content_length_count = 1 };
	long length;
	assert_int_equal(verdict(&head, &length), 0);
	assert_int_equal(length, 12);
	head.content_lengths[1] = " 12";
	head.content_length_count = 2;
	assert_int_equal(verdict(&head, &length), 0);
	assert_int_equal(length, 12);
}

static void refuses_conflicting_or_invalid_lengths(void **state)
{
	long length;
	parley_tx_head conflicting = { .content_lengths = { "12", " 13" }, .content_length_count = 2 };
	assert_int_equal(verdict(&conflicting, &length), 400);
	parley_tx_head listed = { .content_lengths = { "12, 13" }, .content_length_count = 1 };
	assert_int_equal(verdict(&listed, &length), 400);
	parley_tx_head invalid = { .content_lengths = { "twelve" }, .content_length_count = 1 };
	assert_int_equal(verdict(&invalid, &length), 400);
	parley_tx_head unreadable = { .content_lengths = { NULL }, .content_length_count = 1 };
	assert_int_equal(verdict(&unreadable, &length), 400);
	parley_tx_head many = { .content_lengths = { "1", "1", "1", "1" },
		                .content_length_count = PARLEY_TX_HEAD_MAX_LENGTHS + 1 };
	assert_int_equal(verdict(&many, &length), 400);
}

static void refuses_transfer_encodings(void **state)
{
	long length;
	parley_tx_head both = { .content_lengths = { "5" }, .content_length_count = 1, .transfer_encoding = true };
	assert_int_equal(verdict(&both, &length), 400);
	assert_int_equal(length, -1);
	parley_tx_head chunked = { .transfer_encoding = true };
	assert_int_equal(verdict(&chunked, &length), 411);
}

static void checks_the_websocket_version(void **state)
{
	long length;
	parley_tx_head upgrade = { .upgrade = true, .websocket_version = "13" };
	assert_int_equal(verdict(&upgrade, &length), 0);
	upgrade.websocket_version = " 13 ";
	assert_int_equal(verdict(&upgrade, &length), 0);
	static const char *const wrong[] = { "8", "12", "130", "13, 8", "", "1 3" };
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		upgrade.websocket_version = wrong[i];
		assert_int_equal(verdict(&upgrade, &length), 426);
	}
	upgrade.websocket_version = NULL;
	assert_int_equal(verdict(&upgrade, &length), 426);
	/* a plain request's version header means nothing */
	parley_tx_head plain = { .websocket_version = "8" };
	assert_int_equal(verdict(&plain, &length), 0);
	/* the size is weighed first */
	parley_tx_head big = { .size = LIMIT + 1, .upgrade = true, .websocket_version = "8" };
	assert_int_equal(verdict(&big, &length), 431);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_a_plain_head),
		cmocka_unit_test(refuses_a_head_over_the_limit),
		cmocka_unit_test(reads_length_values),
		cmocka_unit_test(takes_one_length_or_equal_repeats),
		cmocka_unit_test(refuses_conflicting_or_invalid_lengths),
		cmocka_unit_test(refuses_transfer_encodings),
		cmocka_unit_test(checks_the_websocket_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
