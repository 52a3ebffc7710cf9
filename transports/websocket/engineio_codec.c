/*
 * transports/websocket/engineio_codec.c — Engine.IO protocol 4 encoding and
 * decoding (packets, long-polling payloads, handshake query, open packet,
 * error answers). See engineio_codec.h.
 */
#include "engineio_codec.h"

#include <stdio.h>
#include <string.h>

static const struct {
	parley_eio_error code;
	const char *message;
	int http_status;
} errors[] = {
	{ PARLEY_EIO_ERR_UNKNOWN_TRANSPORT, "Transport unknown", 400 },
	{ PARLEY_EIO_ERR_UNKNOWN_SID, "Session ID unknown", 400 },
	{ PARLEY_EIO_ERR_BAD_HANDSHAKE_METHOD, "Bad handshake method", 400 },
	{ PARLEY_EIO_ERR_BAD_REQUEST, "Bad request", 400 },
	{ PARLEY_EIO_ERR_FORBIDDEN, "Forbidden", 403 },
	{ PARLEY_EIO_ERR_UNSUPPORTED_VERSION, "Unsupported protocol version", 400 },
};

static const struct {
	const char *name;
	parley_eio_transport transport;
} transports[] = {
	{ "polling", PARLEY_EIO_TRANSPORT_POLLING },
	{ "websocket", PARLEY_EIO_TRANSPORT_WEBSOCKET },
};

parley_eio_decode_status parley_eio_decode_packet(const char *text, size_t length, parley_eio_packet *packet)
{
	if (text == NULL || length == 0)
		return PARLEY_EIO_DECODE_EMPTY;
	if (text[0] == 'b')
		return PARLEY_EIO_DECODE_BINARY;
	if (text[0] < '0' || text[0] > '6')
		return PARLEY_EIO_DECODE_BAD_TYPE;
	packet->type = (parley_eio_type)(text[0] - '0');
	packet->data = text + 1;
	packet->length = length - 1;
	return PARLEY_EIO_DECODE_OK;
}

parley_eio_decode_status parley_eio_decode_payload(const char *text, size_t length, parley_eio_packet *packets,
                                                   size_t max, size_t *count)
{
	*count = 0;
	if (text == NULL || length == 0)
		return PARLEY_EIO_DECODE_EMPTY;
	size_t start = 0;
	for (size_t i = 0; i <= length; i++) {
		if (i < length && text[i] != PARLEY_EIO_SEPARATOR)
			continue;
		if (*count >= max)
			return PARLEY_EIO_DECODE_TOO_MANY;
		parley_eio_decode_status status = parley_eio_decode_packet(text + start, i - start, &packets[*count]);
		if (status != PARLEY_EIO_DECODE_OK)
			return status;
		(*count)++;
		start = i + 1;
	}
	return PARLEY_EIO_DECODE_OK;
}

void parley_eio_encode_packet(GString *out, parley_eio_type type, const char *data, size_t length)
{
	g_string_append_c(out, (char)('0' + (int)type));
	if (data != NULL && length > 0)
		g_string_append_len(out, data, (gssize)length);
}

void parley_eio_payload_append(GString *out, const char *packet, size_t length)
{
	if (out->len > 0)
		g_string_append_c(out, PARLEY_EIO_SEPARATOR);
	g_string_append_len(out, packet, (gssize)length);
}

static void copy_value(char *dest, size_t size, const char *value, size_t length, bool *too_long)
{
	if (length >= size) {
		if (too_long != NULL)
			*too_long = true;
		length = size - 1;
	}
	memcpy(dest, value, length);
	dest[length] = '\0';
}

void parley_eio_query_parse(const char *query, parley_eio_query *out)
{
	memset(out, 0, sizeof(*out));
	if (query == NULL)
		return;
	gchar **items = g_strsplit(query, "&", 64);
	for (gchar **item = items; *item != NULL; item++) {
		const char *eq = strchr(*item, '=');
		if (eq == NULL)
			continue;
		size_t key_length = (size_t)(eq - *item);
		const char *value = eq + 1;
		size_t length = strlen(value);
		if (key_length == 3 && strncmp(*item, "EIO", 3) == 0) {
			copy_value(out->eio, sizeof(out->eio), value, length, NULL);
		} else if (key_length == 9 && strncmp(*item, "transport", 9) == 0) {
			copy_value(out->transport_name, sizeof(out->transport_name), value, length, NULL);
			out->transport = PARLEY_EIO_TRANSPORT_NONE;
			for (size_t i = 0; i < G_N_ELEMENTS(transports); i++) {
				if (strcmp(value, transports[i].name) == 0)
					out->transport = transports[i].transport;
			}
		} else if (key_length == 3 && strncmp(*item, "sid", 3) == 0) {
			copy_value(out->sid, sizeof(out->sid), value, length, &out->sid_too_long);
		}
	}
	g_strfreev(items);
}

int parley_eio_query_check(const parley_eio_query *query, bool is_get)
{
	if (query->transport == PARLEY_EIO_TRANSPORT_NONE)
		return PARLEY_EIO_ERR_UNKNOWN_TRANSPORT;
	if (query->sid[0] != '\0')
		return query->sid_too_long ? PARLEY_EIO_ERR_UNKNOWN_SID : -1;
	if (!is_get)
		return PARLEY_EIO_ERR_BAD_HANDSHAKE_METHOD;
	if (strcmp(query->eio, "4") != 0)
		return PARLEY_EIO_ERR_UNSUPPORTED_VERSION;
	return -1;
}

const char *parley_eio_error_message(parley_eio_error code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(errors); i++) {
		if (errors[i].code == code)
			return errors[i].message;
	}
	return "Bad request";
}

int parley_eio_error_http_status(parley_eio_error code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(errors); i++) {
		if (errors[i].code == code)
			return errors[i].http_status;
	}
	return 400;
}

char *parley_eio_error_body(parley_eio_error code)
{
	return g_strdup_printf("{\"code\":%d,\"message\":\"%s\"}", (int)code, parley_eio_error_message(code));
}

char *parley_eio_open_json(const char *sid, long ping_interval, long ping_timeout, long max_payload,
                           bool offer_websocket)
{
	return g_strdup_printf("{\"sid\":\"%s\",\"upgrades\":[%s],\"pingInterval\":%ld,\"pingTimeout\":%ld,"
	                       "\"maxPayload\":%ld}",
	                       sid, offer_websocket ? "\"websocket\"" : "", ping_interval, ping_timeout, max_payload);
}

void parley_eio_new_sid(char sid[PARLEY_EIO_SID_LENGTH + 1])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (int i = 0; i < PARLEY_EIO_SID_LENGTH; i++)
		sid[i] = alphabet[g_random_int_range(0, 64)];
	sid[PARLEY_EIO_SID_LENGTH] = '\0';
}
