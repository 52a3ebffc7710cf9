/*
 * tests/unit/test_meeting_ice.c — the ICE server list: STUN and TURN URL
 * parsing, static TURN credentials, and coturn use-auth-secret credentials
 * checked against HMAC-SHA1 values computed independently with
 * `echo -n USER | openssl dgst -sha1 -hmac SECRET -binary | base64`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glib.h>

#include "plugins/meeting/ice.h"

static void credential_matches_openssl(void **state)
{
	char *c = parley_meeting_ice_turn_credential("north-wind", "1700086400:alice@example.com");
	assert_string_equal(c, "ycY2tbEg55kcjaXNbQO1PEdZSNE=");
	g_free(c);
	c = parley_meeting_ice_turn_credential("s3cr3t", "1700000000");
	assert_string_equal(c, "Vmf9k+9lRhq3kKW77GyHQooNcG4=");
	g_free(c);
	char *u = parley_meeting_ice_turn_username(1700086400, "alice@example.com");
	assert_string_equal(u, "1700086400:alice@example.com");
	g_free(u);
	u = parley_meeting_ice_turn_username(1700000000, "");
	assert_string_equal(u, "1700000000");
	g_free(u);
}

static void stun_and_static_turn(void **state)
{
	parley_meeting_ice_config cfg;
	parley_meeting_ice_config_init(&cfg, " stun.l.google.com:19302, ,stun:stun1.l.google.com:19302",
	                               "turn.example.com:3478", "user", "pass", NULL, 0);
	assert_int_equal(cfg.turn_ttl, PARLEY_MEETING_TURN_TTL_DEFAULT);
	json_t *servers = parley_meeting_ice_servers(&cfg, "bob", 1000);
	assert_int_equal(json_array_size(servers), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(servers, 0), "urls")),
	                    "stun:stun.l.google.com:19302");
	assert_string_equal(json_string_value(json_object_get(json_array_get(servers, 1), "urls")),
	                    "stun:stun1.l.google.com:19302");
	json_t *turn = json_array_get(servers, 2);
	assert_string_equal(json_string_value(json_object_get(turn, "urls")), "turn:turn.example.com:3478");
	assert_string_equal(json_string_value(json_object_get(turn, "username")), "user");
	assert_string_equal(json_string_value(json_object_get(turn, "credential")), "pass");
	json_decref(servers);
	parley_meeting_ice_config_clear(&cfg);
}

static void ephemeral_turn(void **state)
{
	parley_meeting_ice_config cfg;
	parley_meeting_ice_config_init(&cfg, NULL, "turns:turn.example.com:5349?transport=tcp",
	                               "ignored", "ignored", "north-wind", 86400);
	json_t *servers = parley_meeting_ice_servers(&cfg, "alice@example.com", 1700000000);
	assert_int_equal(json_array_size(servers), 1);
	json_t *turn = json_array_get(servers, 0);
	assert_string_equal(json_string_value(json_object_get(turn, "urls")),
	                    "turns:turn.example.com:5349?transport=tcp");
	assert_string_equal(json_string_value(json_object_get(turn, "username")), "1700086400:alice@example.com");
	assert_string_equal(json_string_value(json_object_get(turn, "credential")), "ycY2tbEg55kcjaXNbQO1PEdZSNE=");
	json_decref(servers);
	parley_meeting_ice_config_clear(&cfg);
}

static void nothing_configured(void **state)
{
	parley_meeting_ice_config cfg;
	parley_meeting_ice_config_init(&cfg, NULL, "", NULL, NULL, "", 0);
	json_t *servers = parley_meeting_ice_servers(&cfg, "x", 1);
	assert_true(json_is_array(servers));
	assert_int_equal(json_array_size(servers), 0);
	json_decref(servers);
	parley_meeting_ice_config_clear(&cfg);
	/* a TURN server without credentials is listed without them */
	parley_meeting_ice_config_init(&cfg, NULL, "t.example.com:3478", NULL, NULL, NULL, 0);
	servers = parley_meeting_ice_servers(&cfg, "x", 1);
	assert_null(json_object_get(json_array_get(servers, 0), "username"));
	json_decref(servers);
	parley_meeting_ice_config_clear(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(credential_matches_openssl),
		cmocka_unit_test(stun_and_static_turn),
		cmocka_unit_test(ephemeral_turn),
		cmocka_unit_test(nothing_configured),
	};
	return cmocka_run_group_tests_name("meeting_ice", tests, NULL, NULL);
}
