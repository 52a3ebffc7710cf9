/*
 * fuzz_datachannel.c — libFuzzer target for what a peer's SCTP
 * association hands the data channel layer after DTLS and SCTP
 * (core/media/datachannel.c with core/media/dcep.c): message pieces on
 * any stream with any PPID (DCEP OPEN/ACK and their refusals, text,
 * binary, empty, deprecated and unknown PPIDs, reassembly, the size
 * limit), stream resets either way, the association going up and down,
 * the send buffer filling, and our own sends and closes in between (so
 * channels of both sides meet whatever the peer sends).
 *
 * Input: byte 0 sets the layer up — bit 0: we are the DTLS client; bits
 * 1-3: our maximum message size, 1024 << n. Then records, each starting
 * with an op byte whose low 3 bits say what follows:
 *   0, 1  a piece (1: the last of its message): stream (2 bytes, BE),
 *         PPID selector (1: 50 51 53 56 57 52 54 99 by its low 3 bits),
 *         length (2, BE), that many bytes
 *   2     streams reset: flags (1: bit 0 incoming, bit 1 every stream),
 *         stream (2)
 *   3     the association: up (1: bit 0)
 *   4     the send buffer has room; 5 a partial message aborted
 *   6     we send: flags (1: bit 0 binary, bit 1 the transport answers
 *         BUSY, bits 2-3 reliability, bit 4 unordered), label length (1),
 *         label, length (2), bytes
 *   7     we close: label length (1), label (0: every channel)
 * A record cut short ends the input.
 *
 * Built with -DPARLEY_FUZZ_DATACHANNEL_GENERATE it is instead a program
 * that writes the seed corpus into the folder argv[1].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/media/datachannel.h"

static const uint32_t ppids[8] = { 50, 51, 53, 56, 57, 52, 54, 99 };

#ifndef PARLEY_FUZZ_DATACHANNEL_GENERATE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool busy;
static volatile uint64_t sink;

static int t_send(void *t, uint16_t stream, uint32_t ppid, const parley_dc_send_options *options, const uint8_t *data,
                  size_t length)
{
	for (size_t i = 0; i < length; i++)
		sink += data[i];
	return busy ? PARLEY_DC_ERR_BUSY : 0;
}

static int t_reset(void *t, uint16_t stream)
{
	sink += stream;
	return 0;
}

static const parley_dc_transport transport = { .send = t_send, .reset = t_reset };

static void cb_message(void *u, const parley_dc_channel_view *ch, bool binary, uint8_t *data, size_t length)
{
	for (size_t i = 0; i < length; i++)
		sink += data[i];
	sink += strlen(ch->label) + strlen(ch->protocol);
}

static void cb_channel(void *u, const parley_dc_channel_view *ch, parley_dc_event event)
{
	sink += ch ? strlen(ch->label) + ch->stream : event;
}

static void cb_refused(void *u, const parley_dc_refusal *r)
{
	sink += strlen(r->reason) + (r->label ? strlen(r->label) : 0);
}

static const parley_dc_callbacks callbacks = { .message = cb_message, .channel = cb_channel, .refused = cb_refused };

typedef struct reader {
	const uint8_t *p;
	size_t left;
} reader;

static bool take(reader *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return false;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

static bool u8(reader *r, uint8_t *v)
{
	const uint8_t *p;
	if (!take(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

static bool u16(reader *r, uint16_t *v)
{
	const uint8_t *p;
	if (!take(r, 2, &p))
		return false;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	return true;
}

/* A label of `n` bytes, NUL-terminated in `out`. */
static bool label(reader *r, char *out, size_t capacity)
{
	uint8_t n;
	const uint8_t *p;
	if (!u8(r, &n) || !take(r, n, &p) || n >= capacity)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static bool record(parley_dc *dc, reader *r)
{
	uint8_t op, flags, up, selector;
	uint16_t stream, length;
	const uint8_t *bytes;
	char name[256];
	switch (u8(r, &op) ? op & 7 : 8) {
	case 0:
	case 1: {
		if (!u16(r, &stream) || !u8(r, &selector) || !u16(r, &length) || !take(r, length, &bytes))
			return false;
		/* the layer may write into what it is handed: give it a copy */
		uint8_t *copy = malloc(length ? length : 1);
		memcpy(copy, bytes, length);
		parley_dc_incoming(dc, stream, ppids[selector & 7], (op & 7) == 1, copy, length);
		free(copy);
		return true;
	}
	case 2:
		if (!u8(r, &flags) || !u16(r, &stream))
			return false;
		parley_dc_streams_reset(dc, &stream, flags & 2 ? 0 : 1, flags & 1);
		return true;
	case 3:
		if (!u8(r, &up))
			return false;
		parley_dc_association(dc, up & 1);
		return true;
	case 4:
		parley_dc_writable(dc);
		return true;
	case 5:
		parley_dc_partial_aborted(dc);
		return true;
	case 6: {
		if (!u8(r, &flags) || !label(r, name, sizeof(name)) || !u16(r, &length) || !take(r, length, &bytes))
			return false;
		parley_dc_open_options open = { .protocol = "fuzz", .unordered = flags & 16,
		                                .reliability = (parley_dcep_reliability)((flags >> 2) & 3),
		                                .reliability_parameter = length };
		char reason[256];
		busy = flags & 2;
		parley_dc_send(dc, name[0] ? name : NULL, &open, flags & 1, bytes, length, reason, sizeof(reason));
		busy = false;
		return true;
	}
	case 7:
		if (!label(r, name, sizeof(name)))
			return false;
		parley_dc_close(dc, name[0] ? name : NULL);
		return true;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	parley_dc_settings settings = { .dtls_client = data[0] & 1, .max_message_size = (size_t)1024 << ((data[0] >> 1) & 7) };
	parley_dc *dc = parley_dc_new(&settings, &transport, NULL, &callbacks, NULL);
	parley_dc_association(dc, true);
	reader r = { data + 1, size - 1 };
	for (int n = 0; n < 4096 && record(dc, &r); n++)
		;
	parley_dc_free(dc);
	return 0;
}

#else /* PARLEY_FUZZ_DATACHANNEL_GENERATE: write the seed corpus */

typedef struct seed {
	uint8_t bytes[8192];
	size_t n;
} seed;

static void put(seed *s, const void *p, size_t n)
{
	if (s->n + n > sizeof(s->bytes))
		abort();
	memcpy(s->bytes + s->n, p, n);
	s->n += n;
}

static void put8(seed *s, uint8_t v) { put(s, &v, 1); }
static void put16(seed *s, uint16_t v) { put8(s, (uint8_t)(v >> 8)); put8(s, (uint8_t)v); }

static uint8_t selector(uint32_t ppid)
{
	for (uint8_t i = 0; i < 8; i++)
		if (ppids[i] == ppid)
			return i;
	abort();
}

static void piece(seed *s, bool complete, uint16_t stream, uint32_t ppid, const void *data, uint16_t length)
{
	put8(s, complete ? 1 : 0);
	put16(s, stream);
	put8(s, selector(ppid));
	put16(s, length);
	put(s, data, length);
}

static void open_message(seed *s, uint16_t stream, const char *label, const char *protocol, bool ordered,
                         parley_dcep_reliability reliability, uint32_t parameter)
{
	parley_dcep_open open = { .ordered = ordered, .reliability = reliability, .reliability_parameter = parameter,
	                          .priority = 256, .label = label, .label_length = (uint16_t)strlen(label),
	                          .protocol = protocol, .protocol_length = (uint16_t)strlen(protocol) };
	uint8_t buffer[2100];
	size_t n = parley_dcep_write_open(&open, buffer, sizeof(buffer));
	piece(s, true, stream, PARLEY_PPID_DCEP, buffer, (uint16_t)n);
}

static void our_send(seed *s, uint8_t flags, const char *label, const char *data)
{
	put8(s, 6);
	put8(s, flags);
	put8(s, (uint8_t)strlen(label));
	put(s, label, strlen(label));
	put16(s, (uint16_t)strlen(data));
	put(s, data, strlen(data));
}

static void write_seed(const char *dir, const char *name, const seed *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(s->bytes, 1, s->n, f) != s->n || fclose(f) != 0)
		abort();
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	const char *dir = argv[1];
	seed s;

	/* the peer opens a channel (server side: even id) and talks */
	s = (seed){ .n = 0 };
	put8(&s, 0x02);   /* server, 2 KiB */
	open_message(&s, 0, "chat", "json", true, PARLEY_DCEP_RELIABLE, 0);
	piece(&s, true, 0, PARLEY_PPID_STRING, "hello", 5);
	piece(&s, true, 0, PARLEY_PPID_BINARY, "\x01\x02\x03", 3);
	piece(&s, true, 0, PARLEY_PPID_STRING_EMPTY, "\0", 1);
	piece(&s, true, 0, PARLEY_PPID_BINARY_EMPTY, "\0", 1);
	our_send(&s, 0, "chat", "back");
	write_seed(dir, "peer-opens", &s);

	/* we open channels (client: even ids), the peer acks one, data acks the other */
	s = (seed){ .n = 0 };
	put8(&s, 0x01);
	our_send(&s, 0x10 | (1 << 2), "ours", "first");
	our_send(&s, 0x01 | (2 << 2), "timed", "bin");
	piece(&s, true, 0, PARLEY_PPID_DCEP, "\x02", 1);
	piece(&s, true, 2, PARLEY_PPID_STRING, "early", 5);
	piece(&s, true, 2, PARLEY_PPID_DCEP, "\x02", 1);
	our_send(&s, 0, "", "to the oldest");
	write_seed(dir, "we-open", &s);

	/* a message in pieces, one over the limit in pieces, one aborted */
	s = (seed){ .n = 0 };
	put8(&s, 0x00);   /* server, 1 KiB */
	open_message(&s, 0, "pieces", "", false, PARLEY_DCEP_PARTIAL_REXMIT, 3);
	piece(&s, false, 0, PARLEY_PPID_BINARY, "abc", 3);
	piece(&s, true, 0, PARLEY_PPID_BINARY, "def", 3);
	static uint8_t big[700];
	memset(big, 'z', sizeof(big));
	piece(&s, false, 0, PARLEY_PPID_STRING, big, sizeof(big));
	piece(&s, false, 0, PARLEY_PPID_STRING, big, sizeof(big));
	piece(&s, true, 0, PARLEY_PPID_STRING, big, 10);
	piece(&s, false, 0, PARLEY_PPID_STRING, "lost", 4);
	put8(&s, 5);
	piece(&s, true, 0, PARLEY_PPID_STRING, "after", 5);
	write_seed(dir, "pieces", &s);

	/* DCEP refusals: bad type, channel type, lengths, on a used stream, a
	 * stray ACK, deprecated and unknown PPIDs, a far stream */
	s = (seed){ .n = 0 };
	put8(&s, 0x01);
	piece(&s, true, 1, PARLEY_PPID_DCEP, "\x09", 1);
	piece(&s, true, 3, PARLEY_PPID_DCEP, "\x03\x05\0\0\0\0\0\0\0\0\0\0", 12);
	piece(&s, true, 5, PARLEY_PPID_DCEP, "\x03\x00\0\0\0\0\0\0\0\x09\0\0ab", 14);
	open_message(&s, 7, "ok", "", true, PARLEY_DCEP_RELIABLE, 0);
	open_message(&s, 7, "again", "", true, PARLEY_DCEP_RELIABLE, 0);
	piece(&s, true, 9, PARLEY_PPID_DCEP, "\x02", 1);
	piece(&s, true, 7, PARLEY_PPID_STRING_PARTIAL, "old", 3);
	piece(&s, true, 7, 99, "odd", 3);
	piece(&s, true, 4000, PARLEY_PPID_STRING, "far", 3);
	open_message(&s, 2, "our parity", "", true, PARLEY_DCEP_PARTIAL_TIMED, 1500);
	write_seed(dir, "refusals", &s);

	/* closing both ways, resets of every stream, the association down and up */
	s = (seed){ .n = 0 };
	put8(&s, 0x02);
	open_message(&s, 0, "a", "", true, PARLEY_DCEP_RELIABLE, 0);
	open_message(&s, 2, "b", "", true, PARLEY_DCEP_RELIABLE, 0);
	put8(&s, 2); put8(&s, 1); put16(&s, 0);          /* the peer resets 0 */
	put8(&s, 2); put8(&s, 0); put16(&s, 0);          /* our reset of 0 done */
	open_message(&s, 0, "a2", "", true, PARLEY_DCEP_RELIABLE, 0);
	put8(&s, 7); put8(&s, 1); put(&s, "b", 1);        /* we close b */
	our_send(&s, 0, "b", "reopens");
	put8(&s, 2); put8(&s, 3); put16(&s, 0);          /* every stream, incoming */
	put8(&s, 3); put8(&s, 0);                        /* association down */
	our_send(&s, 0, "x", "refused");
	put8(&s, 3); put8(&s, 1);                        /* up again */
	our_send(&s, 0x02, "busy", "full");
	put8(&s, 4);
	write_seed(dir, "closing", &s);
	return 0;
}

#endif
