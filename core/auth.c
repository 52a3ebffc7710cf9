/*
 * auth.c — the API secret, admin secret, stored tokens and HMAC-SHA256
 * signed tokens (see auth.h for the token format). Secrets and signatures
 * are compared in constant time (CRYPTO_memcmp over equal-length digests).
 */
#include <string.h>
#include <time.h>
#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "auth.h"
#include "config.h"
#include "errors.h"

static GMutex auth_lock;
static char *api_secret, *admin_secret, *token_secret;
static bool token_auth;
static GHashTable *tokens; /* token → GHashTable set of packages (empty = all) */

static void set_string(char **slot, const char *value)
{
	g_free(*slot);
	*slot = value && *value ? g_strdup(value) : NULL;
}

void parley_auth_configure(const parley_auth_settings *s)
{
	parley_auth_settings from_config;
	if (!s) {
		from_config = (parley_auth_settings){
			.api_secret = parley_config_get("parley", "auth", "api_secret"),
			.admin_secret = parley_config_get("parley", "auth", "admin_secret"),
			.token_auth = parley_config_get_bool("parley", "auth", "token_auth", false),
			.token_secret = parley_config_get("parley", "auth", "token_secret"),
		};
		s = &from_config;
	}
	g_mutex_lock(&auth_lock);
	set_string(&api_secret, s->api_secret);
	set_string(&admin_secret, s->admin_secret);
	set_string(&token_secret, s->token_secret);
	token_auth = s->token_auth;
	if (!tokens)
		tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
	g_mutex_unlock(&auth_lock);
}

void parley_auth_reset(void)
{
	g_mutex_lock(&auth_lock);
	set_string(&api_secret, NULL);
	set_string(&admin_secret, NULL);
	set_string(&token_secret, NULL);
	token_auth = false;
	if (tokens)
		g_hash_table_unref(tokens);
	tokens = NULL;
	g_mutex_unlock(&auth_lock);
}

/* Constant-time equality of two strings: compares their SHA-256 digests so
 * neither the content nor the length leaks through timing. */
static bool secret_equal(const char *given, const char *expected)
{
	if (!given || !expected)
		return false;
	unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	unsigned int alen = 0, blen = 0;
	if (!EVP_Digest(given, strlen(given), a, &alen, EVP_sha256(), NULL) ||
	    !EVP_Digest(expected, strlen(expected), b, &blen, EVP_sha256(), NULL) || alen != blen)
		return false;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

bool parley_auth_api_secret_enabled(void)
{
	g_mutex_lock(&auth_lock);
	bool on = api_secret != NULL;
	g_mutex_unlock(&auth_lock);
	return on;
}

bool parley_auth_stored_tokens_enabled(void)
{
	g_mutex_lock(&auth_lock);
	bool on = token_auth;
	g_mutex_unlock(&auth_lock);
	return on;
}

bool parley_auth_token_enabled(void)
{
	g_mutex_lock(&auth_lock);
	bool on = token_auth || token_secret != NULL;
	g_mutex_unlock(&auth_lock);
	return on;
}

/* ---- signed tokens ---------------------------------------------------------- */

/* base64(HMAC-SHA256(key, data)), g_free'd by the caller. */
static char *signature_of(const char *key, const char *data, size_t length)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	if (!HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)data, length, mac, &mac_len))
		return NULL;
	return g_base64_encode(mac, mac_len);
}

/* Checks a signed token under the lock held by the caller. */
static bool signed_token_valid_locked(const char *token, const char *package)
{
	if (!token_secret || !token)
		return false;
	const char *colon = strrchr(token, ':');
	if (!colon || colon == token)
		return false;
	char *expected = signature_of(token_secret, token, (size_t)(colon - token));
	bool signature_ok = expected && secret_equal(colon + 1, expected);
	g_free(expected);
	if (!signature_ok)
		return false;

	char *data = g_strndup(token, (size_t)(colon - token));
	char **parts = g_strsplit(data, ",", -1);
	bool ok = false;
	guint n = g_strv_length(parts);
	if (n >= 3) {
		char *end = NULL;
		gint64 expiry = g_ascii_strtoll(parts[0], &end, 10);
		ok = end && *end == '\0' && end != parts[0] && expiry > (gint64)time(NULL) &&
		     strcmp(parts[1], PARLEY_AUTH_REALM) == 0;
		if (ok && package) {
			ok = false;
			for (guint i = 2; i < n && !ok; i++)
				ok = strcmp(parts[i], package) == 0;
		}
	}
	g_strfreev(parts);
	g_free(data);
	return ok;
}

bool parley_auth_signed_token_valid(const char *token, const char *package)
{
	g_mutex_lock(&auth_lock);
	bool ok = signed_token_valid_locked(token, package);
	g_mutex_unlock(&auth_lock);
	return ok;
}

