/*
 * dcep.c — DCEP messages (RFC 8832 §5) read and written by hand, and the
 * data channel PPIDs (RFC 8831 §8). Written by hand because the format is
 * two messages, one of them twelve fixed bytes followed by two
 * length-prefixed strings: a table of offsets reads it more plainly than
 * any generated or general parser would, and every check a peer can fail
 * (lengths that disagree with the datagram, an unknown channel type, a
 * label that is not UTF-8) gets its own reason here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "dcep.h"

/* Offsets in DATA_CHANNEL_OPEN. */
enum {
	OFF_TYPE = 0,
	OFF_CHANNEL_TYPE = 1,
	OFF_PRIORITY = 2,
	OFF_RELIABILITY = 4,
	OFF_LABEL_LENGTH = 8,
	OFF_PROTOCOL_LENGTH = 10,
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

__attribute__((format(printf, 4, 5)))
static int refuse(int code, char *reason, size_t reason_size, const char *format, ...)
{
	if (reason && reason_size) {
		va_list args;
		va_start(args, format);
		vsnprintf(reason, reason_size, format, args);
		va_end(args);
	}
	return code;
}

/* UTF-8 without NUL: what a label or protocol may hold. */
static bool text_ok(const uint8_t *p, size_t n)
{
	return memchr(p, '\0', n) == NULL && g_utf8_validate((const char *)p, (gssize)n, NULL);
}

static int parse_open(const uint8_t *data, size_t length, parley_dcep_open *open, char *reason,
                      size_t reason_size)
{
	if (length < PARLEY_DCEP_OPEN_HEADER)
		return refuse(PARLEY_DCEP_ERR_LENGTH, reason, reason_size,
		              "DATA_CHANNEL_OPEN of %zu bytes, shorter than its %d-byte header", length,
		              PARLEY_DCEP_OPEN_HEADER);
	uint8_t channel_type = data[OFF_CHANNEL_TYPE];
	uint8_t reliability = channel_type & (uint8_t)~PARLEY_DCEP_UNORDERED;
	if (reliability > PARLEY_DCEP_PARTIAL_TIMED)
		return refuse(PARLEY_DCEP_ERR_CHANNEL_TYPE, reason, reason_size, "unknown channel type 0x%02x",
		              channel_type);
	uint16_t label_length = get16(data + OFF_LABEL_LENGTH);
	uint16_t protocol_length = get16(data + OFF_PROTOCOL_LENGTH);
	size_t expected = PARLEY_DCEP_OPEN_HEADER + (size_t)label_length + protocol_length;
	if (length != expected)
		return refuse(PARLEY_DCEP_ERR_LENGTH, reason, reason_size,
		              "DATA_CHANNEL_OPEN of %zu bytes, its label (%u) and protocol (%u) lengths make %zu",
		              length, label_length, protocol_length, expected);
	const uint8_t *label = data + PARLEY_DCEP_OPEN_HEADER;
	const uint8_t *protocol = label + label_length;
	if (!text_ok(label, label_length))
		return refuse(PARLEY_DCEP_ERR_TEXT, reason, reason_size, "the label is not UTF-8 or holds a NUL");
	if (!text_ok(protocol, protocol_length))
		return refuse(PARLEY_DCEP_ERR_TEXT, reason, reason_size, "the protocol is not UTF-8 or holds a NUL");
	open->ordered = !(channel_type & PARLEY_DCEP_UNORDERED);
	open->reliability = (parley_dcep_reliability)reliability;
	open->reliability_parameter = reliability == PARLEY_DCEP_RELIABLE ? 0 : get32(data + OFF_RELIABILITY);
	open->priority = get16(data + OFF_PRIORITY);
	open->label = (const char *)label;
	open->label_length = label_length;
	open->protocol = (const char *)protocol;
	open->protocol_length = protocol_length;
	return PARLEY_DCEP_OK;
}

int parley_dcep_parse(const uint8_t *data, size_t length, parley_dcep_message *message, char *reason,
                      size_t reason_size)
{
	memset(message, 0, sizeof(*message));
	if (!data || length == 0)
		return refuse(PARLEY_DCEP_ERR_EMPTY, reason, reason_size, "an empty DCEP message");
	switch (data[OFF_TYPE]) {
	case PARLEY_DCEP_ACK:
		if (length != 1)
			return refuse(PARLEY_DCEP_ERR_LENGTH, reason, reason_size,
			              "DATA_CHANNEL_ACK of %zu bytes (it is one byte)", length);
		message->type = PARLEY_DCEP_ACK;
		return PARLEY_DCEP_OK;
	case PARLEY_DCEP_OPEN:
		message->type = PARLEY_DCEP_OPEN;
		return parse_open(data, length, &message->open, reason, reason_size);
	default:
		return refuse(PARLEY_DCEP_ERR_TYPE, reason, reason_size, "unknown DCEP message type 0x%02x", data[OFF_TYPE]);
	}
}

size_t parley_dcep_open_size(const parley_dcep_open *open)
{
	return PARLEY_DCEP_OPEN_HEADER + (size_t)open->label_length + open->protocol_length;
}

size_t parley_dcep_write_open(const parley_dcep_open *open, uint8_t *out, size_t capacity)
{
	size_t size = parley_dcep_open_size(open);
	if (size > capacity || (unsigned)open->reliability > PARLEY_DCEP_PARTIAL_TIMED)
		return 0;
	out[OFF_TYPE] = PARLEY_DCEP_OPEN;
	out[OFF_CHANNEL_TYPE] = (uint8_t)(open->reliability | (open->ordered ? 0 : PARLEY_DCEP_UNORDERED));
	put16(out + OFF_PRIORITY, open->priority);
	put32(out + OFF_RELIABILITY, open->reliability == PARLEY_DCEP_RELIABLE ? 0 : open->reliability_parameter);
	put16(out + OFF_LABEL_LENGTH, open->label_length);
	put16(out + OFF_PROTOCOL_LENGTH, open->protocol_length);
	if (open->label_length)
		memcpy(out + PARLEY_DCEP_OPEN_HEADER, open->label, open->label_length);
	if (open->protocol_length)
		memcpy(out + PARLEY_DCEP_OPEN_HEADER + open->label_length, open->protocol, open->protocol_length);
	return size;
}

size_t parley_dcep_write_ack(uint8_t *out, size_t capacity)
{
	if (capacity < 1)
		return 0;
	out[0] = PARLEY_DCEP_ACK;
	return 1;
}

uint32_t parley_dcep_ppid_for(bool binary, bool empty)
{
	if (empty)
		return binary ? PARLEY_PPID_BINARY_EMPTY : PARLEY_PPID_STRING_EMPTY;
	return binary ? PARLEY_PPID_BINARY : PARLEY_PPID_STRING;
}

int parley_dcep_ppid_kind(uint32_t ppid, bool *binary, bool *empty)
{
	static const struct {
		uint32_t ppid;
		bool binary, empty;
	} kinds[] = {
		{ PARLEY_PPID_STRING, false, false },
		{ PARLEY_PPID_BINARY, true, false },
		{ PARLEY_PPID_STRING_EMPTY, false, true },
		{ PARLEY_PPID_BINARY_EMPTY, true, true },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
		if (kinds[i].ppid == ppid) {
			*binary = kinds[i].binary;
			*empty = kinds[i].empty;
			return 0;
		}
	return -1;
}
