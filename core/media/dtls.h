/*
 * dtls.h — DTLS-SRTP for the media path (OpenSSL 3, DTLS 1.2).
 *
 * Owns: the process-wide certificate (loaded from PEM files or an ECDSA
 * P-256 self-signed one generated at start) and its SHA-256 fingerprint for
 * SDP; one parley_dtls session per PeerConnection with memory transport
 * (datagrams in from ICE with parley_dtls_incoming, out through the `send`
 * callback), retransmission timers on the handle's GMainContext, peer
 * fingerprint check, SRTP keying material export, close_notify; and the
 * RFC 7983 demultiplexing of datagrams that share one ICE component.
 *
 * Threading: the certificate is set up once before any session exists and
 * released after the last one. A session lives on one loop thread: call its
 * functions there. Callbacks run synchronously from parley_dtls_start,
 * parley_dtls_incoming, parley_dtls_close or the timer; a callback may call
 * parley_dtls_free on its own session (the release is deferred to the end
 * of the dispatch), but must not feed the session datagrams re-entrantly.
 */
#ifndef PARLEY_MEDIA_DTLS_H
#define PARLEY_MEDIA_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "srtp.h"

typedef enum parley_dtls_error_code {
	PARLEY_DTLS_OK = 0,
	PARLEY_DTLS_ERR_INVALID = -1,       /* bad argument */
	PARLEY_DTLS_ERR_NO_CERTIFICATE = -2, /* parley_dtls_certificate_setup not done */
	PARLEY_DTLS_ERR_CERTIFICATE = -3,   /* PEM files unreadable / key mismatch / generation failed */
	PARLEY_DTLS_ERR_FINGERPRINT = -4,   /* peer certificate does not match the SDP fingerprint */
	PARLEY_DTLS_ERR_HANDSHAKE = -5,     /* TLS alert or protocol error */
	PARLEY_DTLS_ERR_TIMEOUT = -6,       /* handshake not done within the configured time */
	PARLEY_DTLS_ERR_NO_SRTP = -7,       /* no common SRTP profile / export failed */
	PARLEY_DTLS_ERR_STATE = -8,         /* call not valid in the session's state */
	PARLEY_DTLS_ERR_TOO_LARGE = -9,     /* datagram larger than the limit */
} parley_dtls_error_code;

#define PARLEY_DTLS_ERROR parley_dtls_error_quark()
GQuark parley_dtls_error_quark(void);
const char *parley_dtls_strerror(int code);

/* ---- process-wide certificate ---- */

/* Loads `cert_pem` + `key_pem` (both set) or generates an ECDSA P-256
 * self-signed certificate (both NULL). Replaces nothing: call once, before
 * sessions; parley_dtls_certificate_cleanup releases it. */
int parley_dtls_certificate_setup(const char *cert_pem, const char *key_pem, GError **error);
void parley_dtls_certificate_cleanup(void);
/* "AB:CD:..." (SHA-256, upper case) for "a=fingerprint:sha-256 ...", or
 * NULL before setup. Valid until cleanup. */
const char *parley_dtls_certificate_fingerprint(void);
/* OpenSSL's version ("OpenSSL 3.0.x ..."), for the server info. */
const char *parley_dtls_library_version(void);

/* ---- roles from SDP a=setup ---- */

typedef enum parley_dtls_role {
	PARLEY_DTLS_ROLE_CLIENT = 0,   /* we send ClientHello: a=setup:active */
	PARLEY_DTLS_ROLE_SERVER = 1,   /* we wait: a=setup:passive */
} parley_dtls_role;

/* Our role given the peer's a=setup value ("active" → server, "passive" →
 * client, "actpass" → client as the answerer, RFC 5763). */
int parley_dtls_role_for_remote_setup(const char *remote_setup, parley_dtls_role *role);
/* The a=setup value that announces `role` in our answer. */
const char *parley_dtls_setup_for_role(parley_dtls_role role);

/* ---- sessions ---- */

typedef enum parley_dtls_state {
	PARLEY_DTLS_STATE_NEW = 0,
	PARLEY_DTLS_STATE_CONNECTING,
	PARLEY_DTLS_STATE_CONNECTED,
	PARLEY_DTLS_STATE_CLOSED,
	PARLEY_DTLS_STATE_FAILED,
} parley_dtls_state;
const char *parley_dtls_state_name(parley_dtls_state state);

