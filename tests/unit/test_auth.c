/*
 * test_auth.c — the API secret, the admin secret, HMAC-signed tokens
 * (valid, expired, bad signature, wrong realm, wrong plugin, malformed)
 * and stored tokens (add, list, plugin limits, remove).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "core/auth.h"
#include "core/errors.h"

#define SECRET "test-signing-key"

static int reset(void **state)
{
	parley_auth_reset();
	return 0;
}

static void configure_signed(void)
{
	parley_auth_settings s = { .token_secret = SECRET };
	parley_auth_configure(&s);
}

/* Signs `data` the way a token issuer would, independently of auth.c. */
static char *issue(const char *data)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	HMAC(EVP_sha256(), SECRET, strlen(SECRET), (const unsigned char *)data, strlen(data), mac, &len);
	char *sig = g_base64_encode(mac, len);
	char *token = g_strdup_printf("%s:%s", data, sig);
	g_free(sig);
	return token;
}

static void no_auth_configured_lets_everyone_in(void **state)
{
	assert_int_equal(parley_auth_check_request(NULL, NULL), 0);
	assert_int_equal(parley_auth_check_admin(NULL), 0);
	assert_true(parley_auth_allows_plugin(NULL, "parley.plugin.echo"));
	assert_false(parley_auth_api_secret_enabled());
	assert_false(parley_auth_token_enabled());
}

static void api_and_admin_secrets(void **state)
{
	parley_auth_settings s = { .api_secret = "s3cret", .admin_secret = "adm1n" };
	parley_auth_configure(&s);
	assert_true(parley_auth_api_secret_enabled());
	assert_int_equal(parley_auth_check_request("s3cret", NULL), 0);
	assert_int_equal(parley_auth_check_request(NULL, NULL), PARLEY_ERROR_UNAUTHORIZED);
	assert_int_equal(parley_auth_check_request("s3cre", NULL), PARLEY_ERROR_UNAUTHORIZED);
	assert_int_equal(parley_auth_check_request("s3cret!", NULL), PARLEY_ERROR_UNAUTHORIZED);
	assert_int_equal(parley_auth_check_request("", NULL), PARLEY_ERROR_UNAUTHORIZED);
	assert_int_equal(parley_auth_check_admin("adm1n"), 0);
	assert_int_equal(parley_auth_check_admin("s3cret"), PARLEY_ERROR_UNAUTHORIZED);
	assert_int_equal(parley_auth_check_admin(NULL), PARLEY_ERROR_UNAUTHORIZED);
}

static void signed_token_valid_for_its_plugins(void **state)
{
	configure_signed();
	const char *plugins[] = { "parley.plugin.echo", "parley.plugin.room", NULL };
	char *token = parley_auth_sign_token((int64_t)time(NULL) + 60, plugins);
	assert_non_null(token);
	assert_non_null(strstr(token, ",parley,parley.plugin.echo,parley.plugin.room:"));
	assert_true(parley_auth_signed_token_valid(token, "parley.plugin.echo"));
	assert_true(parley_auth_signed_token_valid(token, "parley.plugin.room"));
	assert_true(parley_auth_signed_token_valid(token, NULL));
	assert_int_equal(parley_auth_check_request(NULL, token), 0);
	assert_true(parley_auth_allows_plugin(token, "parley.plugin.echo"));
	/* Wrong plugin → the attach is refused (405 in the API). */
	assert_false(parley_auth_signed_token_valid(token, "parley.plugin.chat"));
	assert_false(parley_auth_allows_plugin(token, "parley.plugin.chat"));
	g_free(token);

	/* A token made by an independent HMAC implementation is accepted too. */
	char *data = g_strdup_printf("%lld,parley,parley.plugin.echo", (long long)time(NULL) + 30);
	token = issue(data);
	assert_true(parley_auth_signed_token_valid(token, "parley.plugin.echo"));
	g_free(token);
	g_free(data);
}

static void signed_token_expired_or_forged(void **state)
{
	configure_signed();
	const char *plugins[] = { "parley.plugin.echo", NULL };
	char *expired = parley_auth_sign_token((int64_t)time(NULL) - 1, plugins);
	assert_false(parley_auth_signed_token_valid(expired, "parley.plugin.echo"));
	assert_int_equal(parley_auth_check_request(NULL, expired), PARLEY_ERROR_UNAUTHORIZED);
	g_free(expired);

	char *good = parley_auth_sign_token((int64_t)time(NULL) + 60, plugins);
	/* Flip one character of the signature. */
	char *bad_sig = g_strdup(good);
	char *colon = strrchr(bad_sig, ':');
	colon[1] = colon[1] == 'A' ? 'B' : 'A';
	assert_false(parley_auth_signed_token_valid(bad_sig, "parley.plugin.echo"));
	assert_int_equal(parley_auth_check_request(NULL, bad_sig), PARLEY_ERROR_UNAUTHORIZED);
	/* Extend the expiry without re-signing. */
	char *stretched = g_strdup_printf("9%s", good);
	assert_false(parley_auth_signed_token_valid(stretched, "parley.plugin.echo"));
	/* Add a plugin without re-signing. */
	char *data = g_strndup(good, (size_t)(strrchr(good, ':') - good));
	char *more = g_strdup_printf("%s,parley.plugin.chat%s", data, strrchr(good, ':'));
	assert_false(parley_auth_signed_token_valid(more, "parley.plugin.chat"));
	/* Signed with another key. */
	parley_auth_settings other = { .token_secret = "another-key" };
	parley_auth_configure(&other);
	assert_false(parley_auth_signed_token_valid(good, "parley.plugin.echo"));
	g_free(good);
	g_free(bad_sig);
	g_free(stretched);
	g_free(data);
	g_free(more);
}