char *parley_auth_sign_token(int64_t expiry, const char *const *plugins)
{
	GString *data = g_string_new(NULL);
	g_string_printf(data, "%" G_GINT64_FORMAT ",%s", (gint64)expiry, PARLEY_AUTH_REALM);
	for (const char *const *p = plugins; p && *p; p++)
		g_string_append_printf(data, ",%s", *p);
	g_mutex_lock(&auth_lock);
	char *signature = token_secret ? signature_of(token_secret, data->str, data->len) : NULL;
	g_mutex_unlock(&auth_lock);
	if (!signature) {
		g_string_free(data, TRUE);
		return NULL;
	}
	g_string_append_printf(data, ":%s", signature);
	g_free(signature);
	return g_string_free(data, FALSE);
}

/* ---- stored tokens ------------------------------------------------------------ */

static GHashTable *stored_plugins_locked(const char *token)
{
	return token && tokens ? g_hash_table_lookup(tokens, token) : NULL;
}

int parley_auth_token_add(const char *token, json_t *plugins)
{
	if (!token || !*token)
		return PARLEY_ERROR_MISSING_MANDATORY_ELEMENT;
	g_mutex_lock(&auth_lock);
	if (!tokens)
		tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
	GHashTable *set = g_hash_table_lookup(tokens, token);
	if (!set) {
		set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_hash_table_insert(tokens, g_strdup(token), set);
	}
	size_t i;
	json_t *value;
	json_array_foreach(plugins, i, value)
		if (json_is_string(value))
			g_hash_table_add(set, g_strdup(json_string_value(value)));
	g_mutex_unlock(&auth_lock);
	return 0;
}

int parley_auth_token_remove(const char *token)
{
	g_mutex_lock(&auth_lock);
	bool removed = token && tokens && g_hash_table_remove(tokens, token);
	g_mutex_unlock(&auth_lock);
	return removed ? 0 : PARLEY_ERROR_TOKEN_NOT_FOUND;
}

bool parley_auth_token_stored(const char *token)
{
	g_mutex_lock(&auth_lock);
	bool found = stored_plugins_locked(token) != NULL;
	g_mutex_unlock(&auth_lock);
	return found;
}

static json_t *set_to_array(GHashTable *set)
{
	json_t *list = json_array();
	GHashTableIter iter;
	gpointer key;
	g_hash_table_iter_init(&iter, set);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		json_array_append_new(list, json_string(key));
	return list;
}

json_t *parley_auth_token_plugins(const char *token)
{
	g_mutex_lock(&auth_lock);
	GHashTable *set = stored_plugins_locked(token);
	json_t *list = set ? set_to_array(set) : NULL;
	g_mutex_unlock(&auth_lock);
	return list;
}

json_t *parley_auth_token_list(void)
{
	json_t *list = json_array();
	g_mutex_lock(&auth_lock);
	if (tokens) {
		GHashTableIter iter;
		gpointer key, value;
		g_hash_table_iter_init(&iter, tokens);
		while (g_hash_table_iter_next(&iter, &key, &value))
			json_array_append_new(list, json_pack("{ssso}", "token", (const char *)key,
			                                      "allowed_plugins", set_to_array(value)));
	}
	g_mutex_unlock(&auth_lock);
	return list;
}

/* ---- request checks ------------------------------------------------------------- */

int parley_auth_check_request(const char *apisecret, const char *token)
{
	g_mutex_lock(&auth_lock);
	bool need_secret = api_secret != NULL;
	bool need_token = token_auth || token_secret != NULL;
	bool ok = !need_secret && !need_token;
	if (!ok && need_secret && secret_equal(apisecret, api_secret))
		ok = true;
	if (!ok && token_secret && signed_token_valid_locked(token, NULL))
		ok = true;
	if (!ok && token_auth && stored_plugins_locked(token))
		ok = true;
	g_mutex_unlock(&auth_lock);
	return ok ? 0 : PARLEY_ERROR_UNAUTHORIZED;
}

int parley_auth_check_admin(const char *given)
{
	g_mutex_lock(&auth_lock);
	bool ok = !admin_secret || secret_equal(given, admin_secret);
	g_mutex_unlock(&auth_lock);
	return ok ? 0 : PARLEY_ERROR_UNAUTHORIZED;
}

bool parley_auth_allows_plugin(const char *token, const char *package)
{
	g_mutex_lock(&auth_lock);
	bool ok;
	if (!token_auth && !token_secret) {
		ok = true;
	} else {
		ok = false;
		if (token_secret && signed_token_valid_locked(token, package))
			ok = true;
		GHashTable *set = token_auth ? stored_plugins_locked(token) : NULL;
		if (!ok && set)
			ok = g_hash_table_size(set) == 0 || g_hash_table_contains(set, package);
		/* A request let in by the API secret alone is not limited by plugin. */
		if (!ok && api_secret && !token)
			ok = true;
	}
	g_mutex_unlock(&auth_lock);
	return ok;
}
