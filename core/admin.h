/*
 * admin.h — the admin API (admin.c): one admin request from a transport.
 */
#ifndef PARLEY_ADMIN_H
#define PARLEY_ADMIN_H

#include <jansson.h>
#include <parley/transport.h>

/* One admin API request (borrowed); answered exactly once through the
 * conn's transport with the same request_ctx. */
void parley_admin_incoming(parley_conn *conn, void *request_ctx, json_t *message);

#endif
