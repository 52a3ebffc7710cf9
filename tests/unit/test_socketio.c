/*
 * test_socketio.c — the Socket.IO 5 packet codec of the WebSocket
 * transport: every packet type, namespaces, ack ids (bounds included),
 * payload shapes per type, malformed JSON, refused binary packets, and
 * encode/decode round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "transports/websocket/socketio_codec.h"

static parley_sio_decode_status decode(const char *text, parley_sio_packet *packet)
{
	return parley_sio_decode(text, strlen(text), packet);
}

static void decodes_connect_and_disconnect(void **state)
{
	parley_sio_packet p;
	assert_int_equal(decode("0", &p), PARLEY_SIO_DECODE_OK);
	assert_int_equal(p.type, PARLEY_SIO_CONNECT);
	assert_string_equal(p.nsp, "/");
	assert_int_equal(p.ack_id, -1);
	assert_null(p.data);
	parley_sio_packet_clear(&p);

	assert_int_equal(decode("0{\"token\":\"abc\"}", &p), PARLEY_SIO_DECODE_OK);
	assert_string_equal(json_string_value(json_object_get(p.data, "token")), "abc");
	parley_sio_packet_clear(&p);

	assert_int_equal(decode("0/admin,", &p), PARLEY_SIO_DECODE_OK);
	assert_string_equal(p.nsp, "/admin");
	parley_sio_packet_clear(&p);

	assert_int_equal(decode("1", &p), PARLEY_SIO_DECODE_OK);
	assert_int_equal(p.type, PARLEY_SIO_DISCONNECT);
	parley_sio_packet_clear(&p);
	assert_int_equal(decode("1/chat,", &p), PARLEY_SIO_DECODE_OK);
	assert_string_equal(p.nsp, "/chat");
	parley_sio_packet_clear(&p);
}

static void decodes_events_with_and_without_ack_ids(void **state)
{
	parley_sio_packet p;
	assert_int_equal(decode("2[\"join-meeting\",{\"roomId\":\"r1\"}]", &p), PARLEY_SIO_DECODE_OK);
	assert_int_equal(p.type, PARLEY_SIO_EVENT);
	assert_int_equal(p.ack_id, -1);
	assert_string_equal(json_string_value(json_array_get(p.data, 0)), "join-meeting");
	assert_string_equal(json_string_value(json_object_get(json_array_get(p.data, 1), "roomId")), "r1");
	parley_sio_packet_clear(&p);

	assert_int_equal(decode("213[\"ping\"]", &p), PARLEY_SIO_DECODE_OK);
	assert_int_equal(p.ack_id, 13);
	assert_int_equal(json_array_size(p.data), 1);
	parley_sio_packet_clear(&p);

	assert_int_equal(decode("2/chat,7[\"x\",1,2]", &p), PARLEY_SIO_DECODE_OK);
	assert_string_equal(p.nsp, "/chat");
	assert_int_equal(p.ack_id, 7);
	parley_sio_packet_clear(&p);

	assert_int_equal(decode("29007199254740991[\"max\"]", &p), PARLEY_SIO_DECODE_OK);
	assert_int_equal(p.ack_id, PARLEY_SIO_MAX_ACK_ID);
	parley_sio_packet_clear(&p);
}

static void decodes_acks(void **state)
{
	parley_sio_packet p;
	assert_int_equal(decode("35[]", &p), PARLEY_SIO_DECODE_OK);
	assert_int_equal(p.type, PARLEY_SIO_ACK);
	assert_int_equal(p.ack_id, 5);
	parley_sio_packet_clear(&p);
	assert_int_equal(decode("312[{\"ok\":true}]", &p), PARLEY_SIO_DECODE_OK);
	assert_int_equal(p.ack_id, 12);
	parley_sio_packet_clear(&p);
	/* an ack needs an id and an array */
	assert_int_equal(decode("3[]", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
	assert_int_equal(decode("35{}", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
	assert_int_equal(decode("35", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
}

static void refuses_malformed_packets(void **state)
{
	parley_sio_packet p;
	assert_int_equal(parley_sio_decode("", 0, &p), PARLEY_SIO_DECODE_EMPTY);
	assert_int_equal(decode("9[]", &p), PARLEY_SIO_DECODE_BAD_TYPE);
	assert_int_equal(decode("x", &p), PARLEY_SIO_DECODE_BAD_TYPE);
	assert_int_equal(decode("2[\"a\"", &p), PARLEY_SIO_DECODE_BAD_JSON);
	assert_int_equal(decode("2[\"a\"]garbage", &p), PARLEY_SIO_DECODE_BAD_JSON);
	assert_int_equal(decode("0{bad}", &p), PARLEY_SIO_DECODE_BAD_JSON);
	assert_null(p.nsp);
	assert_null(p.data);
	/* wrong shapes */
	assert_int_equal(decode("2[]", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
	assert_int_equal(decode("2[1,2]", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
	assert_int_equal(decode("2{\"a\":1}", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
	assert_int_equal(decode("2", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
	assert_int_equal(decode("0[1]", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
	assert_int_equal(decode("1{}", &p), PARLEY_SIO_DECODE_BAD_PAYLOAD);
	/* ack id beyond 2^53 - 1 */
	assert_int_equal(decode("29007199254740992[\"a\"]", &p), PARLEY_SIO_DECODE_BAD_ACK_ID);
	assert_int_equal(decode("2123456789012345678901234567890[\"a\"]", &p), PARLEY_SIO_DECODE_BAD_ACK_ID);
	/* namespace too long */
	char long_nsp[PARLEY_SIO_MAX_NAMESPACE + 16];
	long_nsp[0] = '0';
	memset(long_nsp + 1, 'n', sizeof(long_nsp) - 2);
	long_nsp[1] = '/';
	long_nsp[sizeof(long_nsp) - 1] = '\0';
	assert_int_equal(decode(long_nsp, &p), PARLEY_SIO_DECODE_BAD_NAMESPACE);
	/* binary packets are refused */
	assert_int_equal(decode("51-[\"up\",{\"_placeholder\":true,\"num\":0}]", &p), PARLEY_SIO_DECODE_BINARY);
	assert_int_equal(decode("61-3[{\"_placeholder\":true,\"num\":0}]", &p), PARLEY_SIO_DECODE_BINARY);
	assert_string_equal(parley_sio_decode_error(PARLEY_SIO_DECODE_BINARY), "binary packets are not supported");
	assert_string_equal(parley_sio_decode_error((parley_sio_decode_status)99), "invalid packet");
}

static void encodes_packets(void **state)
{
	size_t length = 0;
	json_t *sid = json_pack("{ss}", "sid", "abc");
	char *text = parley_sio_encode(PARLEY_SIO_CONNECT, "/", -1, sid, &length);
	assert_string_equal(text, "0{\"sid\":\"abc\"}");
	assert_int_equal(length, strlen(text));
	g_free(text);
	json_decref(sid);

	json_t *args = json_pack("[s{ss}]", "participant-left", "userId", "u1");
	text = parley_sio_encode(PARLEY_SIO_EVENT, NULL, -1, args, &length);
	assert_string_equal(text, "2[\"participant-left\",{\"userId\":\"u1\"}]");
	g_free(text);
	json_decref(args);

	args = json_array();
	text = parley_sio_encode(PARLEY_SIO_ACK, "/", 42, args, &length);
	assert_string_equal(text, "342[]");
	g_free(text);
	json_decref(args);

	json_t *error = json_pack("{ss}", "message", "Invalid namespace");
	text = parley_sio_encode(PARLEY_SIO_CONNECT_ERROR, "/admin", -1, error, &length);
	assert_string_equal(text, "4/admin,{\"message\":\"Invalid namespace\"}");
	g_free(text);
	json_decref(error);

	text = parley_sio_encode(PARLEY_SIO_DISCONNECT, "/", -1, NULL, &length);
	assert_string_equal(text, "1");
	g_free(text);
}

static void round_trips(void **state)
{
	json_t *args = json_pack("[s{ss sb}]", "webrtc-offer", "sdp", "v=0\r\n", "ok", 1);
	size_t length = 0;
	char *text = parley_sio_encode(PARLEY_SIO_EVENT, "/", 99, args, &length);
	parley_sio_packet p;
	assert_int_equal(parley_sio_decode(text, length, &p), PARLEY_SIO_DECODE_OK);
	assert_int_equal(p.type, PARLEY_SIO_EVENT);
	assert_int_equal(p.ack_id, 99);
	assert_true(json_equal(p.data, args));
	parley_sio_packet_clear(&p);
	g_free(text);
	json_decref(args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_connect_and_disconnect),
		cmocka_unit_test(decodes_events_with_and_without_ack_ids),
		cmocka_unit_test(decodes_acks),
		cmocka_unit_test(refuses_malformed_packets),
		cmocka_unit_test(encodes_packets),
		cmocka_unit_test(round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
