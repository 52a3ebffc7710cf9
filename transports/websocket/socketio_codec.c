/*
 * transports/websocket/socketio_codec.c — Socket.IO protocol 5 packet
 * encoding and decoding, with the payload shape each type needs. See
 * socketio_codec.h.
 */
#include "socketio_codec.h"

#include <string.h>

static const char *const decode_errors[] = {
	[PARLEY_SIO_DECODE_OK] = "ok",
	[PARLEY_SIO_DECODE_EMPTY] = "empty packet",
	[PARLEY_SIO_DECODE_BAD_TYPE] = "unknown packet type",
	[PARLEY_SIO_DECODE_BINARY] = "binary packets are not supported",
	[PARLEY_SIO_DECODE_BAD_NAMESPACE] = "invalid namespace",
	[PARLEY_SIO_DECODE_BAD_ACK_ID] = "invalid ack id",
	[PARLEY_SIO_DECODE_BAD_JSON] = "invalid JSON payload",
	[PARLEY_SIO_DECODE_BAD_PAYLOAD] = "invalid payload for this packet type",
};

/* The payload each type accepts. */
static bool connect_payload_ok(const parley_sio_packet *p)
{
	return p->data == NULL || json_is_object(p->data);
}

static bool disconnect_payload_ok(const parley_sio_packet *p)
{
	return p->data == NULL;
}

static bool event_payload_ok(const parley_sio_packet *p)
{
	return json_is_array(p->data) && json_array_size(p->data) > 0 && json_is_string(json_array_get(p->data, 0));
}

static bool ack_payload_ok(const parley_sio_packet *p)
{
	return json_is_array(p->data) && p->ack_id >= 0;
}

static bool connect_error_payload_ok(const parley_sio_packet *p)
{
	return json_is_object(p->data) || json_is_string(p->data);
}

static bool (*const payload_checks[])(const parley_sio_packet *) = {
	[PARLEY_SIO_CONNECT] = connect_payload_ok,
	[PARLEY_SIO_DISCONNECT] = disconnect_payload_ok,
	[PARLEY_SIO_EVENT] = event_payload_ok,
	[PARLEY_SIO_ACK] = ack_payload_ok,
	[PARLEY_SIO_CONNECT_ERROR] = connect_error_payload_ok,
};

const char *parley_sio_decode_error(parley_sio_decode_status status)
{
	if ((size_t)status < G_N_ELEMENTS(decode_errors) && decode_errors[status] != NULL)
		return decode_errors[status];
	return "invalid packet";
}

void parley_sio_packet_clear(parley_sio_packet *packet)
{
	g_free(packet->nsp);
	json_decref(packet->data);
	packet->nsp = NULL;
	packet->data = NULL;
}

static parley_sio_decode_status fail(parley_sio_packet *packet, parley_sio_decode_status status)
{
	parley_sio_packet_clear(packet);
	return status;
}

parley_sio_decode_status parley_sio_decode(const char *text, size_t length, parley_sio_packet *packet)
{
	memset(packet, 0, sizeof(*packet));
	packet->ack_id = -1;
	if (text == NULL || length == 0)
		return PARLEY_SIO_DECODE_EMPTY;
	if (text[0] < '0' || text[0] > '6')
		return PARLEY_SIO_DECODE_BAD_TYPE;
	packet->type = (parley_sio_type)(text[0] - '0');
	if (packet->type == PARLEY_SIO_BINARY_EVENT || packet->type == PARLEY_SIO_BINARY_ACK)
		return PARLEY_SIO_DECODE_BINARY;
	size_t i = 1;
	if (i < length && text[i] == '/') {
		size_t start = i;
		while (i < length && text[i] != ',')
			i++;
		size_t nsp_length = i - start;
		if (nsp_length > PARLEY_SIO_MAX_NAMESPACE || memchr(text + start, '\0', nsp_length) != NULL)
			return PARLEY_SIO_DECODE_BAD_NAMESPACE;
		packet->nsp = g_strndup(text + start, nsp_length);
		if (i < length)
			i++; /* the ',' */
	} else {
		packet->nsp = g_strdup("/");
	}
	if (i < length && text[i] >= '0' && text[i] <= '9') {
		int64_t id = 0;
		while (i < length && text[i] >= '0' && text[i] <= '9') {
			id = id * 10 + (text[i] - '0');
			if (id > PARLEY_SIO_MAX_ACK_ID)
				return fail(packet, PARLEY_SIO_DECODE_BAD_ACK_ID);
			i++;
		}
		packet->ack_id = id;
	}
	if (i < length) {
		json_error_t error;
		packet->data = json_loadb(text + i, length - i, JSON_DECODE_ANY, &error);
		if (packet->data == NULL)
			return fail(packet, PARLEY_SIO_DECODE_BAD_JSON);
	}
	if (!payload_checks[packet->type](packet))
		return fail(packet, PARLEY_SIO_DECODE_BAD_PAYLOAD);
	return PARLEY_SIO_DECODE_OK;
}

char *parley_sio_encode(parley_sio_type type, const char *nsp, int64_t ack_id, json_t *data, size_t *length)
{
	GString *out = g_string_sized_new(64);
	g_string_append_c(out, (char)('0' + (int)type));
	if (nsp != NULL && strcmp(nsp, "/") != 0) {
		g_string_append(out, nsp);
		g_string_append_c(out, ',');
	}
	if (ack_id >= 0)
		g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64)ack_id);
	if (data != NULL) {
		size_t size = json_dumpb(data, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
		if (size == 0) {
			g_string_free(out, TRUE);
			return NULL;
		}
		size_t at = out->len;
		g_string_set_size(out, at + size);
		json_dumpb(data, out->str + at, size, JSON_COMPACT | JSON_ENCODE_ANY);
	}
	*length = out->len;
	return g_string_free(out, FALSE);
}
