/*
 * test_datachannel.c — the channel layer of one association
 * (core/media/datachannel.c) against a transport that records what it is
 * asked to send: channels the peer opens (ACK, OPEN event, the view),
 * channels we open (stream ids by DTLS role, OPEN then data ordered until
 * the ACK, implicit ACK by data), text/binary/empty PPIDs both ways, the
 * maximum message size both ways (ours, the peer's, unlimited; whole and
 * in pieces; the channel stays usable), reassembly, DCEP refusals with
 * their stream resets, closing by stream reset both ways and the reuse of
 * a stream once both directions are reset, BUSY and WRITABLE, the
 * association going down, running out of stream ids, a layer freed from
 * inside its own callback, and the admin view.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/media/datachannel.h"

typedef struct sent {
	uint16_t stream;
	uint32_t ppid;
	parley_dc_send_options options;
	GBytes *data;
} sent;

typedef struct rec {
	GArray *sent;              /* sent */
	GArray *resets;            /* uint16_t */
	int send_result;           /* what send returns */
	/* callbacks */
	GPtrArray *messages;       /* "label|b|payload" strings */
	GPtrArray *events;         /* "open:label:stream" ... */
	GPtrArray *refusals;       /* reasons */
	parley_dc *dc;
	bool free_in_callback;
} rec;

static int t_send(void *t, uint16_t stream, uint32_t ppid, const parley_dc_send_options *options,
                  const uint8_t *data, size_t length)
{
	rec *r = t;
	if (r->send_result)
		return r->send_result;
	sent s = { .stream = stream, .ppid = ppid, .options = *options, .data = g_bytes_new(data, length) };
	g_array_append_val(r->sent, s);
	return 0;
}

static int t_reset(void *t, uint16_t stream)
{
	rec *r = t;
	g_array_append_val(r->resets, stream);
	return 0;
}

static const parley_dc_transport transport = { .send = t_send, .reset = t_reset };

static void cb_message(void *u, const parley_dc_channel_view *ch, bool binary, uint8_t *data, size_t length)
{
	rec *r = u;
	g_ptr_array_add(r->messages, g_strdup_printf("%s|%c|%.*s", ch->label, binary ? 'b' : 't', (int)length,
	                                             (const char *)data));
	if (r->free_in_callback) {
		parley_dc_free(r->dc);
		r->dc = NULL;
	}
}

static void cb_channel(void *u, const parley_dc_channel_view *ch, parley_dc_event event)
{
	rec *r = u;
	static const char *const names[] = { "open", "closed", "writable" };
	if (ch)
		g_ptr_array_add(r->events, g_strdup_printf("%s:%s:%u", names[event], ch->label, ch->stream));
	else
		g_ptr_array_add(r->events, g_strdup(names[event]));
}

static void cb_refused(void *u, const parley_dc_refusal *refusal)
{
	rec *r = u;
	g_ptr_array_add(r->refusals, g_strdup_printf("%s %d %s", refusal->incoming ? "in" : "out", refusal->code,
	                                             refusal->reason));
}

static const parley_dc_callbacks callbacks = { .message = cb_message, .channel = cb_channel, .refused = cb_refused };

static void sent_clear(gpointer p)
{
	g_bytes_unref(((sent *)p)->data);
}

static rec *rec_new(bool dtls_client, size_t max)
{
	rec *r = g_new0(rec, 1);
	r->sent = g_array_new(FALSE, TRUE, sizeof(sent));
	g_array_set_clear_func(r->sent, sent_clear);
	r->resets = g_array_new(FALSE, TRUE, sizeof(uint16_t));
	r->messages = g_ptr_array_new_with_free_func(g_free);
	r->events = g_ptr_array_new_with_free_func(g_free);
	r->refusals = g_ptr_array_new_with_free_func(g_free);
	parley_dc_settings settings = { .dtls_client = dtls_client, .max_message_size = max };
	r->dc = parley_dc_new(&settings, &transport, r, &callbacks, r);
	assert_non_null(r->dc);
	return r;
}

static void rec_free(rec *r)
{
	parley_dc_free(r->dc);
	g_array_free(r->sent, TRUE);
	g_array_free(r->resets, TRUE);
	g_ptr_array_free(r->messages, TRUE);
	g_ptr_array_free(r->events, TRUE);
	g_ptr_array_free(r->refusals, TRUE);
	g_free(r);
}

