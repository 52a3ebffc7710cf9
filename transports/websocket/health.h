/*
 * transports/websocket/health.h — the /health shapes a Socket.IO listener
 * can answer besides the core's own (see listeners.h, `health`): today the
 * SFU seed's, made from the core's /health body. Pure JSON, no lws.
 */
#ifndef PARLEY_WS_HEALTH_H
#define PARLEY_WS_HEALTH_H

#include <jansson.h>

/* The SFU seed's {status, uptime, rooms, peers, workers, memory {used,
 * total}} from the core's /health body `gateway` (borrowed; asked with
 * ?plugin=<the listener's plugin>, so rooms and peers are that plugin's):
 * workers is the core's eventLoops (MEDIASOUP_NUM_WORKERS sets
 * event_loops), a figure the body lacks is 0 (memory's: "0.00MB"). New
 * reference. */
json_t *parley_wsh_sfu(json_t *gateway);

#endif
