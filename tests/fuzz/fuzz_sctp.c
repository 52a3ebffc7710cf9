/*
 * fuzz_sctp.c — libFuzzer target for what arrives after DTLS on a
 * PeerConnection with data channels: SCTP packets into a live usrsctp
 * association (core/media/sctp.c) with the data channel layer on top
 * (core/media/datachannel.c, dcep.c). Two associations, A and B, run back
 * to back on one loop (an in-memory wire carries their packets); A has
 * opened a channel "fuzz" to B. Each input is turned into one packet for
 * B: the SCTP common header that gets past B's checks (ports 5000, the
 * verification tag A uses, CRC32c computed over the result) followed by
 * the input as chunks — DATA with DCEP or messages, SACK, HEARTBEAT,
 * RE-CONFIG, FORWARD-TSN, ABORT, ... — so usrsctp's input path, our
 * callbacks, queues and notification parsing, and the channel layer all
 * see it. The wire then runs both ways until quiet. A pair that an input
 * tore down (ABORT, ...) is made anew for the next input.
 *
 * Input: byte 0 bit 0 set = the rest is a whole packet (its header kept,
 * only the CRC32c fixed); else the rest are chunks after our header.
 *
 * Built with -DPARLEY_FUZZ_SCTP_GENERATE it is instead a program that
 * writes the seed corpus into the folder argv[1]: the chunks of every
 * packet A sends B while it opens channels, sends text, binary, a message
 * of many packets, unordered and partially reliable ones, and closes a
 * channel (stream reset).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <glib.h>
#include <usrsctp.h>
#include "core/media/datachannel.h"
#include "core/media/sctp.h"

#define HEADER 12

typedef struct side {
	parley_sctp *sctp;
	parley_dc *dc;
	struct side *peer;
	bool up;
	bool down;
} side;

static GMainContext *context;
static side a, b;
static GQueue wire = G_QUEUE_INIT;   /* packet: 1 byte "to B", then the packet */
static uint32_t vtag_to_b;            /* the tag A's packets to B carry */
static bool have_vtag;
static volatile uint64_t sink;
#ifdef PARLEY_FUZZ_SCTP_GENERATE
static const char *seed_dir;
static unsigned seeds;
#endif

static void on_output(void *u, const uint8_t *data, size_t length)
{
	side *s = u;
	if (s == &a && length > HEADER && data[HEADER] != 1 /* not INIT: its tag is 0 */) {
		memcpy(&vtag_to_b, data + 4, 4);
		have_vtag = true;
#ifdef PARLEY_FUZZ_SCTP_GENERATE
		char path[4096];
		snprintf(path, sizeof(path), "%s/a-to-b-%03u", seed_dir, seeds++);
		FILE *f = fopen(path, "wb");
		uint8_t mode = 0;
		if (!f || fwrite(&mode, 1, 1, f) != 1 || fwrite(data + HEADER, 1, length - HEADER, f) != length - HEADER ||
		    fclose(f) != 0)
			abort();
#endif
	}
	uint8_t *copy = g_malloc(length + 1);
	copy[0] = s == &a;
	memcpy(copy + 1, data, length);
	g_queue_push_tail(&wire, g_bytes_new_take(copy, length + 1));
}

static void on_data(void *u, uint16_t stream, uint32_t ppid, bool complete, uint8_t *data, size_t length)
{
	parley_dc_incoming(((side *)u)->dc, stream, ppid, complete, data, length);
}

static void on_partial_aborted(void *u)
{
	parley_dc_partial_aborted(((side *)u)->dc);
}

static void on_streams_reset(void *u, const uint16_t *streams, size_t n, bool incoming)
{
	parley_dc_streams_reset(((side *)u)->dc, streams, n, incoming);
}

static void on_state(void *u, bool up)
{
	side *s = u;
	if (up)
		s->up = true;
	else
		s->down = true;
	parley_dc_association(s->dc, up);
}

static void on_writable(void *u)
{
	parley_dc_writable(((side *)u)->dc);
}

static const parley_sctp_callbacks sctp_callbacks = {
	.output = on_output, .data = on_data, .partial_aborted = on_partial_aborted,
	.streams_reset = on_streams_reset, .state = on_state, .writable = on_writable,
};

static void dc_message(void *u, const parley_dc_channel_view *ch, bool binary, uint8_t *data, size_t length)
{
	for (size_t i = 0; i < length; i++)
		sink += data[i];
}

static void dc_channel(void *u, const parley_dc_channel_view *ch, parley_dc_event event)
{
	sink += ch ? strlen(ch->label) : event;
}

static void dc_refused(void *u, const parley_dc_refusal *r)
{
	sink += strlen(r->reason);
}