/* SRTP profiles to offer, as a bit set; order of preference is fixed:
 * AEAD_AES_128_GCM first. */
#define PARLEY_DTLS_SRTP_GCM (1u << 0)
#define PARLEY_DTLS_SRTP_CM_SHA1_80 (1u << 1)
#define PARLEY_DTLS_SRTP_ALL (PARLEY_DTLS_SRTP_GCM | PARLEY_DTLS_SRTP_CM_SHA1_80)

typedef struct parley_dtls_options {
	parley_dtls_role role;
	/* From the remote SDP: a=fingerprint:<hash> <value>; "sha-256" (also
	 * sha-1, sha-384, sha-512). Both may be NULL now and set later with
	 * parley_dtls_set_remote_fingerprint, before the handshake ends. */
	const char *remote_fingerprint_hash;
	const char *remote_fingerprint;
	unsigned srtp_profiles;          /* 0 = PARLEY_DTLS_SRTP_ALL */
	unsigned mtu;                    /* 0 = 1200 bytes */
	unsigned retransmit_initial_ms;  /* first retransmission; 0 = 1000, doubled each time */
	unsigned handshake_timeout_ms;   /* 0 = 30000 */
} parley_dtls_options;

typedef struct parley_dtls_callbacks {
	/* One datagram to send through ICE (required). */
	void (*send)(void *user_data, const uint8_t *data, size_t length);
	/* Handshake done, fingerprint verified; keys split for our role. */
	void (*connected)(void *user_data, const parley_srtp_keys *keys);
	/* Handshake or session failure: a code above and a readable reason. */
	void (*failed)(void *user_data, int code, const char *reason);
	/* The peer sent close_notify. */
	void (*closed)(void *user_data);
	/* One application data record (data channels are layered above). */
	void (*data)(void *user_data, const uint8_t *data, size_t length);
} parley_dtls_callbacks;

typedef struct parley_dtls parley_dtls;

/* A session on `context` (NULL = the global default context). Callbacks
 * are copied. NULL + error on failure. */
parley_dtls *parley_dtls_new(GMainContext *context, const parley_dtls_options *options,
                             const parley_dtls_callbacks *callbacks, void *user_data, GError **error);
/* Frees the session (no close_notify: call parley_dtls_close first for a
 * clean end). Stops its timers. */
void parley_dtls_free(parley_dtls *dtls);
int parley_dtls_set_remote_fingerprint(parley_dtls *dtls, const char *hash, const char *fingerprint);
/* Starts the handshake: a client sends its ClientHello, a server waits. */
int parley_dtls_start(parley_dtls *dtls);
/* One DTLS datagram received from ICE (RFC 7983 range 20..63). */
int parley_dtls_incoming(parley_dtls *dtls, const uint8_t *data, size_t length);
/* Sends application data once connected. */
int parley_dtls_send_data(parley_dtls *dtls, const uint8_t *data, size_t length);
/* Sends close_notify (if the handshake got that far) and moves to CLOSED. */
void parley_dtls_close(parley_dtls *dtls);
parley_dtls_state parley_dtls_get_state(const parley_dtls *dtls);
parley_dtls_role parley_dtls_get_role(const parley_dtls *dtls);
/* Negotiated profile once connected, else NONE. */
parley_srtp_profile parley_dtls_get_srtp_profile(const parley_dtls *dtls);
/* Datagrams retransmitted by the timer so far. */
unsigned parley_dtls_get_retransmissions(const parley_dtls *dtls);

/* ---- demultiplexing (RFC 7983) ---- */

typedef enum parley_packet_kind {
	PARLEY_PACKET_UNKNOWN = 0,
	PARLEY_PACKET_STUN,        /* 0..3 */
	PARLEY_PACKET_ZRTP,        /* 16..19 */
	PARLEY_PACKET_DTLS,        /* 20..63 */
	PARLEY_PACKET_TURN_CHANNEL,/* 64..79 */
	PARLEY_PACKET_RTP,         /* 128..191, payload type not in 64..95 */
	PARLEY_PACKET_RTCP,        /* 128..191, packet type 192..223 (RFC 5761) */
} parley_packet_kind;

parley_packet_kind parley_dtls_classify(const uint8_t *data, size_t length);
const char *parley_dtls_packet_kind_name(parley_packet_kind kind);

#endif