static const char *last(GPtrArray *a)
{
	return a->len ? g_ptr_array_index(a, a->len - 1) : "(none)";
}

static sent *sent_at(rec *r, guint i)
{
	assert_true(i < r->sent->len);
	return &g_array_index(r->sent, sent, i);
}

/* DATA_CHANNEL_OPEN as the peer sends it. */
static void peer_open(rec *r, uint16_t stream, const char *label, const char *protocol, bool ordered,
                      parley_dcep_reliability reliability, uint32_t parameter)
{
	parley_dcep_open open = {
		.ordered = ordered, .reliability = reliability, .reliability_parameter = parameter, .priority = 256,
		.label = label, .label_length = (uint16_t)strlen(label), .protocol = protocol,
		.protocol_length = (uint16_t)strlen(protocol),
	};
	uint8_t buffer[4096];
	size_t size = parley_dcep_write_open(&open, buffer, sizeof(buffer));
	assert_true(size > 0);
	parley_dc_incoming(r->dc, stream, PARLEY_PPID_DCEP, true, buffer, size);
}

static void peer_ack(rec *r, uint16_t stream)
{
	uint8_t ack = PARLEY_DCEP_ACK;
	parley_dc_incoming(r->dc, stream, PARLEY_PPID_DCEP, true, &ack, 1);
}

static void peer_text(rec *r, uint16_t stream, uint32_t ppid, const char *text)
{
	char *copy = g_strdup(text);
	parley_dc_incoming(r->dc, stream, ppid, true, (uint8_t *)copy, strlen(copy));
	g_free(copy);
}

static void peer_opens_channel(void **state)
{
	rec *r = rec_new(false, 0);   /* we are the DTLS server: the peer opens even ids */
	parley_dc_association(r->dc, true);
	assert_string_equal(last(r->events), "writable");
	peer_open(r, 0, "chat", "json", false, PARLEY_DCEP_PARTIAL_REXMIT, 2);
	assert_string_equal(last(r->events), "open:chat:0");
	/* the ACK: one byte, DCEP, reliable and ordered, on the same stream */
	assert_int_equal(r->sent->len, 1);
	sent *ack = sent_at(r, 0);
	assert_int_equal(ack->stream, 0);
	assert_int_equal(ack->ppid, PARLEY_PPID_DCEP);
	assert_false(ack->options.unordered);
	assert_int_equal(ack->options.reliability, PARLEY_DCEP_RELIABLE);
	assert_int_equal(g_bytes_get_size(ack->data), 1);
	assert_int_equal(((const uint8_t *)g_bytes_get_data(ack->data, NULL))[0], 0x02);

	peer_text(r, 0, PARLEY_PPID_STRING, "hello");
	assert_string_equal(last(r->messages), "chat|t|hello");
	peer_text(r, 0, PARLEY_PPID_BINARY, "\x01\x02");
	assert_string_equal(last(r->messages), "chat|b|\x01\x02");
	peer_text(r, 0, PARLEY_PPID_STRING_EMPTY, " ");   /* the one byte of an empty message is not content */
	assert_string_equal(last(r->messages), "chat|t|");
	peer_text(r, 0, PARLEY_PPID_BINARY_EMPTY, " ");
	assert_string_equal(last(r->messages), "chat|b|");

	/* our messages on it follow its reliability: unordered, 2 retransmissions */
	char reason[256];
	assert_int_equal(parley_dc_send(r->dc, "chat", NULL, false, (const uint8_t *)"back", 4, reason,
	                                sizeof(reason)), 0);
	sent *m = sent_at(r, r->sent->len - 1);
	assert_int_equal(m->stream, 0);
	assert_int_equal(m->ppid, PARLEY_PPID_STRING);
	assert_true(m->options.unordered);
	assert_int_equal(m->options.reliability, PARLEY_DCEP_PARTIAL_REXMIT);
	assert_int_equal(m->options.reliability_parameter, 2);
	/* empty, both kinds: one zero byte with PPID 56 / 57 */
	assert_int_equal(parley_dc_send(r->dc, "chat", NULL, true, NULL, 0, reason, sizeof(reason)), 0);
	m = sent_at(r, r->sent->len - 1);
	assert_int_equal(m->ppid, PARLEY_PPID_BINARY_EMPTY);
	assert_int_equal(g_bytes_get_size(m->data), 1);
	assert_int_equal(parley_dc_send(r->dc, "chat", NULL, false, (const uint8_t *)"", 0, reason, sizeof(reason)), 0);
	assert_int_equal(sent_at(r, r->sent->len - 1)->ppid, PARLEY_PPID_STRING_EMPTY);

	parley_dc_counters n;
	parley_dc_get_counters(r->dc, &n);
	assert_int_equal(n.messages_in, 4);
	assert_int_equal(n.bytes_in, 7);
	assert_int_equal(n.messages_out, 3);
	assert_int_equal(n.opened, 1);
	json_t *info = parley_dc_info(r->dc);
	json_t *ch = json_array_get(json_object_get(info, "channels"), 0);
	assert_string_equal(json_string_value(json_object_get(ch, "label")), "chat");
	assert_string_equal(json_string_value(json_object_get(ch, "protocol")), "json");
	assert_string_equal(json_string_value(json_object_get(ch, "reliability")), "max-retransmits");
	assert_int_equal(json_integer_value(json_object_get(ch, "reliability-parameter")), 2);
	assert_string_equal(json_string_value(json_object_get(ch, "state")), "open");
	assert_int_equal(json_integer_value(json_object_get(ch, "messages-in")), 4);
	json_t *counters = json_object_get(info, "counters");
	assert_int_equal(json_object_size(counters), 13);
	assert_int_equal(json_integer_value(json_object_get(counters, "messages-in")), 4);
	assert_int_equal(json_integer_value(json_object_get(counters, "messages-out")), 3);
	assert_int_equal(json_integer_value(json_object_get(counters, "wrong-parity")), 0);
	json_decref(info);
	assert_int_equal(r->refusals->len, 0);
	rec_free(r);
}

