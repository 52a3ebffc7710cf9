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

#endif
