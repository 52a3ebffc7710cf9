/*
 * session_data.h — the data channels of one loadgen peer (a peer in
 * LOADGEN_PEER_DATA mode): one SCTP association over the peer's DTLS
 * (core/media/sctp.h, usrsctp without threads: sctp.c runs its timer on
 * the run's GMainContext) and its channel layer (datachannel.h). SCTP
 * packets come in from DTLS application data and go out through DTLS;
 * text messages come up whole to the peer's callbacks.
 *
 * Ownership: the loadgen_datachan is its peer's; text passed to
 * loadgen_datachan_send_text is borrowed; message bytes handed to the
 * callback are the channel layer's, valid during the call.
 */
#ifndef PARLEY_LOADGEN_SESSION_DATA_H
#define PARLEY_LOADGEN_SESSION_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

typedef struct loadgen_datachan loadgen_datachan;

typedef struct loadgen_datachan_callbacks {
	/* One SCTP packet for DTLS. */
	void (*output)(void *user_data, const uint8_t *packet, size_t length);
	/* The association is up and can send (once). */
	void (*writable)(void *user_data);
	/* A whole text message (binary ones are counted and dropped). */
	void (*text)(void *user_data, const char *text, size_t length);
	/* The association or a channel went away, or a message was refused. */
	void (*lost)(void *user_data, const char *reason);
} loadgen_datachan_callbacks;

/* Starts an association on `context` (DTLS is up). remote_port 0 = 5000;
 * remote_max_message_size as parley_dc_set_remote_max_message_size. NULL
 * with a reason on failure. */
loadgen_datachan *loadgen_datachan_new(GMainContext *context, bool dtls_client, uint16_t remote_port,
                                       int64_t remote_max_message_size, const loadgen_datachan_callbacks *callbacks,
                                       void *user_data, char *err, size_t err_size);
/* Aborts the association (its ABORT goes out through `output`) and frees. */
void loadgen_datachan_free(loadgen_datachan *dc);
/* One SCTP packet from DTLS. */
void loadgen_datachan_input(loadgen_datachan *dc, const uint8_t *packet, size_t length);
/* Sends text on the channel labelled `label` (opened on first use,
 * reliable and ordered). 0, or a parley_dc_error with a reason. */
int loadgen_datachan_send_text(loadgen_datachan *dc, const char *label, const char *text, size_t length,
                               char *reason, size_t reason_size);
/* Messages refused because the SCTP send buffer was full (BUSY). */
uint64_t loadgen_datachan_busy(const loadgen_datachan *dc);

#endif