static void we_open_channels(void **state)
{
	rec *r = rec_new(true, 0);   /* DTLS client: even ids */
	char reason[256] = "";
	/* nothing before the association is up */
	assert_int_equal(parley_dc_send(r->dc, "x", NULL, false, (const uint8_t *)"a", 1, reason, sizeof(reason)),
	                 PARLEY_DC_ERR_CLOSED);
	parley_dc_association(r->dc, true);
	parley_dc_open_options timed = { .protocol = "p", .unordered = true, .reliability = PARLEY_DCEP_PARTIAL_TIMED,
	                                 .reliability_parameter = 500 };
	assert_int_equal(parley_dc_send(r->dc, "x", &timed, false, (const uint8_t *)"a", 1, reason, sizeof(reason)), 0);
	assert_int_equal(r->sent->len, 2);
	sent *open = sent_at(r, 0);
	assert_int_equal(open->stream, 0);
	assert_int_equal(open->ppid, PARLEY_PPID_DCEP);
	assert_false(open->options.unordered);
	parley_dcep_message m;
	assert_int_equal(parley_dcep_parse(g_bytes_get_data(open->data, NULL), g_bytes_get_size(open->data), &m, NULL, 0), 0);
	assert_int_equal(m.type, PARLEY_DCEP_OPEN);
	assert_false(m.open.ordered);
	assert_int_equal(m.open.reliability, PARLEY_DCEP_PARTIAL_TIMED);
	assert_int_equal(m.open.reliability_parameter, 500);
	assert_memory_equal(m.open.label, "x", 1);
	assert_memory_equal(m.open.protocol, "p", 1);
	/* the data before the ACK goes ordered, with the channel's lifetime */
	sent *data = sent_at(r, 1);
	assert_int_equal(data->stream, 0);
	assert_false(data->options.unordered);
	assert_int_equal(data->options.reliability, PARLEY_DCEP_PARTIAL_TIMED);
	assert_int_equal(data->options.reliability_parameter, 500);
	assert_int_equal(r->events->len, 1);   /* only "writable": not open before the ACK */
	peer_ack(r, 0);
	assert_string_equal(last(r->events), "open:x:0");
	assert_int_equal(parley_dc_send(r->dc, "x", NULL, false, (const uint8_t *)"b", 1, reason, sizeof(reason)), 0);
	assert_true(sent_at(r, 2)->options.unordered);
	/* a second label: the next even id; NULL: the oldest open channel */
	assert_int_equal(parley_dc_send(r->dc, "y", NULL, true, (const uint8_t *)"c", 1, reason, sizeof(reason)), 0);
	assert_int_equal(sent_at(r, 3)->stream, 2);
	assert_int_equal(sent_at(r, 4)->stream, 2);
	assert_int_equal(sent_at(r, 4)->ppid, PARLEY_PPID_BINARY);
	assert_int_equal(parley_dc_send(r->dc, NULL, NULL, false, (const uint8_t *)"d", 1, reason, sizeof(reason)), 0);
	assert_int_equal(sent_at(r, 5)->stream, 0);
	/* data from the peer before its ACK acknowledges */
	peer_text(r, 2, PARLEY_PPID_STRING, "early");
	assert_string_equal(g_ptr_array_index(r->events, r->events->len - 1), "open:y:2");
	assert_string_equal(last(r->messages), "y|t|early");
	/* an ACK nobody waits for */
	peer_ack(r, 2);
	assert_non_null(strstr(last(r->refusals), "no OPEN of ours waits"));
	rec_free(r);
}

