/*
 * test_tx_throttle.c — failed credential checks per source address
 * (transports/common/throttle.c): free failures, the doubling block and
 * its cap, blocks ending with time, the count starting afresh a minute
 * after the last failure, addresses counted apart, throttling turned off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "transports/common/throttle.h"

#define MS 1000

static void free_failures_then_a_doubling_block(void **state)
{
	parley_tx_throttle *throttle = parley_tx_throttle_new(3, 100, 1000);
	long blocked;
	gint64 now = 1000000;
	for (unsigned i = 1; i <= 3; i++) {
		assert_int_equal(parley_tx_throttle_failed(throttle, "10.0.0.1", now, &blocked), i);
		assert_int_equal(blocked, 0);
		assert_int_equal(parley_tx_throttle_blocked_ms(throttle, "10.0.0.1", now), 0);
	}
	static const long expected[] = { 100, 200, 400, 800, 1000, 1000 };
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		assert_int_equal(parley_tx_throttle_failed(throttle, "10.0.0.1", now, &blocked), 4 + i);
		assert_int_equal(blocked, expected[i]);
		assert_int_equal(parley_tx_throttle_blocked_ms(throttle, "10.0.0.1", now), expected[i]);
	}
	/* the block ends with time */
	assert_int_equal(parley_tx_throttle_blocked_ms(throttle, "10.0.0.1", now + 999 * MS), 1);
	assert_int_equal(parley_tx_throttle_blocked_ms(throttle, "10.0.0.1", now + 1000 * MS), 0);
	parley_tx_throttle_free(throttle);
}

static void addresses_are_counted_apart_and_a_quiet_minute_forgets(void **state)
{
	parley_tx_throttle *throttle = parley_tx_throttle_new(1, 50, 50);
	long blocked;
	parley_tx_throttle_failed(throttle, "a", 0, &blocked);
	parley_tx_throttle_failed(throttle, "a", 0, &blocked);
	assert_int_equal(blocked, 50);
	assert_int_equal(parley_tx_throttle_blocked_ms(throttle, "b", 0), 0);
	assert_int_equal(parley_tx_throttle_failed(throttle, "b", 0, &blocked), 1);
	assert_int_equal(blocked, 0);
	/* within the minute the count goes on, after it it starts afresh */
	assert_int_equal(parley_tx_throttle_failed(throttle, "a", 59 * G_USEC_PER_SEC, &blocked), 3);
	assert_int_equal(parley_tx_throttle_failed(throttle, "a", 121 * G_USEC_PER_SEC, &blocked), 1);
	assert_int_equal(blocked, 0);
	parley_tx_throttle_free(throttle);
}

static void base_zero_turns_it_off(void **state)
{
	parley_tx_throttle *throttle = parley_tx_throttle_new(0, 0, 0);
	long blocked;
	for (int i = 0; i < 10; i++)
		assert_int_equal(parley_tx_throttle_failed(throttle, "a", 0, &blocked), 0);
	assert_int_equal(blocked, 0);
	assert_int_equal(parley_tx_throttle_blocked_ms(throttle, "a", 0), 0);
	parley_tx_throttle_free(throttle);
	assert_int_equal(parley_tx_throttle_blocked_ms(NULL, "a", 0), 0);
}

static void a_full_table_makes_room(void **state)
{
	parley_tx_throttle *throttle = parley_tx_throttle_new(5, 100, 100);
	long blocked;
	char address[32];
	for (int i = 0; i < PARLEY_TX_THROTTLE_MAX_ADDRESSES; i++) {
		g_snprintf(address, sizeof(address), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		parley_tx_throttle_failed(throttle, address, 0, &blocked);
	}
	/* one more, much later: the stale ones go, the new one is counted */
	assert_int_equal(parley_tx_throttle_failed(throttle, "192.0.2.1", 60 * G_USEC_PER_SEC, &blocked), 1);
	assert_int_equal(parley_tx_throttle_failed(throttle, "192.0.2.1", 60 * G_USEC_PER_SEC, &blocked), 2);
	parley_tx_throttle_free(throttle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(free_failures_then_a_doubling_block),
		cmocka_unit_test(addresses_are_counted_apart_and_a_quiet_minute_forgets),
		cmocka_unit_test(base_zero_turns_it_off),
		cmocka_unit_test(a_full_table_makes_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
