/*
 * lite_internal.h — what lite_stun.c (STUN checks and answers), lite_mux.c
 * (the per-loop sockets, tables and hand-over rings) and lite.c (one
 * PeerConnection's transport) share.
 *
 * Ownership: a loop's tables point into the transports (credentials and
 * paths are fields of parley_lite, listed and unlisted by lite.c on the
 * loop's thread); the forward table owns its keys. Nothing is allocated per
 * datagram: receive buffers, ring slots and reply buffers are fixed.
 */
#ifndef PARLEY_MEDIA_LITE_INTERNAL_H
#define PARLEY_MEDIA_LITE_INTERNAL_H

#include "lite.h"
#include "lite_frame.h"
#include "lite_ring.h"

#include <sys/socket.h>
#include <stun/stunagent.h>

#define LITE_MAX_LOOPS 64 /* one ufrag character names the loop */
#define LITE_MAX_PATHS 8 /* 5-tuples a transport remembers (the oldest unselected goes) */
#define LITE_UFRAG_LEN 16
#define LITE_PWD_LEN 24
#define LITE_DATAGRAM 2048 /* receive buffer per datagram */
#define LITE_REPLY 256     /* a binding answer */

/* A remote transport address as a hash key (zeroed before filling). */
typedef struct lite_key {
	uint16_t family;
	uint16_t port; /* network order */
	uint8_t addr[16];
} lite_key;

typedef struct lite_cred {
	char ufrag[LITE_UFRAG_LEN + 1];
	char pwd[LITE_PWD_LEN + 1];
	parley_lite *owner;
	bool listed; /* in the loop's ufrag table */
} lite_cred;

typedef struct lite_tcp_conn lite_tcp_conn;

typedef struct lite_path {
	lite_key key;
	/* An ICE-TCP path: its connection (NULL once it closed; changed under
	 * the transport's tcp_lock) and, fixed while used, that it is one. */
	lite_tcp_conn *tcp;
	bool is_tcp;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	parley_lite *owner;
	unsigned via;           /* the loop whose socket the peer's datagrams reach */
	parley_udp_source local; /* the address the peer sends to: ours, sent from (family 0 on TCP) */
	gint64 last_request_us; /* the last valid binding request on it */
	bool used, listed;
} lite_path;

#define LITE_BATCH 32       /* datagrams per recvmmsg */