static void server_parity(void **state)
{
	rec *r = rec_new(false, 0);
	parley_dc_association(r->dc, true);
	char reason[256];
	assert_int_equal(parley_dc_send(r->dc, "a", NULL, false, (const uint8_t *)"1", 1, reason, sizeof(reason)), 0);
	assert_int_equal(parley_dc_send(r->dc, "b", NULL, false, (const uint8_t *)"2", 1, reason, sizeof(reason)), 0);
	assert_int_equal(sent_at(r, 0)->stream, 1);
	assert_int_equal(sent_at(r, 2)->stream, 3);
	/* the peer (client) opening an odd id, as aiortc does: taken, counted;
	 * our next channel skips it */
	peer_open(r, 5, "odd", "", true, PARLEY_DCEP_RELIABLE, 0);
	assert_string_equal(last(r->events), "open:odd:5");
	assert_int_equal(parley_dc_send(r->dc, "c", NULL, false, (const uint8_t *)"3", 1, reason, sizeof(reason)), 0);
	assert_int_equal(sent_at(r, r->sent->len - 1)->stream, 7);
	parley_dc_counters n;
	parley_dc_get_counters(r->dc, &n);
	assert_int_equal(n.wrong_parity, 1);
	/* a stream a channel has is not taken again */
	peer_open(r, 1, "dup", "", true, PARLEY_DCEP_RELIABLE, 0);
	assert_non_null(strstr(last(r->refusals), "which a channel uses"));
	assert_int_equal(r->resets->len, 0);
	/* a label over the limit: refused and the stream reset */
	char *long_label = g_strnfill(PARLEY_DC_MAX_LABEL + 1, 'l');
	peer_open(r, 8, long_label, "", true, PARLEY_DCEP_RELIABLE, 0);
	g_free(long_label);
	assert_non_null(strstr(last(r->refusals), "over 1024 bytes"));
	assert_int_equal(r->resets->len, 1);
	assert_int_equal(g_array_index(r->resets, uint16_t, 0), 8);
	rec_free(r);
}

