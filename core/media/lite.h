/*
 * lite.h — ICE-lite (RFC 8445 §2.5) for PeerConnections, with consent
 * freshness (RFC 7675), beside the libnice agent of ice.h.
 *
 * The process has one UDP socket per event loop (per address family), all
 * bound on the same port with SO_REUSEPORT, read with recvmmsg by one
 * GSource per loop. A binding request is routed by the first part of its
 * USERNAME (our ufrag) to its transport; every other datagram by its
 * remote address+port, learnt from a valid binding request. The kernel
 * spreads the sockets' traffic by a hash of the addresses, not by loop, so
 * a datagram may arrive on another loop than its PeerConnection's: that
 * loop hands it over through a lock-free ring (the ufrag's first character
 * names the owning loop; the owner tells the receiving loop where to send
 * the rest of that 5-tuple's datagrams).
 *
 * With a TCP port, every loop also listens on it (RFC 6544 passive
 * candidates): a connection's first binding request is routed by ufrag
 * like a datagram, and once valid the connection is one of that
 * transport's paths, carrying RFC 4571 framed packets (lite_tcp.c).
 *
 * A parley_lite is one PeerConnection's transport: our credentials (the
 * previous ones stay valid after a restart until the peer uses the new
 * ones), the paths the peer proved, the selected one (the latest valid
 * request with USE-CANDIDATE) and its consent. It reports through the same
 * parley_ice_callbacks as the libnice agent: state CONNECTED once a path is
 * selected, FAILED when the selected path had no valid request for the
 * consent timeout or none was selected within the connect timeout.
 *
 * Threading: parley_lite_start before any transport, parley_lite_stop after
 * the last one is freed (and with the loops no longer dispatching); a
 * transport is created, used and freed on its context's thread, callbacks
 * run there. Free it from a callback only by deferring.
 */
#ifndef PARLEY_MEDIA_LITE_H
#define PARLEY_MEDIA_LITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "ice.h"
#include "udp_batch.h"

typedef struct parley_lite_config {
	unsigned port; /* 0 = one ephemeral port, shared by every loop */
	/* Each loop on a port of its own, port + its index (ephemeral ones
	 * when port is 0), announced by its transports: every datagram then
	 * reaches the loop whose PeerConnection it is for, where on a shared
	 * port the kernel spreads peers over the loops by a hash of their
	 * address and a loop passes on what belongs to another (a copy and
	 * a wake-up per datagram). Costs a firewall rule for the range. */
	bool port_per_loop;
	/* NULL-terminated interface names or IP literals whose addresses are
	 * announced (and decide which families get a socket); NULL or empty =
	 * every non-loopback address of the host. */
	const char *const *interfaces;
	const char *announced_ip;    /* IP literal announced instead of the interfaces' */
	unsigned consent_timeout_ms; /* 0 = 30000 (RFC 7675) */
	/* ICE-TCP (RFC 6544 passive host candidates, RFC 4571 framing). */
	unsigned tcp_port;            /* 0 = none; else every loop listens on it */
	unsigned tcp_max_pending;     /* connections not yet authenticated, process-wide; 0 = 64 */
	unsigned tcp_auth_timeout_ms; /* a connection without a valid request by then is closed; 0 = 5000 */
	/* Bytes of each hand-over ring (one per ordered pair of loops, made the
	 * first time one loop passes a datagram to the other); 0 = 256 KiB,
	 * rounded up to a power of two, 16 KiB .. 16 MiB. Only the largest
	 * backlog is ever written; a datagram that finds it full is dropped. */
	size_t handover_bytes;
	/* An RTP datagram (not STUN, DTLS or RTCP) that waited in a socket's
	 * receive queue longer than this is dropped unread: a loop that fell
	 * behind (starved of CPU) catches up at once and answers the binding
	 * requests queued behind it before the peer's ICE gives up, instead of
	 * forwarding seconds-old media. 0 = never. */
	unsigned stale_media_ms;
} parley_lite_config;

/* Why a binding request got no success answer (the first four are
 * answered with 400, 401, 420, 487; the others are not answered). */
typedef enum parley_lite_reject {
	PARLEY_LITE_REJECT_BAD_REQUEST = 0, /* 400: no USERNAME or MESSAGE-INTEGRITY, not a binding */
	PARLEY_LITE_REJECT_BAD_INTEGRITY,   /* 401: our ufrag, a wrong password */
	PARLEY_LITE_REJECT_UNKNOWN_ATTRIBUTE, /* 420 */
	PARLEY_LITE_REJECT_ROLE_CONFLICT,   /* 487: the peer claims ICE-CONTROLLED too */
	PARLEY_LITE_REJECT_UNKNOWN_UFRAG,   /* nobody here owns the ufrag */
	PARLEY_LITE_REJECT_UNANSWERABLE,    /* no FINGERPRINT, not a request, ... */
	PARLEY_LITE_REJECT_COUNT
} parley_lite_reject;
/* "bad_request", "bad_integrity", ... (a metric label). */
const char *parley_lite_reject_name(parley_lite_reject reason);

