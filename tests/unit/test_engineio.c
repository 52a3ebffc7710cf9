/*
 * test_engineio.c — the Engine.IO 4 codec of the WebSocket transport:
 * single packets, long-polling payloads split on the record separator
 * 0x1e, refusals (empty packets, bad types, base64 binary, too many
 * packets), the handshake query checks with the reference server's error
 * codes, the open packet and session ids.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "transports/websocket/engineio_codec.h"

static void decodes_each_packet_type(void **state)
{
	static const char *const texts[] = { "0{}", "1", "2", "3probe", "4hello", "5", "6" };
	for(int type = 0; type <= 6; type++) {
		parley_eio_packet packet;
		assert_int_equal(parley_eio_decode_packet(texts[type], strlen(texts[type]), &packet), PARLEY_EIO_DECODE_OK);
		assert_int_equal(packet.type, type);
		assert_int_equal(packet.length, strlen(texts[type]) - 1);
		assert_memory_equal(packet.data, texts[type] + 1, packet.length);
	}
}

static void refuses_bad_packets(void **state)
{
	parley_eio_packet packet;
	assert_int_equal(parley_eio_decode_packet("", 0, &packet), PARLEY_EIO_DECODE_EMPTY);
	assert_int_equal(parley_eio_decode_packet(NULL, 3, &packet), PARLEY_EIO_DECODE_EMPTY);
	assert_int_equal(parley_eio_decode_packet("7", 1, &packet), PARLEY_EIO_DECODE_BAD_TYPE);
	assert_int_equal(parley_eio_decode_packet("x4", 2, &packet), PARLEY_EIO_DECODE_BAD_TYPE);
	assert_int_equal(parley_eio_decode_packet("/4", 2, &packet), PARLEY_EIO_DECODE_BAD_TYPE);
	assert_int_equal(parley_eio_decode_packet("bAQID", 5, &packet), PARLEY_EIO_DECODE_BINARY);
}

static void splits_payloads_on_the_record_separator(void **state)
{
	static const char payload[] = "4hello\x1e" "2\x1e" "440[\"x\",{\"a\":\"\\u001e\"}]";
	parley_eio_packet packets[8];
	size_t count = 0;
	assert_int_equal(parley_eio_decode_payload(payload, strlen(payload), packets, 8, &count), PARLEY_EIO_DECODE_OK);
	assert_int_equal(count, 3);
	assert_int_equal(packets[0].type, PARLEY_EIO_MESSAGE);
	assert_int_equal(packets[0].length, 5);
	assert_memory_equal(packets[0].data, "hello", 5);
	assert_int_equal(packets[1].type, PARLEY_EIO_PING);
	assert_int_equal(packets[1].length, 0);
	assert_int_equal(packets[2].type, PARLEY_EIO_MESSAGE);
	assert_int_equal(packets[2].length, strlen("40[\"x\",{\"a\":\"\\u001e\"}]"));

	assert_int_equal(parley_eio_decode_payload("4single", 7, packets, 8, &count), PARLEY_EIO_DECODE_OK);
	assert_int_equal(count, 1);
}

static void refuses_bad_payloads(void **state)
{
	parley_eio_packet packets[2];
	size_t count = 9;
	assert_int_equal(parley_eio_decode_payload("", 0, packets, 2, &count), PARLEY_EIO_DECODE_EMPTY);
	assert_int_equal(count, 0);
	assert_int_equal(parley_eio_decode_payload("4a\x1e\x1e" "4b", 6, packets, 2, &count), PARLEY_EIO_DECODE_EMPTY);
	assert_int_equal(parley_eio_decode_payload("4a\x1e", 3, packets, 2, &count), PARLEY_EIO_DECODE_EMPTY);
	assert_int_equal(parley_eio_decode_payload("4a\x1e" "9", 4, packets, 2, &count), PARLEY_EIO_DECODE_BAD_TYPE);
	assert_int_equal(parley_eio_decode_payload("4a\x1e" "bAAE=", 8, packets, 2, &count), PARLEY_EIO_DECODE_BINARY);
	assert_int_equal(parley_eio_decode_payload("2\x1e" "2\x1e" "2", 5, packets, 2, &count), PARLEY_EIO_DECODE_TOO_MANY);
}

static void encodes_packets_and_payloads(void **state)
{
	GString *packet = g_string_new(NULL);
	parley_eio_encode_packet(packet, PARLEY_EIO_MESSAGE, "42[\"a\"]", 7);
	assert_string_equal(packet->str, "442[\"a\"]");
	g_string_truncate(packet, 0);
	parley_eio_encode_packet(packet, PARLEY_EIO_NOOP, NULL, 0);
	assert_string_equal(packet->str, "6");

	GString *payload = g_string_new(NULL);
	parley_eio_payload_append(payload, "2", 1);
	parley_eio_payload_append(payload, "4x", 2);
	parley_eio_payload_append(payload, "6", 1);
	assert_string_equal(payload->str, "2\x1e" "4x\x1e" "6");
	/* round trip */
	parley_eio_packet packets[4];
	size_t count = 0;
	assert_int_equal(parley_eio_decode_payload(payload->str, payload->len, packets, 4, &count), PARLEY_EIO_DECODE_OK);
	assert_int_equal(count, 3);
	assert_int_equal(packets[2].type, PARLEY_EIO_NOOP);
	g_string_free(packet, TRUE);
	g_string_free(payload, TRUE);
}