/* One event loop's share (lite_mux.c sets it up, lite_demux.c runs it). */
typedef struct lite_loop {
	unsigned index;
	unsigned port; /* its UDP sockets' (every loop's, unless port_per_loop) */
	GMainContext *context;
	GSource *source;
	GSocket *sockets[2]; /* [0] IPv4, [1] IPv6; NULL when that family is not configured */
	gpointer tags[2];
	int wake_fd; /* eventfd: another loop filled our inbox */
	gpointer wake_tag;
	GHashTable *by_ufrag; /* char * (in a lite_cred) → lite_cred *, not owned */
	GHashTable *by_addr;  /* lite_key * (in a lite_path) → lite_path *, not owned */
	GHashTable *forwards; /* lite_key * (owned) → owner loop index + 1 */
	StunAgent stun;
	lite_ring *inbox[LITE_MAX_LOOPS]; /* [sender]: created once by that sender (lite_ring.h), freed at stop */
	uint64_t wake_pending;            /* loops to wake when this batch is done */
	struct mmsghdr msgs[LITE_BATCH];
	struct iovec iov[LITE_BATCH];
	struct sockaddr_storage from[LITE_BATCH];
	union {
		/* IP_PKTINFO / IPV6_PKTINFO (the local address), SO_TIMESTAMPNS (when the kernel queued it) */
		char buf[PARLEY_UDP_SOURCE_SPACE + CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control[LITE_BATCH];
	uint8_t bufs[LITE_BATCH][LITE_DATAGRAM];
	uint8_t reply[LITE_REPLY];
	/* ICE-TCP (lite_tcp.c): listening sockets on [media] tcp_port, their
	 * accept source, and the connections this loop reads (a set). */
	int tcp_listen[2]; /* -1 when none */
	GSource *tcp_source;
	GHashTable *tcp_conns;
	/* lite.c's transports on this loop, which one timer (TICK_MS, running
	 * while the list is not empty) checks for connect and consent
	 * timeouts: one wake-up for them all instead of one each. */
	parley_lite *ticking;    /* the list's head (parley_lite.tick_next links it) */
	parley_lite *tick_visit; /* the next one a running check visits (unlinking it moves this on) */
	GSource *tick_source;
} lite_loop;

/* ---- lite_stun.c ---- */

typedef enum lite_stun_verdict {
	LITE_STUN_DROP = 0, /* not an answerable request: nothing is sent */
	LITE_STUN_ERROR,    /* answered with an error (reply holds it) */
	LITE_STUN_VALID,    /* authenticated: reply holds the success answer */
} lite_stun_verdict;

typedef struct lite_stun_result {
	lite_stun_verdict verdict;
	int error_code;  /* 400, 401, 420, 487 with LITE_STUN_ERROR */
	parley_lite_reject reject; /* why, unless LITE_STUN_VALID */
	lite_cred *cred; /* whose password matched (or whose ufrag was named) */
	bool use_candidate;
	size_t reply_len;
	const char *why; /* for a drop or an error: a short reason */
} lite_stun_result;

/* Our ufrag (before ':') → its credentials, NULL when unknown. */
typedef lite_cred *(*lite_cred_lookup)(void *data, const char *ufrag);

void lite_stun_agent_init(StunAgent *agent);
/* A STUN message by RFC 7983's first byte, the magic cookie and a length
 * that matches the datagram. */
bool lite_stun_is_stun(const uint8_t *data, size_t length);
/* Copies the first part of USERNAME (no check of integrity) into ufrag;
 * false when there is none or it is longer than cap - 1. */
bool lite_stun_ufrag(const uint8_t *data, size_t length, char *ufrag, size_t cap);
/* Checks a binding request (FINGERPRINT, MESSAGE-INTEGRITY with the
 * password of the ufrag it names, attributes, role) and writes the answer
 * into reply (LITE_REPLY bytes). */
void lite_stun_handle(StunAgent *agent, const uint8_t *data, size_t length, const struct sockaddr *from,
                      socklen_t from_len, lite_cred_lookup lookup, void *lookup_data, uint8_t *reply,
                      lite_stun_result *result);

/* ---- lite_mux.c ---- */

lite_loop *lite_loop_for(GMainContext *context);
/* The started loop of that index, NULL past the last (fixed while running). */
lite_loop *lite_loop_at(unsigned index);
unsigned lite_loop_count(void);
/* The loop index a ufrag's first character names, -1 when none. */
int lite_loop_of_ufrag(const char *ufrag);
void lite_count(uint64_t *counter, uint64_t n);
/* Process-wide counters (relaxed atomics, read by parley_lite_get_stats). */
extern uint64_t lite_stat_datagrams, lite_stat_sent, lite_stat_requests, lite_stat_rejected, lite_stat_dropped,
	lite_stat_unknown_address, lite_stat_handed, lite_stat_handover_full, lite_stat_stale, lite_stat_selections,
	lite_stat_switches, lite_stat_consent_expiries, lite_stat_connect_timeouts, lite_stat_restarts;
extern uint64_t lite_stat_rejects[PARLEY_LITE_REJECT_COUNT];

/* ---- lite_demux.c ---- */

/* The loop's GSource: reads its sockets and its inbox. */
GSource *lite_loop_source_new(lite_loop *loop);
void lite_key_from(lite_key *key, const struct sockaddr *addr);
guint lite_key_hash(gconstpointer key);
gboolean lite_key_equal(gconstpointer a, gconstpointer b);

unsigned lite_loop_index(const lite_loop *loop);
/* One character of the ufrag alphabet naming the loop. */
char lite_loop_tag(const lite_loop *loop);
/* The announced host addresses ("ip" strings); the loop's UDP port. */
const char *const *lite_loop_addresses(const lite_loop *loop);
unsigned lite_loop_port(const lite_loop *loop);
unsigned lite_consent_timeout_ms(void);
/* The configured size of a hand-over ring ([media] lite_handover_kb). */
size_t lite_handover_bytes(void);
/* [media] lite_stale_media_ms in ns, 0 = never drop. */
int64_t lite_stale_media_ns(void);
/* Whether a datagram that waited `waited_ns` in the socket's queue is RTP
 * (not STUN, DTLS or RTCP: RFC 7983 demultiplexing) older than `limit_ns`
 * (0 = no limit): such media is dropped unread. */
bool lite_is_stale_media(const uint8_t *data, size_t length, int64_t waited_ns, int64_t limit_ns);
void lite_loop_list_cred(lite_loop *loop, lite_cred *cred);
void lite_loop_unlist_cred(lite_loop *loop, lite_cred *cred);
/* Puts path in the 5-tuple table (taking the key from another transport's
 * path that held it) and tells the receiving loop when it is not this one. */
void lite_loop_list_path(lite_loop *loop, lite_path *path);
void lite_loop_unlist_path(lite_loop *loop, lite_path *path);
/* Tells loop `via` that path's datagrams belong here (or no longer). */
void lite_loop_forward(lite_loop *loop, unsigned via, const lite_key *key, bool add);
/* The socket for sending to a family, NULL when none. */
GSocket *lite_loop_socket(lite_loop *loop, int family);
/* Sends from `local` (NULL or family 0: the kernel picks the source). */
int lite_loop_send(lite_loop *loop, const struct sockaddr *to, socklen_t to_len, const parley_udp_source *local,
                   const uint8_t *data, size_t length);
/* One datagram as received on loop `via`, sent to our address `local`
 * (NULL when unknown; the fuzz target's entry). */
void lite_loop_datagram(lite_loop *loop, unsigned via, const struct sockaddr *from, socklen_t from_len,
                        const parley_udp_source *local, uint8_t *data, size_t length);

/* The password table lookup lite_stun_handle takes, for loop `data`. */
lite_cred *lite_loop_lookup_cred(void *data, const char *ufrag);

/* ---- lite_tcp.c ---- */

#define LITE_TCP_OUT (128 * 1024) /* output ring per connection */

/* Attaches the accept source of the loop's listening sockets (opened by
 * lite_mux.c on tcp_port with SO_REUSEPORT, as the UDP ones), if any. */
void lite_tcp_loop_start(lite_loop *loop);
/* Closes the listeners and every connection the loop reads. */
void lite_tcp_loop_stop(lite_loop *loop);
unsigned lite_tcp_port(void);
/* A connected stream socket (non-blocking) from peer, read by loop from
 * now on: what accepting does, and the fuzz target's entry. Closes fd when
 * over the pending limit. */
void lite_tcp_adopt(lite_loop *loop, int fd, const struct sockaddr_storage *peer, socklen_t peer_len);
/* Queues one packet framed on the connection and writes what the socket
 * takes; -1 when the output ring is full (counted) or it is closed. Any
 * thread (the connection's lock). */
int lite_tcp_send(lite_tcp_conn *conn, const uint8_t *data, size_t length);
/* The path that connection became (the owner's thread) is gone: closes it. */
void lite_tcp_close(lite_tcp_conn *conn);
/* lite.c made the connection its path (NULL: no longer). */
void lite_tcp_set_path(lite_tcp_conn *conn, lite_path *path);
const struct sockaddr_storage *lite_tcp_peer(const lite_tcp_conn *conn, socklen_t *length);
extern uint64_t lite_stat_tcp_accepted, lite_stat_tcp_refused, lite_stat_tcp_bad, lite_stat_tcp_timed_out,
	lite_stat_tcp_dropped;
/* Process-wide settings, set by parley_lite_start. */
void lite_tcp_configure(unsigned port, unsigned max_pending, unsigned auth_timeout_ms);

/* ---- lite.c ---- */

/* A valid binding request reached `cred`'s transport from `from`. */
void lite_on_request(parley_lite *lite, lite_cred *cred, unsigned via, const struct sockaddr *from, socklen_t from_len,
                     const parley_udp_source *local, bool use_candidate);
/* A valid binding request came on an ICE-TCP connection (its reading loop
 * is the transport's): the connection becomes (or stays) one of its paths,
 * without a local address. */
void lite_on_tcp_request(parley_lite *lite, lite_cred *cred, lite_tcp_conn *conn, bool use_candidate);
/* That path's connection closed (the transport's loop; bad: for bad
 * framing). Last: the callbacks may end the transport. */
void lite_on_tcp_closed(parley_lite *lite, lite_path *path, bool bad);
/* Another datagram from a path of this transport. */
void lite_on_datagram(parley_lite *lite, uint8_t *data, size_t length);
/* Another transport took one of this transport's 5-tuples. */
void lite_on_path_taken(parley_lite *lite, lite_path *path);

#endif
