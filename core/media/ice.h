/*
 * ice.h — ICE for one PeerConnection: a parley_ice_agent wraps one libnice
 * NiceAgent (RFC 5245 compatibility, full or ICE-lite, controlling or
 * controlled) with one stream and one component (BUNDLE + rtcp-mux only),
 * created on the handle's GMainContext.
 *
 * It gathers on the configured interfaces (loopback included when listed),
 * rewrites host candidates with an announced IP in what it sends out, keeps
 * to an RTC port range, uses a STUN server and an optional TURN relay,
 * trickles candidates out as SDP "candidate:..." strings, takes remote ones
 * in (mDNS ".local" names refused), restarts ICE on request, reports state
 * changes, the selected pair, and datagrams; keepalive checks end a
 * vanished peer in FAILED within a bounded time (50 s).
 *
 * Threading: create, use and free an agent on its context's thread; all
 * callbacks run there. Do not free an agent from inside its own callback:
 * schedule the free on the loop instead.
 */
#ifndef PARLEY_MEDIA_ICE_H
#define PARLEY_MEDIA_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "udp_batch.h"

typedef enum parley_ice_error_code {
	PARLEY_ICE_OK = 0,
	PARLEY_ICE_ERR_INVALID = -1,      /* bad argument or configuration */
	PARLEY_ICE_ERR_INTERFACE = -2,    /* a configured interface/address has no usable address */
	PARLEY_ICE_ERR_CANDIDATE = -3,    /* remote candidate does not parse */
	PARLEY_ICE_ERR_MDNS = -4,         /* remote candidate uses an mDNS .local name */
	PARLEY_ICE_ERR_UNSUPPORTED = -5,  /* TCP candidate, or component other than 1 (rtcp-mux only) */
	PARLEY_ICE_ERR_LIMIT = -6,        /* too many remote candidates */
	PARLEY_ICE_ERR_STATE = -7,        /* not valid now (e.g. send before connected) */
	PARLEY_ICE_ERR_SEND = -8,         /* libnice refused the datagram */
	PARLEY_ICE_ERR_LIBNICE = -9,      /* libnice call failed */
} parley_ice_error_code;

#define PARLEY_ICE_ERROR parley_ice_error_quark()
GQuark parley_ice_error_quark(void);
const char *parley_ice_strerror(int code);

typedef enum parley_ice_state {
	PARLEY_ICE_STATE_NEW = 0,
	PARLEY_ICE_STATE_GATHERING,
	PARLEY_ICE_STATE_CHECKING,
	PARLEY_ICE_STATE_CONNECTED,
	PARLEY_ICE_STATE_READY,
	PARLEY_ICE_STATE_FAILED,
} parley_ice_state;
const char *parley_ice_state_name(parley_ice_state state);

/* The usable addresses of interface `name` as text (every interface but
 * loopback when name is NULL; IPv6 link-local ones left out, candidates
 * cannot carry their scope id). Never NULL; the caller frees with
 * g_strfreev(). */
char **parley_ice_interface_addresses(const char *name);

typedef enum parley_ice_relay_transport {
	PARLEY_ICE_RELAY_UDP = 0,
	PARLEY_ICE_RELAY_TCP,
	PARLEY_ICE_RELAY_TLS,
} parley_ice_relay_transport;

