/*
 * fuzz_socketio.c — libFuzzer target for the Socket.IO protocol 5 codec
 * (transports/websocket/socketio_codec.c): any input decodes or is refused
 * with a documented status (leaving nothing allocated); whatever decodes
 * encodes back to text that decodes to the same type, namespace, ack id
 * and payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "transports/websocket/socketio_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parley_sio_packet packet;
	parley_sio_decode_status status = parley_sio_decode((const char *)data, size, &packet);
	if (!parley_sio_decode_error(status))
		abort();
	if (status != PARLEY_SIO_DECODE_OK) {
		if (status > PARLEY_SIO_DECODE_BAD_PAYLOAD)
			abort();
		return 0;
	}
	if (!packet.nsp || packet.nsp[0] != '/' || strlen(packet.nsp) > PARLEY_SIO_MAX_NAMESPACE ||
	    packet.ack_id < -1 || packet.ack_id > PARLEY_SIO_MAX_ACK_ID || packet.type > PARLEY_SIO_CONNECT_ERROR)
		abort();
	size_t length = 0;
	char *text = parley_sio_encode(packet.type, packet.nsp, packet.ack_id, packet.data, &length);
	if (!text)
		abort();
	parley_sio_packet again;
	if (parley_sio_decode(text, length, &again) != PARLEY_SIO_DECODE_OK)
		abort(); /* our own encoding of a decoded packet is refused */
	if (again.type != packet.type || strcmp(again.nsp, packet.nsp) != 0 || again.ack_id != packet.ack_id ||
	    (packet.data == NULL) != (again.data == NULL) || (packet.data && !json_equal(packet.data, again.data)))
		abort();
	parley_sio_packet_clear(&again);
	g_free(text);
	parley_sio_packet_clear(&packet);
	return 0;
}
