/*
 * tests/unit/test_room_core.h — the core table for the room plugin's unit
 * tests: the recording functions of recording_core.h (events with their
 * jsep, handle_ref/unref counts, config_get from a table the test fills)
 * plus relay_rtp keeping a copy of every forwarded packet, send_pli and
 * send_remb counted, and a clock that is a variable the test moves.
 * Included by one test file at a time.
 */
#ifndef TEST_ROOM_CORE_H
#define TEST_ROOM_CORE_H

#define RECORDING_CORE_LOG_ENV "ROOM_TEST_LOG"
#include "recording_core.h"

#include "plugins/room/room.h"

typedef struct relayed_packet {
	parley_plugin_session *session;
	uint8_t data[ROOM_SCRATCH];
	size_t length;
	int mindex;
} relayed_packet;

static GArray *relayed;              /* relayed_packet, under record_lock */
static int plis_sent;
static int rembs_sent;
static uint32_t last_remb;
static int64_t fake_now_ms = 1000000;

static int fake_relay_rtp(parley_plugin_session *session, parley_rtp_packet *packet)
{
	relayed_packet r = {.session = session, .length = packet->length, .mindex = packet->mindex};
	memcpy(r.data, packet->buffer, packet->length);
	g_mutex_lock(&record_lock);
	g_array_append_val(relayed, r);
	g_mutex_unlock(&record_lock);
	return 0;
}

static int fake_send_pli(parley_plugin_session *session, int mindex)
{
	(void)session;
	(void)mindex;
	g_atomic_int_inc(&plis_sent);
	return 0;
}

static int fake_send_remb(parley_plugin_session *session, uint32_t bitrate)
{
	(void)session;
	g_atomic_int_inc(&rembs_sent);
	last_remb = bitrate;
	return 0;
}

static const parley_plugin_core fake_core = {
	RECORDING_CORE_FIELDS,
	.relay_rtp = fake_relay_rtp,
	.send_pli = fake_send_pli,
	.send_remb = fake_send_remb,
};

static const parley_plugin fake_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_ROOM_PACKAGE,
};

static int64_t fake_clock_ms(void) { return fake_now_ms; }
static int64_t fake_clock_us(void) { return fake_now_ms * 1000; }

/* A context with the settings set so far and the fake clock. */
static room_ctx *fake_ctx_new(void)
{
	room_config cfg;
	recording_reset();
	if (relayed == NULL)
		relayed = g_array_new(FALSE, FALSE, sizeof(relayed_packet));
	g_array_set_size(relayed, 0);
	plis_sent = rembs_sent = 0;
	parley_room_config_load(&cfg, &fake_core);
	room_ctx *ctx = parley_room_ctx_new(&fake_core, &fake_plugin, &cfg);
	ctx->now_ms = fake_clock_ms;
	ctx->now_us = fake_clock_us;
	return ctx;
}

static void fake_ctx_free(room_ctx *ctx)
{
	parley_room_ctx_free(ctx);
	recording_clear();
	g_array_set_size(relayed, 0);
}

/* One client request through the plugin's dispatcher; the answer (new
 * reference, NULL on refusal) and the result kind. */
G_GNUC_UNUSED static json_t *send_request(room_ctx *ctx, parley_plugin_session *session, const char *json_text,
                                          parley_plugin_result_kind *kind)
{
	json_error_t error;
	json_t *body = json_loads(json_text, 0, &error);
	parley_plugin_result result;
	parley_room_handle_request(ctx, session, "tx", body, NULL, &result);
	json_decref(body);
	if (kind != NULL)
		*kind = result.kind;
	return result.kind == PARLEY_PLUGIN_OK ? result.content : NULL;
}

#endif