static const parley_dc_callbacks dc_callbacks = { .message = dc_message, .channel = dc_channel, .refused = dc_refused };

/* Carries packets both ways until the wire is quiet (bounded). */
static void pump(void)
{
	for (int i = 0; i < 2000; i++) {
		GBytes *packet = g_queue_pop_head(&wire);
		if (!packet) {
			if (!g_main_context_iteration(context, FALSE))
				break;
			continue;
		}
		gsize n;
		const uint8_t *p = g_bytes_get_data(packet, &n);
		side *to = p[0] ? &b : &a;
		if (to->sctp)
			parley_sctp_input(to->sctp, p + 1, n - 1);
		g_bytes_unref(packet);
	}
}

static void side_start(side *s, bool client)
{
	char err[256];
	parley_sctp_options options = { .max_message_size = 65536 };
	s->up = s->down = false;
	s->sctp = parley_sctp_new(context, &options, &sctp_callbacks, s, err, sizeof(err));
	if (!s->sctp)
		abort();
	parley_dc_settings settings = { .dtls_client = client, .max_message_size = 65536 };
	s->dc = parley_dc_new(&settings, &parley_sctp_dc_transport, s->sctp, &dc_callbacks, s);
}

static void side_stop(side *s)
{
	parley_sctp_free(s->sctp);
	s->sctp = NULL;
	parley_dc_free(s->dc);
	s->dc = NULL;
}

static void pair_start(void)
{
	have_vtag = false;
	side_start(&a, true);
	side_start(&b, false);
	pump();
	char reason[256];
	if (!a.up || !b.up || parley_dc_send(a.dc, "fuzz", NULL, false, (const uint8_t *)"hello", 5, reason,
	                                     sizeof(reason)) != 0)
		abort();
	pump();
}

static void pair_stop(void)
{
	side_stop(&a);
	side_stop(&b);
	for (GBytes *p; (p = g_queue_pop_head(&wire));)
		g_bytes_unref(p);
}

static void setup_once(void)
{
	context = g_main_context_new();
	g_main_context_acquire(context);
	a.peer = &b;
	b.peer = &a;
	pair_start();
}

#ifndef PARLEY_FUZZ_SCTP_GENERATE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		setup_once();
		ready = true;
	}
	if (size < 1 || size > 4096)
		return 0;
	if (a.down || b.down || !have_vtag) {
		pair_stop();
		pair_start();
	}
	bool whole = data[0] & 1;
	size_t length = whole ? size - 1 : HEADER + size - 1;
	if (length < HEADER)
		return 0;
	uint8_t *packet = malloc(length);
	if (whole) {
		memcpy(packet, data + 1, length);
	} else {
		uint16_t port = htons(PARLEY_SCTP_DEFAULT_PORT);
		memcpy(packet, &port, 2);
		memcpy(packet + 2, &port, 2);
		memcpy(packet + 4, &vtag_to_b, 4);
		memcpy(packet + HEADER, data + 1, size - 1);
	}
	memset(packet + 8, 0, 4);
	uint32_t crc = usrsctp_crc32c(packet, length);
	memcpy(packet + 8, &crc, 4);
	parley_sctp_input(b.sctp, packet, length);
	free(packet);
	pump();
	return 0;
}

#else /* PARLEY_FUZZ_SCTP_GENERATE */

static void send_on(side *s, const char *label, const parley_dc_open_options *open, bool binary, size_t length)
{
	uint8_t *data = malloc(length ? length : 1);
	memset(data, 'g', length);
	char reason[256];
	if (parley_dc_send(s->dc, label, open, binary, data, length, reason, sizeof(reason)) != 0)
		abort();
	free(data);
	pump();
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	seed_dir = argv[1];
	setup_once();   /* the handshake, the OPEN of "fuzz" and its first message */
	parley_dc_open_options unordered = { .unordered = true, .reliability = PARLEY_DCEP_PARTIAL_REXMIT,
	                                     .reliability_parameter = 2 };
	parley_dc_open_options timed = { .protocol = "p", .reliability = PARLEY_DCEP_PARTIAL_TIMED,
	                                 .reliability_parameter = 100 };
	send_on(&a, "fuzz", NULL, true, 3);
	send_on(&a, "fuzz", NULL, false, 0);
	send_on(&a, "fuzz", NULL, true, 3000);
	send_on(&a, "fast", &unordered, true, 10);
	send_on(&a, "timed", &timed, false, 10);
	if (parley_dc_close(a.dc, "fuzz") != 0)
		abort();
	pump();
	pair_stop();
	printf("%u seeds\n", seeds);
	return 0;
}

#endif
