/*
 * auth.h — who may use the API: the API secret, the admin secret, stored
 * tokens (managed over the admin API, each with an optional list of allowed
 * plugins) and HMAC-SHA256 signed tokens with an expiry:
 *   "<expiry unix seconds>,<realm>,<plugin>[,<plugin>...]:<base64 signature>"
 * where the signature is HMAC-SHA256(token_secret, text before ':') and the
 * realm is "parley". Every secret comparison is constant-time.
 */
#ifndef PARLEY_AUTH_H
#define PARLEY_AUTH_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#define PARLEY_AUTH_REALM "parley"

typedef struct parley_auth_settings {
	const char *api_secret;   /* NULL = none needed */
	const char *admin_secret; /* NULL = none needed */
	bool token_auth;          /* stored tokens required */
	const char *token_secret; /* HMAC key for signed tokens, NULL = off */
} parley_auth_settings;

/* Copies the settings; reads [auth] of the core's configuration when
 * `settings` is NULL. Clears stored tokens only in parley_auth_reset. */
void parley_auth_configure(const parley_auth_settings *settings);
void parley_auth_reset(void);

bool parley_auth_api_secret_enabled(void);
bool parley_auth_token_enabled(void);         /* stored or signed tokens */
bool parley_auth_stored_tokens_enabled(void);

/* A client request: 0, or 403 when neither the secret nor the token is
 * acceptable. Either argument may be NULL. */
int parley_auth_check_request(const char *apisecret, const char *token);
/* An admin request: 0 or 403. */
int parley_auth_check_admin(const char *admin_secret);
/* Attach: may `token` use `package`? true when token auth is off. */
bool parley_auth_allows_plugin(const char *token, const char *package);

/* Signed tokens. */
bool parley_auth_signed_token_valid(const char *token, const char *package);
/* A signed token for `plugins` (NULL-terminated) valid until `expiry`
 * (unix s), or NULL when no token_secret is set. g_free it. */
char *parley_auth_sign_token(int64_t expiry, const char *const *plugins);

/* Stored tokens. `plugins` (borrowed) is NULL or an array of package names
 * (empty = every plugin); adding an existing token adds to its list. */
int parley_auth_token_add(const char *token, json_t *plugins);
int parley_auth_token_remove(const char *token);  /* 0 or 470 */
bool parley_auth_token_stored(const char *token);
/* [{"token":..., "allowed_plugins":[...]}] (new reference). */
json_t *parley_auth_token_list(void);
/* ["..."] allowed plugins of one token (new reference), NULL if unknown. */
json_t *parley_auth_token_plugins(const char *token);

#endif
