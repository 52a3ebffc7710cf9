/*
 * status.h — the plain-HTTP routes the core serves through any transport
 * (status.c): /health, /api/server-info, /metrics and the plugins'
 * http_prefix paths.
 */
#ifndef PARLEY_STATUS_H
#define PARLEY_STATUS_H

#include <parley/http.h>

/* 0 when answered, -1 when no route matches (the transport answers 404). */
int parley_status_handle_http(const parley_http_request *request, parley_http_response *response);
/* The same as a route call: 0 answered, PARLEY_HTTP_LATER (the route calls
 * call->finish), -1 no route (also for OPTIONS outside call routes). */
int parley_status_handle_http_call(parley_http_call *call);

#endif
