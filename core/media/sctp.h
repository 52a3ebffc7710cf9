/*
 * sctp.h — SCTP associations over DTLS (RFC 8261) with usrsctp in AF_CONN
 * mode: usrsctp never touches a socket; each association's packets come in
 * through parley_sctp_input (DTLS application data) and go out through the
 * `output` callback (into DTLS).
 *
 * usrsctp runs without threads of its own for timers or input
 * (usrsctp_init_nothreads): the event loops drive it. Its state is
 * process-wide (one timer wheel, one list of endpoints), so:
 *  - One usrsctp lock (a process mutex) is held around every call into
 *    usrsctp: input, send, stream reset, open, close and the timer tick.
 *    It is taken only on the data-channel path — an SCTP packet in, a
 *    message out, a timer tick — never on the RTP/RTCP path, which neither
 *    calls nor waits for anything here. Contention is between data channel
 *    traffic of different loops only.
 *  - Timers: every loop with an association runs a 10 ms GSource that
 *    advances usrsctp's clock by the time elapsed since the last tick of
 *    any loop (under the lock, so time is counted once). A timer may fire
 *    for an association of another loop.
 *  - So usrsctp's callbacks (a packet to send, a message or notification
 *    received, send buffer room) may run on any loop's thread. They only
 *    queue what they carry on the association (under a small queue lock,
 *    never while calling usrsctp) and, when the association's own loop is
 *    not the one calling, wake that loop. Every callback of this API runs
 *    on the association's loop, after the usrsctp call returned and the
 *    usrsctp lock was released: DTLS is fed and plugins are called without
 *    any lock of ours held.
 *  - usrsctp names an association in its callbacks by the opaque address
 *    it was registered with: a random id from sctp_table.c, never a
 *    pointer, so a late callback for a closed association finds nothing.
 *  - usrsctp 0.9.5 still starts its iterator thread, which sleeps until
 *    an iterator is queued; that happens for address changes of endpoints
 *    bound to every address, and ours are each bound to their own id.
 *
 * Functions marked [loop] run on the association's context thread.
 */
#ifndef PARLEY_MEDIA_SCTP_H
#define PARLEY_MEDIA_SCTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "datachannel.h"

/* The SCTP port both ends use unless SDP says otherwise (RFC 8841). */
#define PARLEY_SCTP_DEFAULT_PORT 5000
/* Path MTU for SCTP packets: 1200 bytes of DTLS datagram leave room for
 * DTLS's own header, nonce and tag. */
#define PARLEY_SCTP_MTU 1150

typedef struct parley_sctp_callbacks {
	/* One SCTP packet for DTLS (required). */
	void (*output)(void *user_data, const uint8_t *packet, size_t length);
	/* A piece of a message (`complete` on its last); `data` is writable
	 * during the call. */
	void (*data)(void *user_data, uint16_t stream, uint32_t ppid, bool complete, uint8_t *data, size_t length);
	/* A message handed over in pieces was given up by SCTP. */
	void (*partial_aborted)(void *user_data);
	/* Streams reset (n = 0: all): incoming = by the peer; else ours completed. */
	void (*streams_reset)(void *user_data, const uint16_t *streams, size_t n, bool incoming);
	/* The association is up, or ended (lost, shut down, aborted). */
	void (*state)(void *user_data, bool up);
	/* The send buffer has room again after a send returned BUSY. */
	void (*writable)(void *user_data);
} parley_sctp_callbacks;

typedef struct parley_sctp_options {
	uint16_t local_port;       /* 0 = PARLEY_SCTP_DEFAULT_PORT */
	uint16_t remote_port;      /* 0 = PARLEY_SCTP_DEFAULT_PORT */
	size_t max_message_size;   /* sizes the send and receive buffers; 0 = PARLEY_DC_DEFAULT_MAX_MESSAGE */
} parley_sctp_options;

typedef struct parley_sctp parley_sctp;

/* [loop] An association on `context` (its loop's thread calls every
 * function below); connecting starts at once (both ends connect: SCTP
 * resolves the simultaneous open). NULL with a reason on failure. */
parley_sctp *parley_sctp_new(GMainContext *context, const parley_sctp_options *options,
                             const parley_sctp_callbacks *callbacks, void *user_data, char *err, size_t err_size);
/* [loop] Aborts the association (the ABORT goes out through `output`
 * before this returns) and frees it; no callback runs afterwards. */
void parley_sctp_free(parley_sctp *sctp);
/* [loop] One SCTP packet from DTLS. */
void parley_sctp_input(parley_sctp *sctp, const uint8_t *packet, size_t length);
/* [loop] One whole message. 0, PARLEY_DC_ERR_BUSY (send buffer full),
 * PARLEY_DC_ERR_TOO_LARGE, PARLEY_DC_ERR_CLOSED or PARLEY_DC_ERR_SEND. */
int parley_sctp_send(parley_sctp *sctp, uint16_t stream, uint32_t ppid, const parley_dc_send_options *options,
                     const uint8_t *data, size_t length);
/* [loop] Resets our outgoing `stream` (queued by SCTP behind its data). */
int parley_sctp_reset_stream(parley_sctp *sctp, uint16_t stream);
/* The id usrsctp knows this association by (for tests). */
uintptr_t parley_sctp_id(const parley_sctp *sctp);

/* The parley_dc_transport that sends through a parley_sctp (its
 * transport_data is the parley_sctp). */
extern const parley_dc_transport parley_sctp_dc_transport;

/* Process-wide counters (relaxed atomics). */
typedef struct parley_sctp_stats {
	uint64_t associations;      /* live now */
	uint64_t opened;            /* since start */
	uint64_t packets_in, packets_out;
	uint64_t stale_callbacks;   /* callbacks for an id no association has (any more) */
} parley_sctp_stats;
void parley_sctp_get_stats(parley_sctp_stats *stats);

/* At process end, with no association left: lets usrsctp's last timers run
 * and releases usrsctp (usrsctp_finish). Bounded: gives up after ~2 s. */
void parley_sctp_shutdown(void);

#endif