typedef struct parley_ice_config {
	bool controlling;
	bool lite;                        /* ICE-lite: must be controlled */
	/* NULL-terminated list of interface names ("lo", "eth0") or IP
	 * literals; NULL or empty = libnice's choice (non-loopback only). */
	const char *const *interfaces;
	const char *announced_ip;         /* IP literal written into host candidates we send */
	unsigned min_port, max_port;      /* both 0 = any port */
	const char *stun_server;          /* IP literal; NULL = none */
	unsigned stun_port;               /* 0 = 3478 */
	const char *turn_server;          /* IP literal; NULL = no relay */
	unsigned turn_port;               /* 0 = 3478 */
	const char *turn_username, *turn_password;
	parley_ice_relay_transport turn_transport;
	/* Timing of connectivity and keepalive checks (0 = libnice's defaults,
	 * 200 ms and 7). Limits: 100..5000 ms and 2..20 (smaller values make
	 * libnice 0.1.21 spin in its consent timer). */
	unsigned stun_initial_timeout_ms;
	unsigned stun_max_retransmissions;
	/* Checking must reach CONNECTED within this time once remote
	 * credentials are known, else FAILED (0 = 30000 ms). Once connected,
	 * keepalive checks turn a peer that answers none for 50 s (libnice
	 * 0.1.21's fixed bound) into FAILED; the pc's own liveness check
	 * (pc_liveness.c) usually ends a silent peer sooner. */
	unsigned connect_timeout_ms;
	unsigned max_remote_candidates;   /* 0 = 64 */
} parley_ice_config;

typedef struct parley_ice_callbacks {
	/* A local candidate as "candidate:<foundation> 1 udp ..." (no "a="). */
	void (*candidate)(void *user_data, const char *sdp_candidate);
	void (*gathering_done)(void *user_data);
	void (*state_changed)(void *user_data, parley_ice_state state);
	/* One datagram from the peer (STUN is handled inside). */
	void (*receive)(void *user_data, const uint8_t *data, size_t length);
	/* A (new) pair was selected: parley_ice_agent_get_route() may differ. */
	void (*selected_pair_changed)(void *user_data);
} parley_ice_callbacks;

typedef struct parley_ice_pair {
	char local_ip[48];
	uint16_t local_port;
	const char *local_type;           /* "host", "srflx", "prflx", "relay" */
	char remote_ip[48];
	uint16_t remote_port;
	const char *remote_type;
	const char *protocol;             /* "udp" or "tcp" */
} parley_ice_pair;

typedef struct parley_ice_agent parley_ice_agent;

parley_ice_agent *parley_ice_agent_new(GMainContext *context, const parley_ice_config *config,
                                       const parley_ice_callbacks *callbacks, void *user_data,
                                       GError **error);
void parley_ice_agent_free(parley_ice_agent *agent);
/* Starts gathering; candidates arrive through the callback. */
int parley_ice_agent_gather(parley_ice_agent *agent, GError **error);
/* Our ufrag and pwd (valid until the next restart or free). */
void parley_ice_agent_get_local_credentials(parley_ice_agent *agent, const char **ufrag, const char **pwd);
int parley_ice_agent_set_remote_credentials(parley_ice_agent *agent, const char *ufrag, const char *pwd);
/* "candidate:..." or "a=candidate:..." from SDP or a trickle message. */
int parley_ice_agent_add_remote_candidate(parley_ice_agent *agent, const char *sdp_candidate, GError **error);
/* The peer sent end-of-candidates. */
void parley_ice_agent_remote_gathering_done(parley_ice_agent *agent);
/* ICE restart: new local credentials on the same agent and sockets; the
 * local candidates are announced again, then gathering_done. Remote
 * credentials and candidates must be given again. */
int parley_ice_agent_restart(parley_ice_agent *agent);
/* One datagram to the peer on the selected pair. */
int parley_ice_agent_send(parley_ice_agent *agent, const uint8_t *data, size_t length);
parley_ice_state parley_ice_agent_get_state(const parley_ice_agent *agent);
int parley_ice_agent_get_selected_pair(parley_ice_agent *agent, parley_ice_pair *pair);
/* The selected pair as a plain UDP route, for sending beside libnice on
 * its own socket: the route takes a socket reference (parley_udp_route_clear
 * drops it). PARLEY_ICE_ERR_STATE before a pair is selected or when the
 * pair is relayed (TURN wraps what it carries, so only libnice can send). */
int parley_ice_agent_get_route(parley_ice_agent *agent, parley_udp_route *route);
bool parley_ice_agent_is_controlling(const parley_ice_agent *agent);

#endif
