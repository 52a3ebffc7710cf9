/*
 * tests/unit/test_meeting_rules.c — every meeting rule: settings defaults
 * and validation (each bad field named), field readers, the e-mail domain
 * rule, join admission (not found, ended, domain, capacity, approval, host
 * exemptions), chat and screen-share permissions, host identity.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <cmocka.h>
#include <glib.h>

#include "plugins/meeting/rules.h"

static void defaults(void **state)
{
	parley_meeting_settings s;
	parley_meeting_rules_default_settings(&s, 0);
	assert_int_equal(s.max_participants, 50);
	assert_true(s.chat);
	assert_true(s.screen_share);
	assert_false(s.recording);
	assert_false(s.require_approval);
	assert_null(s.allowed_domains);
	parley_meeting_rules_default_settings(&s, 7);
	assert_int_equal(s.max_participants, 7);
}

/* Applies `text` to default settings with limit 100; returns the bad field or NULL. */
static const char *apply(const char *text, parley_meeting_settings *s)
{
	json_t *j = json_loads(text, 0, NULL);
	const char *bad = NULL;
	parley_meeting_rules_default_settings(s, 0);
	int rc = parley_meeting_rules_apply_settings(s, j, 100, &bad);
	json_decref(j);
	assert_int_equal(rc == 0, bad == NULL);
	return bad;
}

static void settings_validation(void **state)
{
	parley_meeting_settings s;
	assert_null(apply("{\"maxParticipants\":10,\"isChatEnabled\":false,\"requireApproval\":true,"
	                  "\"allowedDomains\":[\"Example.COM\",\"@corp.org\"]}", &s));
	assert_int_equal(s.max_participants, 10);
	assert_false(s.chat);
	assert_true(s.require_approval);
	assert_true(s.screen_share);
	assert_string_equal(s.allowed_domains[0], "example.com");
	assert_string_equal(s.allowed_domains[1], "corp.org");
	assert_null(s.allowed_domains[2]);
	parley_meeting_settings_clear(&s);

	assert_string_equal(apply("{\"maxParticipants\":0}", &s), "settings.maxParticipants");
	assert_string_equal(apply("{\"maxParticipants\":101}", &s), "settings.maxParticipants");
	assert_string_equal(apply("{\"maxParticipants\":\"5\"}", &s), "settings.maxParticipants");
	assert_string_equal(apply("{\"isRecordingEnabled\":1}", &s), "settings.isRecordingEnabled");
	assert_string_equal(apply("{\"isChatEnabled\":\"yes\"}", &s), "settings.isChatEnabled");
	assert_string_equal(apply("{\"isScreenShareEnabled\":null}", &s), "settings.isScreenShareEnabled");
	assert_string_equal(apply("{\"requireApproval\":[]}", &s), "settings.requireApproval");
	assert_string_equal(apply("{\"allowedDomains\":\"example.com\"}", &s), "settings.allowedDomains");
	assert_string_equal(apply("{\"allowedDomains\":[\"bad domain\"]}", &s), "settings.allowedDomains");
	assert_string_equal(apply("{\"allowedDomains\":[42]}", &s), "settings.allowedDomains");
	assert_string_equal(apply("[]", &s), "settings");
	/* a failed apply leaves the settings as they were */
	assert_string_equal(apply("{\"maxParticipants\":5,\"isChatEnabled\":3}", &s), "settings.isChatEnabled");
	assert_int_equal(s.max_participants, 50);
	assert_null(apply("{\"allowedDomains\":[]}", &s));
	assert_null(s.allowed_domains);
}

static void field_readers(void **state)
{
	json_t *j = json_loads("{\"a\":\"x\",\"e\":\"\",\"n\":3,\"b\":true,\"z\":null}", 0, NULL);
	const char *v;
	bool b;
	assert_true(parley_meeting_rules_string(j, "a", true, 10, &v));
	assert_string_equal(v, "x");
	assert_false(parley_meeting_rules_string(j, "a", true, 0, &v)); /* too long */
	assert_false(parley_meeting_rules_string(j, "e", true, 10, &v)); /* empty while required */
	assert_true(parley_meeting_rules_string(j, "e", false, 10, &v));
	assert_false(parley_meeting_rules_string(j, "n", false, 10, &v)); /* not a string */
	assert_false(parley_meeting_rules_string(j, "missing", true, 10, &v));
	assert_true(parley_meeting_rules_string(j, "missing", false, 10, &v));
	assert_null(v);
	assert_true(parley_meeting_rules_string(j, "z", false, 10, &v));
	assert_true(parley_meeting_rules_bool(j, "b", false, &b));
	assert_true(b);
	assert_true(parley_meeting_rules_bool(j, "missing", true, &b));
	assert_true(b);
	assert_false(parley_meeting_rules_bool(j, "n", true, &b));
	json_decref(j);
}

