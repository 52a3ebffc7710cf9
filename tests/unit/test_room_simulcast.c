/*
 * tests/unit/test_room_simulcast.c — simulcast layer choice (preference,
 * bandwidth estimate, inactive layers). Payload inspection is tested in
 * test_util_keyframe.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/room/simulcast.h"

static const uint32_t bitrates[3] = {150000, 500000, 1500000};

static int choose(unsigned layers, unsigned mask, int preferred, uint32_t estimate, bool auto_layers)
{
	room_layer_input in = {layers, mask, preferred, estimate, auto_layers, bitrates};
	return parley_room_layer_choose(&in);
}

static void test_layer_choice(void **state)
{
	(void)state;
	assert_int_equal(choose(3, 7, -1, 0, true), 2);          /* default: the highest */
	assert_int_equal(choose(3, 7, 0, 0, true), 0);           /* explicit low */
	assert_int_equal(choose(3, 7, 1, 0, true), 1);
	assert_int_equal(choose(3, 7, 5, 0, true), 2);           /* clamped */
	assert_int_equal(choose(3, 7, -1, 600000, true), 1);     /* estimate fits the middle */
	assert_int_equal(choose(3, 7, -1, 100000, true), 0);     /* below everything: the lowest */
	assert_int_equal(choose(3, 7, -1, 100000, false), 2);    /* automatic choice off */
	assert_int_equal(choose(3, 7, 2, 200000, true), 0);      /* the estimate caps a preference */
	assert_int_equal(choose(3, 0x3, -1, 0, true), 1);        /* top layer not sent: next below */
	assert_int_equal(choose(3, 0x4, 0, 0, true), 2);         /* only the top one: above the wish */
	assert_int_equal(choose(3, 0, -1, 0, true), -1);         /* nothing active */
	assert_int_equal(choose(1, 1, 2, 0, true), 0);           /* no simulcast */
	assert_int_equal(choose(0, 1, -1, 0, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layer_choice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
