/*
 * transports/websocket/socketio.h — the Socket.IO endpoint of the WebSocket
 * transport: Socket.IO 5 (client v4) on top of the Engine.IO sessions of
 * engineio.h, mapped to the Janus API of the core.
 *
 * socketio.c owns one sio client per Engine.IO session: its parley_conn
 * (created with parley_sio_transport, so the core's answers and events
 * come back here), its Janus session and handle on its endpoint's plugin, and
 * the inbox of core messages that the lws service thread turns into
 * Socket.IO packets. websocket.c calls the hooks below.
 */
#ifndef PARLEY_SOCKETIO_H
#define PARLEY_SOCKETIO_H

#include "engineio.h"

/* From ws_init, before the endpoints are set up (parley_eio_endpoint_init)
 * and before the service thread. */
void parley_sio_init(void);
/* From ws_destroy, after the lws context is gone. */
void parley_sio_destroy(void);
/* LWS_CALLBACK_EVENT_WAIT_CANCELLED: turns queued core messages into packets. */
void parley_sio_wakeup(void);
/* For query_transport: {"enabled","path","plugin","sessions",...} of one
 * endpoint (new reference). */
json_t *parley_sio_status(const parley_eio_endpoint *endpoint);

#endif