/* Process-wide counters, since parley_lite_start (all loops, all transports). */
typedef struct parley_lite_stats {
	uint64_t datagrams;   /* read from the sockets */
	uint64_t sent;        /* sent by the transport itself (answers, DTLS, RTCP; not the send batch's) */
	uint64_t requests;    /* valid binding requests (answered with success) */
	uint64_t rejected;    /* binding requests answered with an error */
	uint64_t rejects[PARLEY_LITE_REJECT_COUNT]; /* requests without success answer, by reason */
	uint64_t dropped;     /* not STUN, not from a known 5-tuple, or unusable */
	uint64_t unknown_address; /* of those: not STUN, from a 5-tuple no request proved */
	uint64_t handed_over; /* passed to another loop (datagrams, TCP connections) */
	uint64_t handover_full; /* of the dropped: the owner loop's hand-over ring was full */
	uint64_t stale;       /* of the dropped: RTP older than stale_media_ms when read */
	uint64_t selections;  /* a first path selected (state CONNECTED) */
	uint64_t switches;    /* the selected path changed to another 5-tuple */
	uint64_t consent_expiries; /* a selected path without valid request for the consent timeout */
	uint64_t connect_timeouts; /* no path selected within the connect timeout */
	uint64_t restarts;    /* new local credentials */
	/* ICE-TCP connections */
	uint64_t tcp_accepted;  /* accepted */
	uint64_t tcp_refused;   /* closed at once: too many not yet authenticated */
	uint64_t tcp_bad;       /* closed: bad framing, or not STUN before a valid request */
	uint64_t tcp_timed_out; /* closed: no valid request within tcp_auth_timeout_ms */
	uint64_t tcp_dropped;   /* packets not sent: the connection's output ring was full */
} parley_lite_stats;

/* Opens the sockets of every loop (contexts[0..n)); fails when the port is
 * taken, no address is usable or n is 0 or above 64. */
int parley_lite_start(GMainContext *const *contexts, size_t n, const parley_lite_config *config, GError **error);
/* The TCP port listened on, 0 when none. */
unsigned parley_lite_tcp_port(void);
void parley_lite_stop(void);
bool parley_lite_running(void);
unsigned parley_lite_port(void); /* the first loop's UDP port */
/* The bytes each hand-over ring has (handover_bytes as rounded). */
size_t parley_lite_handover_bytes(void);
void parley_lite_get_stats(parley_lite_stats *stats);

typedef struct parley_lite parley_lite;

/* A transport on `context` (one of the started loops). From config only
 * connect_timeout_ms is used (0 = 30000). */
parley_lite *parley_lite_new(GMainContext *context, const parley_ice_config *config,
                             const parley_ice_callbacks *callbacks, void *user_data, GError **error);
void parley_lite_free(parley_lite *lite);
/* Announces the host candidates and gathering_done, synchronously. */
int parley_lite_gather(parley_lite *lite);
void parley_lite_get_local_credentials(parley_lite *lite, const char **ufrag, const char **pwd);
/* Only starts the connect timer: a lite agent checks nothing itself and
 * takes requests from peers that never sent their credentials. */
int parley_lite_set_remote_credentials(parley_lite *lite, const char *ufrag, const char *pwd);
/* New local credentials; the candidates are announced again. */
int parley_lite_restart(parley_lite *lite);
/* The PeerConnection heard authenticated traffic from the peer (DTLS, or
 * RTP/RTCP that unprotects) since it last said so: that refreshes consent
 * on the selected path like a valid binding request. A full agent may keep
 * a lite peer's consent with binding indications only (libnice without
 * consent freshness, as GStreamer's webrtcbin): no request comes after
 * nomination while its media flows. */
void parley_lite_peer_heard(parley_lite *lite);
int parley_lite_send(parley_lite *lite, const uint8_t *data, size_t length);
parley_ice_state parley_lite_get_state(const parley_lite *lite);
int parley_lite_get_selected_pair(parley_lite *lite, parley_ice_pair *pair);
/* The loop's socket and the selected path, for the send batch. */
int parley_lite_get_route(parley_lite *lite, parley_udp_route *route);

/* One transport's selected path (addresses as "ip:port" text) and counters,
 * read on its loop's thread. */
typedef struct parley_lite_info {
	bool selected;
	char local[64], remote[64]; /* "ip:port" ("[ip6]:port"); empty when none is selected */
	const char *protocol;       /* "udp", or "tcp" for an ICE-TCP path */
	uint64_t requests;          /* valid binding requests */
	uint64_t datagrams_in;      /* every datagram that reached this transport, requests included */
	uint64_t datagrams_out;     /* sent through parley_lite_send (the send batch's RTP is not) */
	uint64_t paths;             /* 5-tuples and TCP connections proved by a request, ever */
	uint64_t switches;          /* selected path changes after the first */
	uint64_t restarts;
	/* ICE-TCP (connections refused or closed before a valid request belong
	 * to no transport: only parley_lite_stats counts them) */
	uint64_t tcp_paths;   /* TCP connections proved by a request, ever (also in paths) */
	uint64_t tcp_bad;     /* of those, closed for bad framing */
	uint64_t tcp_dropped; /* packets not sent: the connection's output ring was full */
} parley_lite_info;
int parley_lite_get_info(parley_lite *lite, parley_lite_info *info);

#endif
