/*
 * api.h — the core's JSON API (Janus-compatible client API and admin API),
 * sessions and handles, and the three tables of core services handed to
 * modules. Implemented in api.c, admin.c, session.c, tables.c and friends.
 */
#ifndef PARLEY_API_H
#define PARLEY_API_H

#include <parley/plugin.h>
#include <parley/transport.h>
#include <parley/handler.h>

/* Starts the worker pool that runs plugin handle_message and the session
 * watchdog. `workers` 0 = default. */
int parley_api_start(unsigned workers);
/* Graceful shutdown: refuse new sessions, tell every client (hangup,
 * detached), destroy every handle and session, stop the pool. */
void parley_api_shutdown(void);

const parley_plugin_core *parley_plugin_core_table(void);
const parley_transport_core *parley_transport_core_table(void);
const parley_handler_core *parley_handler_core_table(void);

/* Counters for /health, /metrics and the status pages. */
unsigned parley_api_session_count(void);
unsigned parley_api_handle_count(void);

/* ---- shared by the core's API files (api.c, admin.c, tables.c, status.c) */

/* One request from a transport (borrowed); answered exactly once through
 * the conn's transport with the same request_ctx. */
void parley_api_incoming(parley_conn *conn, void *request_ctx, bool admin, json_t *message);
void parley_admin_incoming(parley_conn *conn, void *request_ctx, json_t *message);
/* {"janus":"error","session_id"?,"transaction","error":{"code","reason"}}
 * (new reference); `reason` NULL = the code's default reason. Counts the
 * error for /metrics. */
json_t *parley_api_error_reply(uint64_t session_id, const char *transaction, int code, const char *reason);
/* The body of an info answer: name, version, plugins, ... (new reference). */
json_t *parley_api_server_info(void);
bool parley_api_accepting_sessions(void);
void parley_api_set_accepting_sessions(bool accept);
unsigned parley_api_workers(void);
/* What a plugin's core->push_event does. */
int parley_api_push_event(parley_plugin_session *session, const parley_plugin *plugin,
                          const char *transaction, json_t *message, json_t *jsep);
/* Prometheus lines for requests per verb and errors per code (g_free). */
char *parley_api_metrics_text(void);
/* Plain-HTTP routes (status.c): 0 when answered, -1 when none matches. */
int parley_status_handle_http(const parley_http_request *request, parley_http_response *response);

#endif
