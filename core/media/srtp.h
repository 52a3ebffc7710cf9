/*
 * srtp.h — SRTP/SRTCP for one PeerConnection: a pair of contexts (OpenSSL
 * EVP or libsrtp2, see parley_srtp_backend)
 * (inbound for what the peer sends, outbound for what we send) created from
 * the keys a DTLS handshake exported. Profiles: AEAD_AES_128_GCM (preferred)
 * and AES_CM_128_HMAC_SHA1_80.
 *
 * Packets are protected and unprotected in place, in a buffer the caller
 * owns: protecting needs parley_srtp_tail_room() spare bytes after the
 * packet (PARLEY_SRTP_MAX_TAIL_ROOM covers every profile). Nothing is
 * allocated per packet. One context is used by one thread at a time (the
 * handle's loop).
 */
#ifndef PARLEY_MEDIA_SRTP_H
#define PARLEY_MEDIA_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

typedef enum parley_srtp_profile {
	PARLEY_SRTP_PROFILE_NONE = 0,
	PARLEY_SRTP_AES128_CM_SHA1_80 = 1,   /* RFC 5764 id 0x0001 */
	PARLEY_SRTP_AEAD_AES_128_GCM = 7,    /* RFC 7714 id 0x0007 */
} parley_srtp_profile;

#define PARLEY_SRTP_KEY_LEN 16
#define PARLEY_SRTP_MAX_SALT_LEN 14
/* Spare bytes after a packet that protecting may fill (tag + SRTCP index). */
#define PARLEY_SRTP_MAX_TAIL_ROOM 20
#define PARLEY_SRTP_DEFAULT_REPLAY_WINDOW 1024
#define PARLEY_SRTP_MIN_REPLAY_WINDOW 64
#define PARLEY_SRTP_MAX_REPLAY_WINDOW 32767

/* Keys for one PeerConnection, as split from the DTLS exporter: "local" is
 * what we protect with, "remote" what the peer protected with. */
typedef struct parley_srtp_keys {
	parley_srtp_profile profile;
	uint8_t local_key[PARLEY_SRTP_KEY_LEN];
	uint8_t local_salt[PARLEY_SRTP_MAX_SALT_LEN];
	uint8_t remote_key[PARLEY_SRTP_KEY_LEN];
	uint8_t remote_salt[PARLEY_SRTP_MAX_SALT_LEN];
} parley_srtp_keys;

/* Return codes of the packet functions (0 or negative) and GError codes
 * in PARLEY_SRTP_ERROR. */
typedef enum parley_srtp_error {
	PARLEY_SRTP_OK = 0,
	PARLEY_SRTP_ERR_INVALID = -1,    /* bad argument or unknown profile */
	PARLEY_SRTP_ERR_NO_ROOM = -2,    /* not enough tail room to protect */
	PARLEY_SRTP_ERR_MALFORMED = -3,  /* too short / not an RTP or RTCP packet */
	PARLEY_SRTP_ERR_AUTH = -4,       /* authentication tag mismatch */
	PARLEY_SRTP_ERR_REPLAY = -5,     /* replayed or too old for the window */
	PARLEY_SRTP_ERR_INIT = -6,       /* srtp_init failed */
	PARLEY_SRTP_ERR_LIBRARY = -7,    /* any other libsrtp failure */
} parley_srtp_error;

#define PARLEY_SRTP_ERROR parley_srtp_error_quark()
GQuark parley_srtp_error_quark(void);

typedef struct parley_srtp parley_srtp;

/* Who does the cryptography: OpenSSL EVP (srtp_evp.c, contexts made once,
 * nothing allocated per packet) or libsrtp2. DEFAULT is the process-wide
 * choice (openssl unless parley_srtp_set_default_backend says otherwise;
 * [media] srtp_backend in the configuration). */
typedef enum parley_srtp_backend {
	PARLEY_SRTP_BACKEND_DEFAULT = 0,
	PARLEY_SRTP_BACKEND_OPENSSL = 1,
	PARLEY_SRTP_BACKEND_LIBSRTP = 2,
} parley_srtp_backend;

/* srtp_init, once per process (thread-safe; later calls return the first
 * result). parley_srtp_new calls it too. */
int parley_srtp_init(void);
/* A string for a code above (never NULL). */
const char *parley_srtp_strerror(int code);
/* A string for a raw libsrtp srtp_err_status_t value (never NULL). */
const char *parley_srtp_status_string(int srtp_status);
const char *parley_srtp_profile_name(parley_srtp_profile profile);
/* libsrtp's version ("libsrtp2 2.5.0"), for the server info. */
const char *parley_srtp_library_version(void);
/* Salt length of a profile, 0 for an unknown one. */
size_t parley_srtp_salt_length(parley_srtp_profile profile);
/* Bytes protecting may add after an RTP (rtcp false) or RTCP packet. */
size_t parley_srtp_tail_room(parley_srtp_profile profile, bool rtcp);

/* Creates the inbound/outbound pair. `replay_window` 0 means the default
 * (1024); otherwise PARLEY_SRTP_MIN..MAX_REPLAY_WINDOW. NULL + error set on
 * failure. Keys are copied; the caller may wipe its copy. */
parley_srtp *parley_srtp_new(const parley_srtp_keys *keys, unsigned replay_window, GError **error);
/* The same with an explicit backend. */
parley_srtp *parley_srtp_new_backend(const parley_srtp_keys *keys, unsigned replay_window,
                                     parley_srtp_backend backend, GError **error);
void parley_srtp_free(parley_srtp *srtp);
/* "openssl" / "libsrtp" -> backend; -1 for anything else (NULL included). */
int parley_srtp_backend_from_name(const char *name);
const char *parley_srtp_backend_name(parley_srtp_backend backend);
/* Sets what DEFAULT means for contexts created afterwards. */
void parley_srtp_set_default_backend(parley_srtp_backend backend);
parley_srtp_backend parley_srtp_get_backend(const parley_srtp *srtp);
parley_srtp_profile parley_srtp_get_profile(const parley_srtp *srtp);

/* In place. `length` is the plaintext packet, `capacity` the buffer size;
 * on success *out_length is the protected length. */
int parley_srtp_protect_rtp(parley_srtp *srtp, void *buffer, size_t length, size_t capacity,
                            size_t *out_length);
int parley_srtp_protect_rtcp(parley_srtp *srtp, void *buffer, size_t length, size_t capacity,
                             size_t *out_length);
/* In place; on success *out_length is the plaintext length. */
int parley_srtp_unprotect_rtp(parley_srtp *srtp, void *buffer, size_t length, size_t *out_length);
int parley_srtp_unprotect_rtcp(parley_srtp *srtp, void *buffer, size_t length, size_t *out_length);

#endif
