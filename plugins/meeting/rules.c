/*
 * plugins/meeting/rules.c — the meeting rules: settings validation, join
 * admission (status, capacity, e-mail domain, approval), chat and screen
 * share permissions, host identity. Pure functions over their arguments.
 */
#include <string.h>
#include <strings.h>
#include <glib.h>

#include "rules.h"

void parley_meeting_rules_default_settings(parley_meeting_settings *s, int max_participants)
{
	memset(s, 0, sizeof(*s));
	s->max_participants = max_participants > 0 ? max_participants : PARLEY_MEETING_DEFAULT_MAX_PARTICIPANTS;
	s->chat = true;
	s->screen_share = true;
}

bool parley_meeting_rules_string(json_t *object, const char *key, bool required, size_t max_len,
                                 const char **value)
{
	json_t *field = json_is_object(object) ? json_object_get(object, key) : NULL; /* borrowed */
	*value = NULL;
	if (field == NULL || json_is_null(field))
		return !required;
	if (!json_is_string(field))
		return false;
	size_t length = json_string_length(field);
	if (length > max_len || (required && length == 0))
		return false;
	if (strlen(json_string_value(field)) != length)
		return false; /* embedded NUL */
	*value = json_string_value(field);
	return true;
}

bool parley_meeting_rules_bool(json_t *object, const char *key, bool fallback, bool *value)
{
	json_t *field = json_is_object(object) ? json_object_get(object, key) : NULL; /* borrowed */
	*value = fallback;
	if (field == NULL)
		return true;
	if (!json_is_boolean(field))
		return false;
	*value = json_is_true(field);
	return true;
}

/* A plausible domain name: labels of [A-Za-z0-9-], dots between, 1..253. */
static bool domain_is_valid(const char *d)
{
	size_t n = strlen(d);
	if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.')
		return false;
	for (const char *c = d; *c != '\0'; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '.')
			return false;
	return strstr(d, "..") == NULL;
}

/* Parses allowedDomains (borrowed): a new strv (NULL for "any") or false. */
static bool parse_domains(json_t *array, char ***out)
{
	*out = NULL;
	if (json_is_null(array))
		return true;
	if (!json_is_array(array) || json_array_size(array) > PARLEY_MEETING_DOMAINS_MAX)
		return false;
	GPtrArray *domains = g_ptr_array_new_with_free_func(g_free);
	size_t i;
	json_t *item; /* borrowed */
	json_array_foreach(array, i, item) {
		const char *d = json_string_value(item);
		if (d != NULL && d[0] == '@')
			d++;
		if (d == NULL || !domain_is_valid(d)) {
			g_ptr_array_free(domains, TRUE);
			return false;
		}
		g_ptr_array_add(domains, g_ascii_strdown(d, -1));
	}
	if (domains->len == 0) {
		g_ptr_array_free(domains, TRUE);
		return true;
	}
	g_ptr_array_add(domains, NULL);
	*out = (char **)g_ptr_array_free(domains, FALSE);
	return true;
}

/* One boolean setting: JSON key and where it goes. */
typedef struct bool_setting {
	const char *key;
	const char *field;
	size_t offset;
} bool_setting;

static const bool_setting bool_settings[] = {
	{ "isRecordingEnabled", "settings.isRecordingEnabled", offsetof(parley_meeting_settings, recording) },
	{ "isChatEnabled", "settings.isChatEnabled", offsetof(parley_meeting_settings, chat) },
	{ "isScreenShareEnabled", "settings.isScreenShareEnabled", offsetof(parley_meeting_settings, screen_share) },
	{ "requireApproval", "settings.requireApproval", offsetof(parley_meeting_settings, require_approval) },
};

