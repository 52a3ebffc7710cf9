/*
 * pc_transport.c — owns the two tables a pc drives its ICE transport
 * through (pc_internal.h): libnice's agent (ice.h) and the ICE-lite
 * transport (lite.h). Each entry only adapts the opaque pointer.
 */
#include "pc_internal.h"
#include "lite.h"

/* ---- libnice ---- */

static void *nice_create(GMainContext *context, const parley_ice_config *config, const parley_ice_callbacks *cb,
                         void *user_data, GError **error)
{
	return parley_ice_agent_new(context, config, cb, user_data, error);
}
static void nice_free(void *t)
{
	parley_ice_agent_free(t);
}
static int nice_gather(void *t, GError **error)
{
	return parley_ice_agent_gather(t, error);
}
static void nice_credentials(void *t, const char **ufrag, const char **pwd)
{
	parley_ice_agent_get_local_credentials(t, ufrag, pwd);
}
static int nice_remote_credentials(void *t, const char *ufrag, const char *pwd)
{
	return parley_ice_agent_set_remote_credentials(t, ufrag, pwd);
}
static int nice_candidate(void *t, const char *candidate, GError **error)
{
	return parley_ice_agent_add_remote_candidate(t, candidate, error);
}
static void nice_remote_done(void *t)
{
	parley_ice_agent_remote_gathering_done(t);
}
static int nice_restart(void *t)
{
	return parley_ice_agent_restart(t);
}
static int nice_send(void *t, const uint8_t *data, size_t length)
{
	return parley_ice_agent_send(t, data, length);
}
static int nice_pair(void *t, parley_ice_pair *pair)
{
	return parley_ice_agent_get_selected_pair(t, pair);
}
static int nice_route(void *t, parley_udp_route *route)
{
	return parley_ice_agent_get_route(t, route);
}
static bool nice_controlling(void *t)
{
	return parley_ice_agent_is_controlling(t);
}

const pc_transport_ops pc_transport_nice = {
	.name = "libnice",
	.create = nice_create,
	.free = nice_free,
	.gather = nice_gather,
	.get_local_credentials = nice_credentials,
	.set_remote_credentials = nice_remote_credentials,
	.add_remote_candidate = nice_candidate,
	.remote_gathering_done = nice_remote_done,
	.restart = nice_restart,
	.send = nice_send,
	.get_selected_pair = nice_pair,
	.get_route = nice_route,
	.is_controlling = nice_controlling,
};

/* ---- ICE-lite: remote candidates are not needed (the peer's checks prove
 * its addresses), so they are ignored, not refused. ---- */

static void *lite_create(GMainContext *context, const parley_ice_config *config, const parley_ice_callbacks *cb,
                         void *user_data, GError **error)
{
	return parley_lite_new(context, config, cb, user_data, error);
}
static void lite_free(void *t)
{
	parley_lite_free(t);
}
static int lite_gather(void *t, GError **error)
{
	return parley_lite_gather(t);
}
static void lite_credentials(void *t, const char **ufrag, const char **pwd)
{
	parley_lite_get_local_credentials(t, ufrag, pwd);
}
static int lite_remote_credentials(void *t, const char *ufrag, const char *pwd)
{
	return parley_lite_set_remote_credentials(t, ufrag, pwd);
}
static int lite_candidate(void *t, const char *candidate, GError **error)
{
	return 0;
}
static void lite_remote_done(void *t) {}
static int lite_restart(void *t)
{
	return parley_lite_restart(t);
}
static int lite_send(void *t, const uint8_t *data, size_t length)
{
	return parley_lite_send(t, data, length);
}
static int lite_pair(void *t, parley_ice_pair *pair)
{
	return parley_lite_get_selected_pair(t, pair);
}
static int lite_route(void *t, parley_udp_route *route)
{
	return parley_lite_get_route(t, route);
}
static bool lite_controlling(void *t)
{
	return false;
}
static void lite_heard(void *t)
{
	parley_lite_peer_heard(t);
}
static json_t *lite_info(void *t)
{
	parley_lite_info i;
	if (parley_lite_get_info(t, &i) != 0)
		return NULL;
	json_t *selected = i.selected ? json_pack("{ss ss ss}", "local", i.local, "remote", i.remote, "protocol",
	                                          i.protocol)
	                              : json_null();
	return json_pack("{so s{sI sI sI sI sI sI sI sI sI}}", "selected", selected, "counters",
	                 "requests", (json_int_t)i.requests, "datagrams-in", (json_int_t)i.datagrams_in,
	                 "datagrams-out", (json_int_t)i.datagrams_out, "paths", (json_int_t)i.paths,
	                 "path-switches", (json_int_t)i.switches, "restarts", (json_int_t)i.restarts,
	                 "tcp-paths", (json_int_t)i.tcp_paths, "tcp-bad", (json_int_t)i.tcp_bad,
	                 "tcp-dropped", (json_int_t)i.tcp_dropped);
}

const pc_transport_ops pc_transport_lite = {
	.name = "ice-lite",
	.create = lite_create,
	.free = lite_free,
	.gather = lite_gather,
	.get_local_credentials = lite_credentials,
	.set_remote_credentials = lite_remote_credentials,
	.add_remote_candidate = lite_candidate,
	.remote_gathering_done = lite_remote_done,
	.restart = lite_restart,
	.send = lite_send,
	.get_selected_pair = lite_pair,
	.get_route = lite_route,
	.is_controlling = lite_controlling,
	.info = lite_info,
	.peer_heard = lite_heard,
};