static void sizes(void **state)
{
	rec *r = rec_new(false, 1000);
	parley_dc_association(r->dc, true);
	peer_open(r, 0, "s", "", true, PARLEY_DCEP_RELIABLE, 0);
	char reason[256];
	uint8_t big[2000];
	memset(big, 'z', sizeof(big));
	/* the peer wrote no a=max-message-size: 64 KiB, ours (1000) is smaller */
	assert_int_equal(parley_dc_max_send_size(r->dc), 1000);
	parley_dc_set_remote_max_message_size(r->dc, 500);
	assert_int_equal(parley_dc_max_send_size(r->dc), 500);
	assert_int_equal(parley_dc_send(r->dc, "s", NULL, true, big, 501, reason, sizeof(reason)), PARLEY_DC_ERR_TOO_LARGE);
	assert_non_null(strstr(reason, "501 bytes is over the maximum message size (500"));
	assert_non_null(strstr(last(r->refusals), "out -2"));
	assert_int_equal(parley_dc_send(r->dc, "s", NULL, true, big, 500, reason, sizeof(reason)), 0);
	parley_dc_set_remote_max_message_size(r->dc, 0);   /* no limit: ours */
	assert_int_equal(parley_dc_send(r->dc, "s", NULL, true, big, 1000, reason, sizeof(reason)), 0);
	assert_int_equal(parley_dc_send(r->dc, "s", NULL, true, big, 1001, reason, sizeof(reason)), PARLEY_DC_ERR_TOO_LARGE);
	/* a message over the limit opens no channel */
	size_t sent_before = r->sent->len;
	assert_int_equal(parley_dc_send(r->dc, "new", NULL, true, big, 1001, reason, sizeof(reason)), PARLEY_DC_ERR_TOO_LARGE);
	assert_int_equal(r->sent->len, sent_before);

	/* incoming: whole and over the limit */
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_BINARY, true, big, 1001);
	assert_non_null(strstr(last(r->refusals), "1001 bytes on \"s\" is over our maximum message size (1000)"));
	/* in pieces: dropped as it comes, reported once */
	guint refusals = r->refusals->len;
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_BINARY, false, big, 600);
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_BINARY, false, big, 600);
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_BINARY, true, big, 600);
	assert_int_equal(r->refusals->len, refusals + 1);
	assert_non_null(strstr(last(r->refusals), "passed 1000 bytes"));
	assert_int_equal(r->messages->len, 0);
	/* the channel is still usable, at the limit exactly */
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_BINARY, false, big, 500);
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_BINARY, true, big, 500);
	assert_int_equal(r->messages->len, 1);
	parley_dc_counters n;
	parley_dc_get_counters(r->dc, &n);
	assert_int_equal(n.too_large_in, 2);
	assert_int_equal(n.too_large_out, 3);
	assert_int_equal(n.bytes_in, 1000);
	rec_free(r);
}

static void reassembly(void **state)
{
	rec *r = rec_new(false, 0);
	parley_dc_association(r->dc, true);
	peer_open(r, 0, "r", "", true, PARLEY_DCEP_RELIABLE, 0);
	peer_open(r, 2, "q", "", true, PARLEY_DCEP_RELIABLE, 0);
	char *parts[] = { g_strdup("abc"), g_strdup("def"), g_strdup("gh") };
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_STRING, false, (uint8_t *)parts[0], 3);
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_STRING, false, (uint8_t *)parts[1], 3);
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_STRING, true, (uint8_t *)parts[2], 2);
	assert_string_equal(last(r->messages), "r|t|abcdefgh");
	/* a piece of another message: the unfinished one is dropped */
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_STRING, false, (uint8_t *)parts[0], 3);
	parley_dc_incoming(r->dc, 2, PARLEY_PPID_BINARY, true, (uint8_t *)parts[1], 3);
	assert_string_equal(last(r->messages), "q|b|def");
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_STRING, false, (uint8_t *)parts[0], 3);
	parley_dc_partial_aborted(r->dc);
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_STRING, true, (uint8_t *)parts[2], 2);
	assert_string_equal(last(r->messages), "r|t|gh");
	/* a DCEP OPEN in pieces */
	parley_dcep_open open = { .ordered = true, .reliability = PARLEY_DCEP_RELIABLE, .label = "pieces",
	                          .label_length = 6 };
	uint8_t buffer[64];
	size_t size = parley_dcep_write_open(&open, buffer, sizeof(buffer));
	parley_dc_incoming(r->dc, 4, PARLEY_PPID_DCEP, false, buffer, 5);
	parley_dc_incoming(r->dc, 4, PARLEY_PPID_DCEP, true, buffer + 5, size - 5);
	assert_string_equal(last(r->events), "open:pieces:4");
	for (int i = 0; i < 3; i++)
		g_free(parts[i]);
	rec_free(r);
}

