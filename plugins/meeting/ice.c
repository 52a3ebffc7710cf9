/*
 * plugins/meeting/ice.c — builds the ICE server list (STUN, TURN with static
 * or coturn use-auth-secret credentials) from the [ice] settings. HMAC-SHA1
 * and base64 come from GLib.
 */
#include <stdbool.h>
#include <string.h>
#include <glib.h>

#include "ice.h"

/* Splits a comma list into URLs, adding `scheme` when none of `schemes`
 * starts an entry. New strv (never NULL). */
static char **parse_url_list(const char *list, const char *scheme, const char *const *schemes)
{
	GPtrArray *urls = g_ptr_array_new();
	char **items = g_strsplit(list != NULL ? list : "", ",", -1);
	for (char **item = items; *item != NULL; item++) {
		char *entry = g_strstrip(*item);
		if (entry[0] == '\0')
			continue;
		bool has_scheme = false;
		for (const char *const *s = schemes; *s != NULL && !has_scheme; s++)
			has_scheme = g_str_has_prefix(entry, *s);
		g_ptr_array_add(urls, has_scheme ? g_strdup(entry) : g_strconcat(scheme, entry, NULL));
	}
	g_strfreev(items);
	g_ptr_array_add(urls, NULL);
	return (char **)g_ptr_array_free(urls, FALSE);
}

static char *non_empty_dup(const char *s)
{
	return s != NULL && s[0] != '\0' ? g_strdup(s) : NULL;
}

void parley_meeting_ice_config_init(parley_meeting_ice_config *cfg, const char *stun_servers,
                                    const char *turn_server, const char *turn_username,
                                    const char *turn_password, const char *turn_secret,
                                    unsigned turn_ttl)
{
	static const char *const stun_schemes[] = { "stun:", "stuns:", NULL };
	static const char *const turn_schemes[] = { "turn:", "turns:", NULL };
	memset(cfg, 0, sizeof(*cfg));
	cfg->stun_urls = parse_url_list(stun_servers, "stun:", stun_schemes);
	cfg->turn_urls = parse_url_list(turn_server, "turn:", turn_schemes);
	cfg->turn_username = non_empty_dup(turn_username);
	cfg->turn_password = non_empty_dup(turn_password);
	cfg->turn_secret = non_empty_dup(turn_secret);
	cfg->turn_ttl = turn_ttl > 0 ? turn_ttl : PARLEY_MEETING_TURN_TTL_DEFAULT;
}

void parley_meeting_ice_config_clear(parley_meeting_ice_config *cfg)
{
	g_strfreev(cfg->stun_urls);
	g_strfreev(cfg->turn_urls);
	g_free(cfg->turn_username);
	g_free(cfg->turn_password);
	g_free(cfg->turn_secret);
	memset(cfg, 0, sizeof(*cfg));
}

char *parley_meeting_ice_turn_username(int64_t expiry, const char *user_id)
{
	if (user_id == NULL || user_id[0] == '\0')
		return g_strdup_printf("%" G_GINT64_FORMAT, (gint64)expiry);
	return g_strdup_printf("%" G_GINT64_FORMAT ":%s", (gint64)expiry, user_id);
}

char *parley_meeting_ice_turn_credential(const char *secret, const char *username)
{
	guint8 digest[20];
	gsize length = sizeof(digest);
	GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)secret, strlen(secret));
	g_hmac_update(hmac, (const guchar *)username, (gssize)strlen(username));
	g_hmac_get_digest(hmac, digest, &length);
	g_hmac_unref(hmac);
	return g_base64_encode(digest, length);
}

json_t *parley_meeting_ice_servers(const parley_meeting_ice_config *cfg, const char *user_id, int64_t now)
{
	json_t *servers = json_array(); /* new reference, returned */
	for (char **url = cfg->stun_urls; url != NULL && *url != NULL; url++)
		json_array_append_new(servers, json_pack("{s:s}", "urls", *url));
	if (cfg->turn_urls == NULL || cfg->turn_urls[0] == NULL)
		return servers;
	char *username = NULL, *credential = NULL;
	if (cfg->turn_secret != NULL) {
		username = parley_meeting_ice_turn_username(now + cfg->turn_ttl, user_id);
		credential = parley_meeting_ice_turn_credential(cfg->turn_secret, username);
	} else if (cfg->turn_username != NULL) {
		username = g_strdup(cfg->turn_username);
		credential = g_strdup(cfg->turn_password != NULL ? cfg->turn_password : "");
	}
	for (char **url = cfg->turn_urls; *url != NULL; url++) {
		json_t *server = json_pack("{s:s}", "urls", *url); /* new; stolen by the array */
		if (username != NULL) {
			json_object_set_new(server, "username", json_string(username));
			json_object_set_new(server, "credential", json_string(credential));
		}
		json_array_append_new(servers, server);
	}
	g_free(username);
	g_free(credential);
	return servers;
}
