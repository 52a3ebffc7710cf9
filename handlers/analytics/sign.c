/*
 * handlers/analytics/sign.c — HMAC-SHA256 signatures of webhook bodies
 * (GLib's GHmac; see sign.h).
 */
#include <string.h>
#include <glib.h>
#include "sign.h"

void parley_analytics_sign(const char *key, size_t key_length, const char *body, size_t body_length,
                           char out[ANALYTICS_SIGNATURE_HEX + 1])
{
	GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)(key ? key : ""), key ? key_length : 0);
	g_hmac_update(hmac, (const guchar *)(body ? body : ""), body ? (gssize)body_length : 0);
	g_strlcpy(out, g_hmac_get_string(hmac), ANALYTICS_SIGNATURE_HEX + 1);
	g_hmac_unref(hmac);
}

void parley_analytics_authorization(const char *key, const char *body, size_t body_length, char *out, size_t size)
{
	char hex[ANALYTICS_SIGNATURE_HEX + 1];
	parley_analytics_sign(key, key ? strlen(key) : 0, body, body_length, hex);
	g_snprintf(out, size, "sha256=%s", hex);
}
