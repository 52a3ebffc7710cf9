/*
 * srtp_evp.h — the OpenSSL EVP backend of parley_srtp (internal to
 * core/media/srtp.c): RFC 3711 AES_CM_128_HMAC_SHA1_80 and RFC 7714
 * AEAD_AES_128_GCM with the cipher contexts made once per direction, per-SSRC
 * index and replay state, nothing allocated per packet once an SSRC is known.
 * Return codes are the parley_srtp_error values.
 */
#ifndef PARLEY_MEDIA_SRTP_EVP_H
#define PARLEY_MEDIA_SRTP_EVP_H

#include "srtp.h"

/* Most SSRCs one direction keeps state for; packets of further SSRCs are
 * refused with PARLEY_SRTP_ERR_INVALID. */
#define PARLEY_SRTP_EVP_MAX_STREAMS 4096

typedef struct parley_srtp_evp parley_srtp_evp;

/* One direction: `outbound` protects (repeats of an index allowed, as for
 * a NACKed resend), otherwise unprotects. NULL + error on failure. */
parley_srtp_evp *parley_srtp_evp_new(parley_srtp_profile profile, const uint8_t *key, const uint8_t *salt,
                                     unsigned replay_window, bool outbound, GError **error);
void parley_srtp_evp_free(parley_srtp_evp *ctx);
/* In place; lengths checked by the caller (room, minimum size). */
int parley_srtp_evp_protect_rtp(parley_srtp_evp *ctx, uint8_t *packet, size_t length, size_t *out_length);
int parley_srtp_evp_protect_rtcp(parley_srtp_evp *ctx, uint8_t *packet, size_t length, size_t *out_length);
int parley_srtp_evp_unprotect_rtp(parley_srtp_evp *ctx, uint8_t *packet, size_t length, size_t *out_length);
int parley_srtp_evp_unprotect_rtcp(parley_srtp_evp *ctx, uint8_t *packet, size_t length, size_t *out_length);

#endif