static void parses_and_checks_queries(void **state)
{
	parley_eio_query q;
	parley_eio_query_parse("EIO=4&transport=polling&t=OaX1", &q);
	assert_string_equal(q.eio, "4");
	assert_int_equal(q.transport, PARLEY_EIO_TRANSPORT_POLLING);
	assert_string_equal(q.sid, "");
	assert_int_equal(parley_eio_query_check(&q, true), -1);
	assert_int_equal(parley_eio_query_check(&q, false), PARLEY_EIO_ERR_BAD_HANDSHAKE_METHOD);

	parley_eio_query_parse("EIO=4&transport=websocket&sid=abcDEF", &q);
	assert_int_equal(q.transport, PARLEY_EIO_TRANSPORT_WEBSOCKET);
	assert_string_equal(q.sid, "abcDEF");
	assert_int_equal(parley_eio_query_check(&q, false), -1); /* POST with a sid is fine */

	parley_eio_query_parse("EIO=4&transport=flashsocket", &q);
	assert_int_equal(parley_eio_query_check(&q, true), PARLEY_EIO_ERR_UNKNOWN_TRANSPORT);
	parley_eio_query_parse("EIO=4", &q);
	assert_int_equal(parley_eio_query_check(&q, true), PARLEY_EIO_ERR_UNKNOWN_TRANSPORT);
	parley_eio_query_parse("EIO=3&transport=polling", &q);
	assert_int_equal(parley_eio_query_check(&q, true), PARLEY_EIO_ERR_UNSUPPORTED_VERSION);
	parley_eio_query_parse("transport=polling", &q);
	assert_int_equal(parley_eio_query_check(&q, true), PARLEY_EIO_ERR_UNSUPPORTED_VERSION);
	parley_eio_query_parse(NULL, &q);
	assert_int_equal(parley_eio_query_check(&q, true), PARLEY_EIO_ERR_UNKNOWN_TRANSPORT);
	parley_eio_query_parse("EIO=4&transport=polling&sid=0123456789012345678901234567890123456789", &q);
	assert_true(q.sid_too_long);
	assert_int_equal(parley_eio_query_check(&q, true), PARLEY_EIO_ERR_UNKNOWN_SID);
	parley_eio_query_parse("noequals&&EIO=4&transport=polling", &q);
	assert_int_equal(parley_eio_query_check(&q, true), -1);
}

static void error_answers_match_the_reference_server(void **state)
{
	static const struct { parley_eio_error code; const char *body; int status; } cases[] = {
		{ PARLEY_EIO_ERR_UNKNOWN_TRANSPORT, "{\"code\":0,\"message\":\"Transport unknown\"}", 400 },
		{ PARLEY_EIO_ERR_UNKNOWN_SID, "{\"code\":1,\"message\":\"Session ID unknown\"}", 400 },
		{ PARLEY_EIO_ERR_BAD_HANDSHAKE_METHOD, "{\"code\":2,\"message\":\"Bad handshake method\"}", 400 },
		{ PARLEY_EIO_ERR_BAD_REQUEST, "{\"code\":3,\"message\":\"Bad request\"}", 400 },
		{ PARLEY_EIO_ERR_FORBIDDEN, "{\"code\":4,\"message\":\"Forbidden\"}", 403 },
		{ PARLEY_EIO_ERR_UNSUPPORTED_VERSION, "{\"code\":5,\"message\":\"Unsupported protocol version\"}", 400 },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *body = parley_eio_error_body(cases[i].code);
		assert_string_equal(body, cases[i].body);
		assert_int_equal(parley_eio_error_http_status(cases[i].code), cases[i].status);
		g_free(body);
	}
}

static void open_packet_and_sids(void **state)
{
	char sid[PARLEY_EIO_SID_LENGTH + 1], other[PARLEY_EIO_SID_LENGTH + 1];
	parley_eio_new_sid(sid);
	parley_eio_new_sid(other);
	assert_int_equal(strlen(sid), PARLEY_EIO_SID_LENGTH);
	assert_string_not_equal(sid, other);
	for(const char *c = sid; *c; c++)
		assert_true(g_ascii_isalnum(*c) || *c == '-' || *c == '_');

	char *text = parley_eio_open_json(sid, 25000, 20000, 1000000, true);
	json_error_t error;
	json_t *open = json_loads(text, 0, &error);
	assert_non_null(open);
	assert_string_equal(json_string_value(json_object_get(open, "sid")), sid);
	assert_int_equal(json_integer_value(json_object_get(open, "pingInterval")), 25000);
	assert_int_equal(json_integer_value(json_object_get(open, "pingTimeout")), 20000);
	assert_int_equal(json_integer_value(json_object_get(open, "maxPayload")), 1000000);
	assert_string_equal(json_string_value(json_array_get(json_object_get(open, "upgrades"), 0)), "websocket");
	json_decref(open);
	g_free(text);
	/* a WebSocket session offers no upgrade */
	text = parley_eio_open_json(sid, 1, 2, 3, false);
	open = json_loads(text, 0, &error);
	assert_int_equal(json_array_size(json_object_get(open, "upgrades")), 0);
	json_decref(open);
	g_free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_each_packet_type),
		cmocka_unit_test(refuses_bad_packets),
		cmocka_unit_test(splits_payloads_on_the_record_separator),
		cmocka_unit_test(refuses_bad_payloads),
		cmocka_unit_test(encodes_packets_and_payloads),
		cmocka_unit_test(parses_and_checks_queries),
		cmocka_unit_test(error_answers_match_the_reference_server),
		cmocka_unit_test(open_packet_and_sids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
