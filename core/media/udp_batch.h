/*
 * udp_batch.h — the datagrams one event-loop thread sends while it handles
 * one iteration of its context, held and sent together when the iteration
 * ends (before the loop polls again). Datagrams to one destination on one
 * socket leave in the order they were queued; a run of them of one size
 * (the last may be shorter) goes out as a single UDP GSO send (UDP_SEGMENT),
 * so the kernel's stack is crossed once per run instead of once per packet,
 * and all the messages of one socket enter the kernel in one sendmmsg().
 * Where GSO is refused (old kernel, no checksum offload on the device) the
 * run is sent a datagram at a time and GSO stays off.
 *
 * Usage on a loop thread: parley_udp_batch_attach(context) once after the
 * thread pushed its context, then per datagram parley_udp_batch_slot() to
 * get a buffer, write the datagram in it, parley_udp_batch_commit() to queue
 * it. A thread without a batch gets NULL from parley_udp_batch_slot() and
 * sends its own way. parley_udp_batch_detach() sends what is queued and
 * frees the batch; call it on the same thread before it ends.
 *
 * Ownership: a route's socket is the caller's; commit takes a reference of
 * its own for the queued datagram, dropped after the send, so a socket
 * closed by its owner between commit and flush is still the one used.
 */
#ifndef PARLEY_MEDIA_UDP_BATCH_H
#define PARLEY_MEDIA_UDP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <glib.h>

typedef struct _GSocket GSocket;    /* GIO's, as libnice hands it out */

/* The largest datagram a slot holds. */
#define PARLEY_UDP_BATCH_SLOT_BYTES 1664

/* The local address a datagram leaves from, for a socket bound to the
 * wildcard address on a host with several (IP_PKTINFO / IPV6_PKTINFO):
 * the address the peer sent to. family 0 = the kernel's choice. */
typedef struct parley_udp_source {
	sa_family_t family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
} parley_udp_source;

/* Control-message room parley_udp_source_control needs. */
#define PARLEY_UDP_SOURCE_SPACE CMSG_SPACE(sizeof(struct in6_pktinfo))
/* Writes source's PKTINFO control message at cm (PARLEY_UDP_SOURCE_SPACE
 * bytes, zeroed, aligned); returns the bytes used, 0 when family is 0. */
size_t parley_udp_source_control(const parley_udp_source *source, struct cmsghdr *cm);
/* The destination address of a datagram read with IP_PKTINFO /
 * IPV6_RECVPKTINFO on, from its control messages; family 0 when absent. */
void parley_udp_source_from_control(struct msghdr *msg, parley_udp_source *source);

/* Where a datagram goes: a UDP socket, the peer's address and, optionally,
 * the local address it leaves from. */
typedef struct parley_udp_route {
	GSocket *socket;                  /* NULL = no route */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	parley_udp_source source;         /* family 0: the kernel picks */
} parley_udp_route;

/* Counters over every thread since start (relaxed atomics). */
typedef struct parley_udp_batch_stats {
	uint64_t datagrams;               /* committed */
	uint64_t sends;                   /* messages handed to the kernel at flush (a datagram, or a GSO run) */
	uint64_t gso_sends;               /* of which carried more than one datagram */
	uint64_t syscalls;                /* sendmmsg()/sendmsg() calls that carried them */
	uint64_t dropped;                 /* the kernel refused them (full buffer, unreachable) */
	bool gso_enabled;
} parley_udp_batch_stats;

/* Gives the calling thread a batch flushed at each iteration of `context`
 * (which this thread runs). Returns false when it already has one. */
bool parley_udp_batch_attach(GMainContext *context);
/* Sends what is queued and frees the calling thread's batch. */
void parley_udp_batch_detach(void);

/* A buffer of at least `bytes` for the next datagram of this thread (a
 * full batch is sent first), or NULL when the thread has no batch, batching
 * is off or bytes > PARLEY_UDP_BATCH_SLOT_BYTES. Valid until the next
 * commit, or until this thread's loop iteration ends. */
uint8_t *parley_udp_batch_slot(size_t bytes);
/* Sends the calling thread's batch now if it is full, so that the next
 * parley_udp_batch_slot() does not: call it before taking a lock that
 * other threads' senders wait on. */
void parley_udp_batch_make_room(void);
/* Queues the `length` bytes written in the slot for `route`. Returns 0, or
 * -1 (no batch, no route, bad length, no slot taken). */
int parley_udp_batch_commit(const parley_udp_route *route, size_t length);

/* Copies route's address from a sockaddr; takes a reference on socket. */
void parley_udp_route_set(parley_udp_route *route, GSocket *socket, const struct sockaddr *addr, socklen_t len);
/* Drops the route's socket reference; the route is empty after. */
void parley_udp_route_clear(parley_udp_route *route);

void parley_udp_batch_get_stats(parley_udp_batch_stats *stats);
/* For the whole process ([media] send_batch, udp_gso): with batching off
 * parley_udp_batch_slot() returns NULL everywhere (callers send their own
 * way); with GSO off every queued datagram is its own message. Both on
 * by default. */
void parley_udp_batch_set_enabled(bool enabled);
void parley_udp_batch_set_gso(bool enabled);

#endif