static void signed_token_wrong_realm_and_malformed(void **state)
{
	configure_signed();
	char *data = g_strdup_printf("%lld,janus,parley.plugin.echo", (long long)time(NULL) + 60);
	char *wrong_realm = issue(data);
	assert_false(parley_auth_signed_token_valid(wrong_realm, "parley.plugin.echo"));
	g_free(wrong_realm);
	g_free(data);
	const char *malformed[] = { "", ":", "abc", "123,parley:", "x,parley,parley.plugin.echo:AAAA",
	                            "123:abc", "::::", NULL };
	for (const char **m = malformed; *m; m++) {
		assert_false(parley_auth_signed_token_valid(*m, NULL));
		assert_int_equal(parley_auth_check_request(NULL, *m), PARLEY_ERROR_UNAUTHORIZED);
	}
	/* Not-a-number expiry, correctly signed. */
	char *nan = issue("soon,parley,parley.plugin.echo");
	assert_false(parley_auth_signed_token_valid(nan, NULL));
	g_free(nan);
	/* Without a token_secret nothing can be signed or validated. */
	parley_auth_reset();
	const char *plugins[] = { "parley.plugin.echo", NULL };
	assert_null(parley_auth_sign_token((int64_t)time(NULL) + 60, plugins));
}

static void stored_tokens_lifecycle(void **state)
{
	parley_auth_settings s = { .token_auth = true };
	parley_auth_configure(&s);
	assert_true(parley_auth_stored_tokens_enabled());
	assert_int_equal(parley_auth_check_request(NULL, "abc"), PARLEY_ERROR_UNAUTHORIZED);
	assert_int_equal(parley_auth_check_request(NULL, NULL), PARLEY_ERROR_UNAUTHORIZED);

	json_t *echo_only = json_pack("[s]", "parley.plugin.echo");
	assert_int_equal(parley_auth_token_add("abc", echo_only), 0);
	assert_int_equal(parley_auth_token_add("all", NULL), 0);
	json_decref(echo_only);
	assert_int_equal(parley_auth_check_request(NULL, "abc"), 0);
	assert_int_equal(parley_auth_check_request(NULL, "all"), 0);
	assert_int_equal(parley_auth_check_request(NULL, "ab"), PARLEY_ERROR_UNAUTHORIZED);
	assert_true(parley_auth_allows_plugin("abc", "parley.plugin.echo"));
	assert_false(parley_auth_allows_plugin("abc", "parley.plugin.room"));
	assert_true(parley_auth_allows_plugin("all", "parley.plugin.room"));

	/* Adding again extends the token's plugins. */
	json_t *room = json_pack("[s]", "parley.plugin.room");
	parley_auth_token_add("abc", room);
	json_decref(room);
	assert_true(parley_auth_allows_plugin("abc", "parley.plugin.room"));
	json_t *plugins = parley_auth_token_plugins("abc");
	assert_int_equal(json_array_size(plugins), 2);
	json_decref(plugins);

	json_t *list = parley_auth_token_list();
	assert_int_equal(json_array_size(list), 2);
	size_t i;
	json_t *entry;
	bool saw_abc = false;
	json_array_foreach(list, i, entry) {
		if (strcmp(json_string_value(json_object_get(entry, "token")), "abc") == 0) {
			saw_abc = true;
			assert_int_equal(json_array_size(json_object_get(entry, "allowed_plugins")), 2);
		}
	}
	assert_true(saw_abc);
	json_decref(list);

	assert_int_equal(parley_auth_token_remove("abc"), 0);
	assert_int_equal(parley_auth_token_remove("abc"), PARLEY_ERROR_TOKEN_NOT_FOUND);
	assert_int_equal(parley_auth_check_request(NULL, "abc"), PARLEY_ERROR_UNAUTHORIZED);
	assert_false(parley_auth_token_stored("abc"));
	assert_true(parley_auth_token_stored("all"));
	assert_int_equal(parley_auth_token_add("", NULL), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
}

static void secret_or_token_either_suffices(void **state)
{
	parley_auth_settings s = { .api_secret = "s3cret", .token_auth = true };
	parley_auth_configure(&s);
	parley_auth_token_add("tok", NULL);
	assert_int_equal(parley_auth_check_request("s3cret", NULL), 0);
	assert_int_equal(parley_auth_check_request(NULL, "tok"), 0);
	assert_int_equal(parley_auth_check_request("nope", "nope"), PARLEY_ERROR_UNAUTHORIZED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(no_auth_configured_lets_everyone_in, reset),
		cmocka_unit_test_setup(api_and_admin_secrets, reset),
		cmocka_unit_test_setup(signed_token_valid_for_its_plugins, reset),
		cmocka_unit_test_setup(signed_token_expired_or_forged, reset),
		cmocka_unit_test_setup(signed_token_wrong_realm_and_malformed, reset),
		cmocka_unit_test_setup(stored_tokens_lifecycle, reset),
		cmocka_unit_test_setup(secret_or_token_either_suffices, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
