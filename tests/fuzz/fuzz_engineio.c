/*
 * fuzz_engineio.c — libFuzzer target for the Engine.IO protocol 4 codec
 * (transports/websocket/engineio_codec.c): the input is decoded as one
 * packet, as a long-polling payload and as a request query. What decodes
 * must encode back and decode again to the same packets; a refusal is one
 * of the documented statuses; every error code has a message, an HTTP
 * status and a JSON body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "transports/websocket/engineio_codec.h"

#define MAX_PACKETS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_packet(const parley_eio_packet *a, const parley_eio_packet *b)
{
	return a->type == b->type && a->length == b->length && (a->length == 0 || memcmp(a->data, b->data, a->length) == 0);
}

static void check_packet(const char *text, size_t size)
{
	parley_eio_packet packet;
	parley_eio_decode_status status = parley_eio_decode_packet(text, size, &packet);
	if (status != PARLEY_EIO_DECODE_OK) {
		if (status != PARLEY_EIO_DECODE_EMPTY && status != PARLEY_EIO_DECODE_BAD_TYPE &&
		    status != PARLEY_EIO_DECODE_BINARY)
			abort();
		return;
	}
	if (packet.type > PARLEY_EIO_NOOP || (packet.length > 0 && packet.data == NULL))
		abort();
	GString *out = g_string_new(NULL);
	parley_eio_encode_packet(out, packet.type, packet.data, packet.length);
	parley_eio_packet again;
	if (parley_eio_decode_packet(out->str, out->len, &again) != PARLEY_EIO_DECODE_OK || !same_packet(&packet, &again))
		abort(); /* what we decoded does not survive our own encoding */
	g_string_free(out, TRUE);
}

static void check_payload(const char *text, size_t size)
{
	parley_eio_packet packets[MAX_PACKETS];
	size_t count = 0;
	parley_eio_decode_status status = parley_eio_decode_payload(text, size, packets, MAX_PACKETS, &count);
	if (status != PARLEY_EIO_DECODE_OK)
		return;
	if (count == 0 || count > MAX_PACKETS)
		abort();
	GString *out = g_string_new(NULL);
	for (size_t i = 0; i < count; i++) {
		if (packets[i].length > 0 && memchr(packets[i].data, PARLEY_EIO_SEPARATOR, packets[i].length))
			abort(); /* a packet spans a separator */
		GString *one = g_string_new(NULL);
		parley_eio_encode_packet(one, packets[i].type, packets[i].data, packets[i].length);
		parley_eio_payload_append(out, one->str, one->len);
		g_string_free(one, TRUE);
	}
	parley_eio_packet again[MAX_PACKETS];
	size_t count_again = 0;
	if (parley_eio_decode_payload(out->str, out->len, again, MAX_PACKETS, &count_again) != PARLEY_EIO_DECODE_OK ||
	    count_again != count)
		abort();
	for (size_t i = 0; i < count; i++)
		if (!same_packet(&packets[i], &again[i]))
			abort();
	g_string_free(out, TRUE);
}

static void check_query(const char *text)
{
	parley_eio_query query;
	parley_eio_query_parse(text, &query);
	if (!memchr(query.eio, '\0', sizeof(query.eio)) || !memchr(query.sid, '\0', sizeof(query.sid)) ||
	    !memchr(query.transport_name, '\0', sizeof(query.transport_name)))
		abort(); /* a field is not terminated */
	for (int get = 0; get < 2; get++) {
		int code = parley_eio_query_check(&query, get);
		if (code < -1 || code > PARLEY_EIO_ERR_UNSUPPORTED_VERSION)
			abort();
		if (code >= 0) {
			char *body = parley_eio_error_body((parley_eio_error)code);
			int http = parley_eio_error_http_status((parley_eio_error)code);
			if (!body || !parley_eio_error_message((parley_eio_error)code) || http < 400 || http > 499)
				abort();
			g_free(body);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = g_malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	check_packet(text, size);
	check_payload(text, size);
	check_query(text);
	g_free(text);
	return 0;
}
