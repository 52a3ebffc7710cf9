/*
 * janus_api.h — the Janus API steps every driver shares, over the run's
 * WebSocket: create a session and attach a plugin (one session per peer,
 * keepalives every 20 s), send a plugin message with an optional jsep and
 * get the plugin's answer, route a handle's transaction-less events
 * (trickle, hangup, webrtcup, plugin events), and the goodbyes at the end.
 *
 * Ownership: replies handed to callbacks are borrowed for the call; a body
 * passed to loadgen_janus_message is borrowed.
 */
#ifndef PARLEY_LOADGEN_JANUS_API_H
#define PARLEY_LOADGEN_JANUS_API_H

#include <jansson.h>
#include "loadgen.h"
#include "session.h"

#define LOADGEN_JANUS_TIMEOUT_MS 10000
#define LOADGEN_JANUS_KEEPALIVE_S 20

/* reply: the answer (NULL on failure, with `error` saying why). For a
 * plugin message, `data` is plugindata.data and `jsep` the jsep (either may
 * be NULL). */
typedef void (*loadgen_janus_done_fn)(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep,
                                      const char *error);
/* A plugin event without a transaction (plugindata.data, jsep or NULL). */
typedef void (*loadgen_janus_event_fn)(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep);

/* create + attach run->plugin; done(data = NULL, error = NULL) on success. */
void loadgen_janus_open(loadgen_run *run, loadgen_peer *peer, loadgen_janus_done_fn done,
                        loadgen_janus_event_fn event);
/* Attaches run->plugin on an existing session (ids->session_id set by
 * the caller) as the peer's handle; done like loadgen_janus_open. */
void loadgen_janus_attach(loadgen_run *run, loadgen_peer *peer, loadgen_janus_done_fn done,
                          loadgen_janus_event_fn event);
/* Attaches a second, signaling-only handle into ids->main_handle_id. */
void loadgen_janus_attach_main(loadgen_run *run, loadgen_peer *peer, loadgen_janus_done_fn done);
/* A "message" with body (and a jsep when sdp is not NULL); done gets the
 * plugin's answer (synchronous "success" or the event after the ack).
 * A plugin error (error_code in data) is reported through `error`. */
void loadgen_janus_message(loadgen_run *run, loadgen_peer *peer, json_t *body, const char *jsep_type,
                           const char *sdp, loadgen_janus_done_fn done);
/* The same on another handle of the peer's session (0 = the peer's own). */
void loadgen_janus_message_to(loadgen_run *run, loadgen_peer *peer, uint64_t handle_id, json_t *body,
                              const char *jsep_type, const char *sdp, loadgen_janus_done_fn done);
/* detach + destroy, without waiting. */
void loadgen_janus_close(loadgen_run *run, loadgen_peer *peer);

#endif
