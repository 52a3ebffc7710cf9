/*
 * test_dcep.c — DCEP's wire format (core/media/dcep.c): DATA_CHANNEL_OPEN
 * written and read back for every channel type, a captured Chromium OPEN
 * byte for byte, ACK, the refusals (short, long, unknown type, unknown
 * channel type, lengths that disagree, label not UTF-8 or with a NUL),
 * writing into a buffer too small, and the PPID table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/media/dcep.h"

static void open_round_trip(void **state)
{
	static const struct {
		bool ordered;
		parley_dcep_reliability reliability;
		uint32_t parameter;
		uint8_t channel_type;
	} cases[] = {
		{ true, PARLEY_DCEP_RELIABLE, 0, 0x00 },
		{ false, PARLEY_DCEP_RELIABLE, 0, 0x80 },
		{ true, PARLEY_DCEP_PARTIAL_REXMIT, 3, 0x01 },
		{ false, PARLEY_DCEP_PARTIAL_REXMIT, 0, 0x81 },
		{ true, PARLEY_DCEP_PARTIAL_TIMED, 1500, 0x02 },
		{ false, PARLEY_DCEP_PARTIAL_TIMED, 0xffffffffu, 0x82 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parley_dcep_open open = {
			.ordered = cases[i].ordered, .reliability = cases[i].reliability,
			.reliability_parameter = cases[i].parameter, .priority = 256,
			.label = "chät", .label_length = 5, .protocol = "json", .protocol_length = 4,
		};
		uint8_t buffer[64];
		size_t size = parley_dcep_write_open(&open, buffer, sizeof(buffer));
		assert_int_equal(size, 12 + 5 + 4);
		assert_int_equal(size, parley_dcep_open_size(&open));
		assert_int_equal(buffer[0], 0x03);
		assert_int_equal(buffer[1], cases[i].channel_type);
		parley_dcep_message m;
		char reason[128] = "";
		assert_int_equal(parley_dcep_parse(buffer, size, &m, reason, sizeof(reason)), 0);
		assert_int_equal(m.type, PARLEY_DCEP_OPEN);
		assert_int_equal(m.open.ordered, cases[i].ordered);
		assert_int_equal(m.open.reliability, cases[i].reliability);
		assert_int_equal(m.open.reliability_parameter, cases[i].parameter);
		assert_int_equal(m.open.priority, 256);
		assert_int_equal(m.open.label_length, 5);
		assert_memory_equal(m.open.label, "chät", 5);
		assert_int_equal(m.open.protocol_length, 4);
		assert_memory_equal(m.open.protocol, "json", 4);
	}
}

/* new RTCPeerConnection().createDataChannel("chat", {ordered: false,
 * maxRetransmits: 2}) as Chromium sends it. */
static void chromium_open(void **state)
{
	static const uint8_t wire[] = {
		0x03, 0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 'c', 'h', 'a', 't',
	};
	parley_dcep_message m;
	assert_int_equal(parley_dcep_parse(wire, sizeof(wire), &m, NULL, 0), 0);
	assert_false(m.open.ordered);
	assert_int_equal(m.open.reliability, PARLEY_DCEP_PARTIAL_REXMIT);
	assert_int_equal(m.open.reliability_parameter, 2);
	assert_int_equal(m.open.priority, 256);
	assert_int_equal(m.open.label_length, 4);
	assert_int_equal(m.open.protocol_length, 0);
	/* written back the same */
	uint8_t out[32];
	assert_int_equal(parley_dcep_write_open(&m.open, out, sizeof(out)), sizeof(wire));
	assert_memory_equal(out, wire, sizeof(wire));
}

static void reliable_ignores_parameter(void **state)
{
	/* A reliable channel's parameter is written as 0 and read as 0. */
	parley_dcep_open open = { .ordered = true, .reliability = PARLEY_DCEP_RELIABLE, .reliability_parameter = 7 };
	uint8_t buffer[16];
	assert_int_equal(parley_dcep_write_open(&open, buffer, sizeof(buffer)), 12);
	assert_int_equal(buffer[4] | buffer[5] | buffer[6] | buffer[7], 0);
	buffer[7] = 9;
	parley_dcep_message m;
	assert_int_equal(parley_dcep_parse(buffer, 12, &m, NULL, 0), 0);
	assert_int_equal(m.open.reliability_parameter, 0);
	assert_int_equal(m.open.label_length, 0);
}