int parley_meeting_rules_apply_settings(parley_meeting_settings *s, json_t *settings, int limit,
                                        const char **bad_field)
{
	parley_meeting_settings next;
	const char *bad = NULL;
	if (!json_is_object(settings)) {
		if (bad_field != NULL)
			*bad_field = "settings";
		return -1;
	}
	parley_meeting_settings_copy(&next, s);
	json_t *max = json_object_get(settings, "maxParticipants"); /* borrowed */
	if (max != NULL) {
		if (!json_is_integer(max) || json_integer_value(max) < 1 || json_integer_value(max) > limit)
			bad = "settings.maxParticipants";
		else
			next.max_participants = (int)json_integer_value(max);
	}
	for (size_t i = 0; bad == NULL && i < G_N_ELEMENTS(bool_settings); i++) {
		bool *slot = (bool *)((char *)&next + bool_settings[i].offset);
		if (!parley_meeting_rules_bool(settings, bool_settings[i].key, *slot, slot))
			bad = bool_settings[i].field;
	}
	json_t *domains = json_object_get(settings, "allowedDomains"); /* borrowed */
	if (bad == NULL && domains != NULL) {
		char **parsed = NULL;
		if (!parse_domains(domains, &parsed)) {
			bad = "settings.allowedDomains";
		} else {
			g_strfreev(next.allowed_domains);
			next.allowed_domains = parsed;
		}
	}
	if (bad != NULL) {
		parley_meeting_settings_clear(&next);
		if (bad_field != NULL)
			*bad_field = bad;
		return -1;
	}
	parley_meeting_settings_clear(s);
	*s = next;
	return 0;
}

const char *parley_meeting_rules_email_domain(const char *user_id, const char *user_email)
{
	const char *address = user_email != NULL && user_email[0] != '\0' ? user_email :
	                      user_id != NULL && strchr(user_id, '@') != NULL ? user_id : NULL;
	if (address == NULL)
		return NULL;
	const char *at = strrchr(address, '@');
	if (at == NULL || at == address || at[1] == '\0')
		return NULL;
	return at + 1;
}

bool parley_meeting_rules_domain_allowed(const parley_meeting_settings *s, const char *user_id,
                                         const char *user_email)
{
	if (s->allowed_domains == NULL || s->allowed_domains[0] == NULL)
		return true;
	const char *domain = parley_meeting_rules_email_domain(user_id, user_email);
	if (domain == NULL)
		return false;
	size_t n = strlen(domain);
	for (char **a = s->allowed_domains; *a != NULL; a++) {
		size_t m = strlen(*a);
		if (n == m && g_ascii_strcasecmp(domain, *a) == 0)
			return true;
		if (n > m + 1 && domain[n - m - 1] == '.' && g_ascii_strcasecmp(domain + n - m, *a) == 0)
			return true;
	}
	return false;
}

bool parley_meeting_rules_is_host(const parley_meeting *m, const char *user_id)
{
	return m != NULL && user_id != NULL && m->host_id != NULL && strcmp(m->host_id, user_id) == 0;
}

const char *parley_meeting_rules_check_capacity(const parley_meeting *m, unsigned present)
{
	return present >= (unsigned)m->settings.max_participants ? PARLEY_MEETING_ERR_FULL : NULL;
}

const char *parley_meeting_rules_check_join(const parley_meeting *m, const char *user_id,
                                            const char *user_email, unsigned present,
                                            bool *needs_approval)
{
	*needs_approval = false;
	if (m == NULL)
		return PARLEY_MEETING_ERR_NOT_FOUND;
	if (m->status == PARLEY_MEETING_STATUS_ENDED)
		return PARLEY_MEETING_ERR_ENDED;
	bool host = parley_meeting_rules_is_host(m, user_id);
	if (!host && !parley_meeting_rules_domain_allowed(&m->settings, user_id, user_email))
		return PARLEY_MEETING_ERR_DOMAIN;
	const char *full = parley_meeting_rules_check_capacity(m, present);
	if (full != NULL)
		return full;
	*needs_approval = !host && m->settings.require_approval;
	return NULL;
}

const char *parley_meeting_rules_check_chat(const parley_meeting *m)
{
	return m->settings.chat ? NULL : PARLEY_MEETING_ERR_CHAT;
}

const char *parley_meeting_rules_check_screen_share(const parley_meeting *m, bool sharing)
{
	return !sharing || m->settings.screen_share ? NULL : PARLEY_MEETING_ERR_SCREEN;
}