static void refusals(void **state)
{
	rec *r = rec_new(true, 0);   /* client: the peer opens odd ids */
	parley_dc_association(r->dc, true);
	/* a malformed OPEN on a free stream: refused, the stream reset */
	uint8_t bad[] = { 0x03, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	parley_dc_incoming(r->dc, 1, PARLEY_PPID_DCEP, true, bad, sizeof(bad));
	assert_non_null(strstr(last(r->refusals), "unknown channel type 0x05"));
	assert_int_equal(r->resets->len, 1);
	uint8_t junk[] = { 0x09 };
	parley_dc_incoming(r->dc, 3, PARLEY_PPID_DCEP, true, junk, 1);
	assert_non_null(strstr(last(r->refusals), "unknown DCEP message type"));
	assert_int_equal(r->resets->len, 1);
	/* user messages: on no channel, with a deprecated or unknown PPID */
	peer_text(r, 7, PARLEY_PPID_STRING, "lost");
	assert_non_null(strstr(last(r->refusals), "no channel is open"));
	peer_open(r, 7, "ok", "", true, PARLEY_DCEP_RELIABLE, 0);
	peer_text(r, 7, PARLEY_PPID_STRING_PARTIAL, "old");
	assert_non_null(strstr(last(r->refusals), "PPID 54"));
	peer_text(r, 7, 99, "odd");
	assert_non_null(strstr(last(r->refusals), "PPID 99"));
	peer_text(r, 2000, PARLEY_PPID_STRING, "far");
	assert_non_null(strstr(last(r->refusals), "over our 1024"));
	/* labels we refuse to open */
	char reason[256];
	assert_int_equal(parley_dc_send(r->dc, "\xc3\x28", NULL, false, (const uint8_t *)"x", 1, reason, sizeof(reason)),
	                 PARLEY_DC_ERR_INVALID);
	char *long_label = g_strnfill(PARLEY_DC_MAX_LABEL + 1, 'l');
	assert_int_equal(parley_dc_send(r->dc, long_label, NULL, false, (const uint8_t *)"x", 1, reason, sizeof(reason)),
	                 PARLEY_DC_ERR_INVALID);
	g_free(long_label);
	parley_dc_counters n;
	parley_dc_get_counters(r->dc, &n);
	assert_int_equal(n.dcep_errors, 2);
	assert_int_equal(n.bad_ppid, 2);
	assert_int_equal(n.unknown_stream, 2);
	assert_int_equal(n.messages_in, 0);
	rec_free(r);
}

static void closing(void **state)
{
	rec *r = rec_new(false, 0);
	parley_dc_association(r->dc, true);
	peer_open(r, 0, "a", "", true, PARLEY_DCEP_RELIABLE, 0);
	/* the peer closes: CLOSED, our outgoing stream reset in turn */
	uint16_t zero = 0;
	parley_dc_streams_reset(r->dc, &zero, 1, true);
	assert_string_equal(last(r->events), "closed:a:0");
	assert_int_equal(r->resets->len, 1);
	assert_int_equal(g_array_index(r->resets, uint16_t, 0), 0);
	/* nothing goes out on it meanwhile, and the id is not reused yet */
	peer_open(r, 0, "again", "", true, PARLEY_DCEP_RELIABLE, 0);
	assert_non_null(strstr(last(r->refusals), "which a channel uses"));
	/* our reset done: the id is free */
	parley_dc_streams_reset(r->dc, &zero, 1, false);
	peer_open(r, 0, "again", "", true, PARLEY_DCEP_RELIABLE, 0);
	assert_string_equal(last(r->events), "open:again:0");

	/* we close: reset, CLOSED at once; a message to the label opens anew */
	char reason[256];
	assert_int_equal(parley_dc_close(r->dc, "again"), 0);
	assert_string_equal(last(r->events), "closed:again:0");
	assert_int_equal(r->resets->len, 2);
	assert_int_equal(parley_dc_close(r->dc, "again"), PARLEY_DC_ERR_NO_CHANNEL);
	assert_int_equal(parley_dc_send(r->dc, "again", NULL, false, (const uint8_t *)"x", 1, reason, sizeof(reason)), 0);
	assert_int_equal(sent_at(r, r->sent->len - 1)->stream, 1);
	/* the peer's messages on a closed channel are not delivered */
	peer_text(r, 0, PARLEY_PPID_STRING, "late");
	assert_non_null(strstr(last(r->refusals), "no channel is open"));
	/* both directions of stream 0 reset: free again */
	parley_dc_streams_reset(r->dc, &zero, 1, false);
	parley_dc_streams_reset(r->dc, &zero, 1, true);
	peer_open(r, 0, "third", "", true, PARLEY_DCEP_RELIABLE, 0);
	assert_string_equal(last(r->events), "open:third:0");
	/* "every stream" (no list) */
	guint before = r->events->len;
	parley_dc_streams_reset(r->dc, NULL, 0, true);
	assert_int_equal(r->events->len, before + 2);
	assert_string_equal(g_ptr_array_index(r->events, before), "closed:third:0");
	assert_string_equal(g_ptr_array_index(r->events, before + 1), "closed:again:1");
	parley_dc_counters n;
	parley_dc_get_counters(r->dc, &n);
	assert_int_equal(n.opened, 4);
	assert_int_equal(n.closed, 4);
	rec_free(r);
}

static void busy_and_writable(void **state)
{
	rec *r = rec_new(false, 0);
	parley_dc_association(r->dc, true);
	peer_open(r, 0, "b", "", true, PARLEY_DCEP_RELIABLE, 0);
	guint events = r->events->len;
	parley_dc_writable(r->dc);   /* nothing was refused: nothing to say */
	assert_int_equal(r->events->len, events);
	r->send_result = PARLEY_DC_ERR_BUSY;
	char reason[256];
	assert_int_equal(parley_dc_send(r->dc, "b", NULL, false, (const uint8_t *)"x", 1, reason, sizeof(reason)),
	                 PARLEY_DC_ERR_BUSY);
	r->send_result = 0;
	parley_dc_writable(r->dc);
	assert_string_equal(last(r->events), "writable");
	parley_dc_writable(r->dc);
	assert_int_equal(r->events->len, events + 1);
	parley_dc_counters n;
	parley_dc_get_counters(r->dc, &n);
	assert_int_equal(n.busy, 1);
	rec_free(r);
}

static void association_down(void **state)
{
	rec *r = rec_new(true, 0);
	parley_dc_association(r->dc, true);
	peer_open(r, 1, "one", "", true, PARLEY_DCEP_RELIABLE, 0);
	peer_open(r, 3, "two", "", true, PARLEY_DCEP_RELIABLE, 0);
	uint64_t open_before = parley_dc_open_channels();
	parley_dc_association(r->dc, false);
	assert_int_equal(parley_dc_open_channels(), open_before - 2);
	bool one = false, two = false;
	for (guint i = 0; i < r->events->len; i++) {
		one |= !strcmp(g_ptr_array_index(r->events, i), "closed:one:1");
		two |= !strcmp(g_ptr_array_index(r->events, i), "closed:two:3");
	}
	assert_true(one && two);
	char reason[256];
	assert_int_equal(parley_dc_send(r->dc, "one", NULL, false, (const uint8_t *)"x", 1, reason, sizeof(reason)),
	                 PARLEY_DC_ERR_CLOSED);
	rec_free(r);
}

static void out_of_streams(void **state)
{
	rec *r = rec_new(true, 0);
	parley_dc_association(r->dc, true);
	char reason[256], label[16];
	for (int i = 0; i < PARLEY_DC_MAX_STREAMS / 2; i++) {
		snprintf(label, sizeof(label), "c%d", i);
		assert_int_equal(parley_dc_send(r->dc, label, NULL, false, (const uint8_t *)"x", 1, reason, sizeof(reason)), 0);
	}
	assert_int_equal(parley_dc_send(r->dc, "one more", NULL, false, (const uint8_t *)"x", 1, reason, sizeof(reason)),
	                 PARLEY_DC_ERR_LIMIT);
	assert_non_null(strstr(reason, "every even stream id below 1024 is in use"));
	rec_free(r);
}

static void freed_in_callback(void **state)
{
	rec *r = rec_new(false, 0);
	parley_dc_association(r->dc, true);
	peer_open(r, 0, "f", "", true, PARLEY_DCEP_RELIABLE, 0);
	r->free_in_callback = true;
	char *a = g_strdup("abc"), *b = g_strdup("de");
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_STRING, false, (uint8_t *)a, 3);
	parley_dc_incoming(r->dc, 0, PARLEY_PPID_STRING, true, (uint8_t *)b, 2);   /* frees the layer inside */
	assert_null(r->dc);
	assert_string_equal(last(r->messages), "f|t|abcde");
	g_free(a);
	g_free(b);
	rec_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(peer_opens_channel),
		cmocka_unit_test(we_open_channels),
		cmocka_unit_test(server_parity),
		cmocka_unit_test(sizes),
		cmocka_unit_test(reassembly),
		cmocka_unit_test(refusals),
		cmocka_unit_test(closing),
		cmocka_unit_test(busy_and_writable),
		cmocka_unit_test(association_down),
		cmocka_unit_test(out_of_streams),
		cmocka_unit_test(freed_in_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
