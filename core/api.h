/*
 * api.h — the Janus-compatible client API (api.c): start and shutdown of
 * the request machinery, one request from a transport, the server's info
 * answer, whether new sessions are accepted, plugin events pushed to
 * clients, and the counters /health and /metrics show.
 */
#ifndef PARLEY_API_H
#define PARLEY_API_H

#include <stdbool.h>
#include <jansson.h>
#include <parley/plugin.h>
#include <parley/transport.h>

/* Configures sessions from [general] and [limits], hands them the WebRTC
 * hangup, and starts the worker pool that runs plugin handle_message and
 * the session watchdog. `workers` 0 = [general] workers. */
int parley_api_start(unsigned workers);
/* Graceful shutdown: refuse new sessions, tell every client (hangup,
 * detached), destroy every handle and session, stop the pool. */
void parley_api_shutdown(void);

/* One client API request from a transport (borrowed); answered exactly
 * once through the conn's transport with the same request_ctx. */
void parley_api_incoming(parley_conn *conn, void *request_ctx, json_t *message);

/* {"janus":"server_info", name, version, plugins, ..., "transaction"}
 * (new reference), the answer to info on either API. */
json_t *parley_api_server_info_reply(const char *transaction);
bool parley_api_accepting_sessions(void);
void parley_api_set_accepting_sessions(bool accept);

/* What a plugin's core->push_event does. */
int parley_api_push_event(parley_plugin_session *session, const parley_plugin *plugin,
                          const char *transaction, json_t *message, json_t *jsep);

/* Counters for /health, /metrics and the status pages. */
unsigned parley_api_session_count(void);
unsigned parley_api_handle_count(void);
unsigned parley_api_workers(void);
/* Prometheus lines for requests per verb and errors per code (g_free). */
char *parley_api_metrics_text(void);

#endif
