/*
 * plugins/meeting/ice.h — the ICE server list handed to each joiner
 * (ice-servers {iceServers}): STUN servers, a TURN server with static
 * credentials, or time-limited TURN credentials in coturn's
 * use-auth-secret scheme (the "TURN REST API"): username
 * "<expiry unix time>:<userId>", credential base64(HMAC-SHA1(secret,
 * username)).
 */
#ifndef PARLEY_MEETING_ICE_H
#define PARLEY_MEETING_ICE_H

#include <stdint.h>
#include <jansson.h>

#define PARLEY_MEETING_TURN_TTL_DEFAULT 86400

typedef struct parley_meeting_ice_config {
	char **stun_urls;    /* "stun:host:port", NULL-terminated */
	char **turn_urls;    /* "turn:host:port", NULL-terminated */
	char *turn_username; /* static credentials, or NULL */
	char *turn_password;
	char *turn_secret;   /* shared secret: ephemeral credentials, or NULL */
	unsigned turn_ttl;   /* seconds */
} parley_meeting_ice_config;

/* Fills `cfg` from the configuration strings (each may be NULL):
 * stun_servers and turn_server are comma lists of host:port (a "stun:",
 * "turn:" or "turns:" scheme is kept when given). turn_ttl 0 means the
 * default. */
void parley_meeting_ice_config_init(parley_meeting_ice_config *cfg, const char *stun_servers,
                                    const char *turn_server, const char *turn_username,
                                    const char *turn_password, const char *turn_secret,
                                    unsigned turn_ttl);
void parley_meeting_ice_config_clear(parley_meeting_ice_config *cfg);

/* The iceServers array for `user_id` at unix time `now` (new reference). */
json_t *parley_meeting_ice_servers(const parley_meeting_ice_config *cfg, const char *user_id, int64_t now);

/* "<expiry>:<user_id>" (or "<expiry>" when user_id is empty); g_free it. */
char *parley_meeting_ice_turn_username(int64_t expiry, const char *user_id);
/* base64(HMAC-SHA1(secret, username)); g_free it. */
char *parley_meeting_ice_turn_credential(const char *secret, const char *username);

#endif
