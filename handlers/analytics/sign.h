/*
 * handlers/analytics/sign.h — the webhook signature: HMAC-SHA256 of the
 * exact request body with the configured key, as 64 lowercase hex digits,
 * sent as `Authorization: sha256=<hex>` (README "Webhooks").
 */
#ifndef PARLEY_ANALYTICS_SIGN_H
#define PARLEY_ANALYTICS_SIGN_H

#include <stddef.h>

#define ANALYTICS_SIGNATURE_HEX 64

/* Writes the 64 hex digits and a NUL into out (65 bytes at least). */
void parley_analytics_sign(const char *key, size_t key_length, const char *body, size_t body_length,
                           char out[ANALYTICS_SIGNATURE_HEX + 1]);
/* The whole header value "sha256=<hex>" into out (72 bytes at least). */
void parley_analytics_authorization(const char *key, const char *body, size_t body_length, char *out, size_t size);

#endif