static void email_domains(void **state)
{
	parley_meeting_settings s;
	char *domains[] = { "example.com", NULL };
	parley_meeting_rules_default_settings(&s, 0);
	assert_true(parley_meeting_rules_domain_allowed(&s, "anyone", NULL)); /* no list: anyone */
	s.allowed_domains = domains;
	assert_string_equal(parley_meeting_rules_email_domain("x", "a@b.org"), "b.org");
	assert_string_equal(parley_meeting_rules_email_domain("u@c.net", NULL), "c.net");
	assert_null(parley_meeting_rules_email_domain("plainid", NULL));
	assert_null(parley_meeting_rules_email_domain("trailing@", NULL));
	assert_true(parley_meeting_rules_domain_allowed(&s, "alice", "alice@example.com"));
	assert_true(parley_meeting_rules_domain_allowed(&s, "alice", "alice@EXAMPLE.com"));
	assert_true(parley_meeting_rules_domain_allowed(&s, "alice@mail.example.com", NULL)); /* subdomain */
	assert_false(parley_meeting_rules_domain_allowed(&s, "alice@badexample.com", NULL));
	assert_false(parley_meeting_rules_domain_allowed(&s, "alice@example.com.evil.org", NULL));
	assert_false(parley_meeting_rules_domain_allowed(&s, "alice", NULL)); /* no address at all */
	/* userEmail wins over an address-like userId */
	assert_false(parley_meeting_rules_domain_allowed(&s, "alice@example.com", "alice@other.org"));
}

static void join_admission(void **state)
{
	parley_meeting m = { .room_id = "r", .host_id = "host", .status = PARLEY_MEETING_STATUS_WAITING };
	char *domains[] = { "example.com", NULL };
	bool approval = true;
	parley_meeting_rules_default_settings(&m.settings, 2);
	assert_string_equal(parley_meeting_rules_check_join(NULL, "u", NULL, 0, &approval), PARLEY_MEETING_ERR_NOT_FOUND);
	assert_null(parley_meeting_rules_check_join(&m, "u", NULL, 1, &approval));
	assert_false(approval);
	assert_string_equal(parley_meeting_rules_check_join(&m, "u", NULL, 2, &approval), PARLEY_MEETING_ERR_FULL);
	assert_string_equal(parley_meeting_rules_check_join(&m, "host", NULL, 2, &approval), PARLEY_MEETING_ERR_FULL);

	m.settings.allowed_domains = domains;
	assert_string_equal(parley_meeting_rules_check_join(&m, "u", NULL, 0, &approval), PARLEY_MEETING_ERR_DOMAIN);
	assert_null(parley_meeting_rules_check_join(&m, "u", "u@example.com", 0, &approval));
	assert_null(parley_meeting_rules_check_join(&m, "host", NULL, 0, &approval)); /* host exempt */

	m.settings.require_approval = true;
	assert_null(parley_meeting_rules_check_join(&m, "u", "u@example.com", 0, &approval));
	assert_true(approval);
	assert_null(parley_meeting_rules_check_join(&m, "host", NULL, 0, &approval));
	assert_false(approval); /* the host never waits */

	m.status = PARLEY_MEETING_STATUS_ENDED;
	assert_string_equal(parley_meeting_rules_check_join(&m, "host", NULL, 0, &approval), PARLEY_MEETING_ERR_ENDED);
}

static void chat_screen_host(void **state)
{
	parley_meeting m = { .room_id = "r", .host_id = "host" };
	parley_meeting_rules_default_settings(&m.settings, 0);
	assert_null(parley_meeting_rules_check_chat(&m));
	assert_null(parley_meeting_rules_check_screen_share(&m, true));
	m.settings.chat = false;
	m.settings.screen_share = false;
	assert_string_equal(parley_meeting_rules_check_chat(&m), PARLEY_MEETING_ERR_CHAT);
	assert_string_equal(parley_meeting_rules_check_screen_share(&m, true), PARLEY_MEETING_ERR_SCREEN);
	assert_null(parley_meeting_rules_check_screen_share(&m, false)); /* stopping is always fine */
	assert_true(parley_meeting_rules_is_host(&m, "host"));
	assert_false(parley_meeting_rules_is_host(&m, "Host"));
	assert_false(parley_meeting_rules_is_host(&m, NULL));
	assert_false(parley_meeting_rules_is_host(NULL, "host"));
	assert_null(parley_meeting_rules_check_capacity(&m, 49));
	assert_string_equal(parley_meeting_rules_check_capacity(&m, 50), PARLEY_MEETING_ERR_FULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(settings_validation),
		cmocka_unit_test(field_readers),
		cmocka_unit_test(email_domains),
		cmocka_unit_test(join_admission),
		cmocka_unit_test(chat_screen_host),
	};
	return cmocka_run_group_tests_name("meeting_rules", tests, NULL, NULL);
}
