/*
 * tests/e2e/whip/gupnp_igd_standin.c — a stand-in for libgupnp-igd-1.0.so.4
 * with the four symbols libnice 0.1.21 takes from it, so that Debian's
 * simple-whip-client (linked with libsoup 2.4) can run: the real library
 * pulls libsoup 3 into the process through libgupnp, and libsoup aborts
 * when both are loaded ("libsoup2 symbols detected"). The tests put it on
 * the client's own LD_LIBRARY_PATH only.
 *
 * libnice asks for a UPnP agent when it gathers candidates and carries on
 * without one when it gets NULL ("Error creating UPnP Simple IGD agent"):
 * so the thread constructor returns NULL and the port calls, never reached
 * then, do nothing. No UPnP is needed on a loopback-only namespace.
 */
#include <stddef.h>

typedef unsigned long gupnp_type;

gupnp_type gupnp_simple_igd_get_type(void);
void *gupnp_simple_igd_thread_new(void);
void gupnp_simple_igd_add_port(void *igd, const char *protocol, unsigned external_port, const char *local_ip,
                               unsigned local_port, unsigned lease_duration, const char *description);
void gupnp_simple_igd_remove_port_local(void *igd, const char *protocol, const char *local_ip, unsigned local_port);

gupnp_type gupnp_simple_igd_get_type(void)
{
	return 0;
}

void *gupnp_simple_igd_thread_new(void)
{
	return NULL;
}

void gupnp_simple_igd_add_port(void *igd, const char *protocol, unsigned external_port, const char *local_ip,
                               unsigned local_port, unsigned lease_duration, const char *description)
{
	(void)igd;
	(void)protocol;
	(void)external_port;
	(void)local_ip;
	(void)local_port;
	(void)lease_duration;
	(void)description;
}

void gupnp_simple_igd_remove_port_local(void *igd, const char *protocol, const char *local_ip, unsigned local_port)
{
	(void)igd;
	(void)protocol;
	(void)local_ip;
	(void)local_port;
}