static void ack(void **state)
{
	uint8_t buffer[1];
	assert_int_equal(parley_dcep_write_ack(buffer, 1), 1);
	assert_int_equal(buffer[0], 0x02);
	assert_int_equal(parley_dcep_write_ack(buffer, 0), 0);
	parley_dcep_message m;
	assert_int_equal(parley_dcep_parse(buffer, 1, &m, NULL, 0), 0);
	assert_int_equal(m.type, PARLEY_DCEP_ACK);
	const uint8_t long_ack[] = { 0x02, 0x00 };
	char reason[128] = "";
	assert_int_equal(parley_dcep_parse(long_ack, 2, &m, reason, sizeof(reason)), PARLEY_DCEP_ERR_LENGTH);
	assert_non_null(strstr(reason, "one byte"));
}

static void refusals(void **state)
{
	static const struct {
		uint8_t bytes[24];
		size_t length;
		int code;
		const char *reason;
	} cases[] = {
		{ { 0 }, 0, PARLEY_DCEP_ERR_EMPTY, "empty" },
		{ { 0x04 }, 1, PARLEY_DCEP_ERR_TYPE, "unknown DCEP message type 0x04" },
		{ { 0x00 }, 1, PARLEY_DCEP_ERR_TYPE, "type 0x00" },
		{ { 0x03, 0x00, 0x00 }, 3, PARLEY_DCEP_ERR_LENGTH, "shorter than its 12-byte header" },
		{ { 0x03, 0x03 }, 12, PARLEY_DCEP_ERR_CHANNEL_TYPE, "unknown channel type 0x03" },
		{ { 0x03, 0x7f }, 12, PARLEY_DCEP_ERR_CHANNEL_TYPE, "0x7f" },
		{ { 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x02, 0x00, 0x00, 'a' }, 13, PARLEY_DCEP_ERR_LENGTH,
		  "lengths make 14" },
		{ { 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x00, 0x00, 'a', 'b' }, 14, PARLEY_DCEP_ERR_LENGTH,
		  "lengths make 13" },
		{ { 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, 12, PARLEY_DCEP_ERR_LENGTH, "131082" },
		{ { 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x02, 0x00, 0x00, 0xc3, 0x28 }, 14, PARLEY_DCEP_ERR_TEXT,
		  "label is not UTF-8" },
		{ { 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x02, 0x00, 0x00, 'a', 0x00 }, 14, PARLEY_DCEP_ERR_TEXT,
		  "holds a NUL" },
		{ { 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x01, 0xff }, 13, PARLEY_DCEP_ERR_TEXT,
		  "protocol is not UTF-8" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parley_dcep_message m;
		char reason[160] = "";
		int rc = parley_dcep_parse(cases[i].length ? cases[i].bytes : NULL, cases[i].length, &m, reason,
		                           sizeof(reason));
		if (rc != cases[i].code || !strstr(reason, cases[i].reason))
			fail_msg("case %zu: %d \"%s\", expected %d \"%s\"", i, rc, reason, cases[i].code, cases[i].reason);
	}
}

static void write_refusals(void **state)
{
	parley_dcep_open open = { .reliability = PARLEY_DCEP_RELIABLE, .label = "abc", .label_length = 3 };
	uint8_t buffer[15];
	assert_int_equal(parley_dcep_write_open(&open, buffer, 14), 0);
	assert_int_equal(parley_dcep_write_open(&open, buffer, 15), 15);
	open.reliability = (parley_dcep_reliability)3;
	assert_int_equal(parley_dcep_write_open(&open, buffer, 15), 0);
}

static void ppids(void **state)
{
	assert_int_equal(parley_dcep_ppid_for(false, false), 51);
	assert_int_equal(parley_dcep_ppid_for(true, false), 53);
	assert_int_equal(parley_dcep_ppid_for(false, true), 56);
	assert_int_equal(parley_dcep_ppid_for(true, true), 57);
	static const struct {
		uint32_t ppid;
		int rc;
		bool binary, empty;
	} cases[] = {
		{ 51, 0, false, false }, { 53, 0, true, false }, { 56, 0, false, true }, { 57, 0, true, true },
		{ 50, -1 }, { 52, -1 }, { 54, -1 }, { 55, -1 }, { 0, -1 }, { 0x33000000, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool binary = false, empty = false;
		assert_int_equal(parley_dcep_ppid_kind(cases[i].ppid, &binary, &empty), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_int_equal(binary, cases[i].binary);
			assert_int_equal(empty, cases[i].empty);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_round_trip),
		cmocka_unit_test(chromium_open),
		cmocka_unit_test(reliable_ignores_parameter),
		cmocka_unit_test(ack),
		cmocka_unit_test(refusals),
		cmocka_unit_test(write_refusals),
		cmocka_unit_test(ppids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
