/*
 * plugins/meeting/rules.h — the meeting rules as pure functions: settings
 * defaults and validation, who may join (status, capacity, allowed e-mail
 * domains, approval), what a meeting allows (chat, screen share) and who is
 * the host. No I/O and no locks: callers hold whatever state they check.
 *
 * The error strings below are the exact texts clients receive in
 * meeting-error {error} and in REST {"success":false,"error"}.
 */
#ifndef PARLEY_MEETING_RULES_H
#define PARLEY_MEETING_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "meetings_db.h"

#define PARLEY_MEETING_ERR_NOT_FOUND "Meeting not found"
#define PARLEY_MEETING_ERR_ENDED "Meeting has ended"
#define PARLEY_MEETING_ERR_FULL "Meeting is full"
#define PARLEY_MEETING_ERR_DOMAIN "Email domain not allowed in this meeting"
#define PARLEY_MEETING_ERR_CHAT "Chat is disabled in this meeting"
#define PARLEY_MEETING_ERR_SCREEN "Screen sharing is disabled in this meeting"
#define PARLEY_MEETING_ERR_NOT_IN "Not in meeting"
#define PARLEY_MEETING_ERR_TARGET "Target participant not found"
#define PARLEY_MEETING_ERR_NOT_HOST "Only the host can do that"
#define PARLEY_MEETING_ERR_REPLACED "Joined from another connection"

#define PARLEY_MEETING_DEFAULT_MAX_PARTICIPANTS 50
#define PARLEY_MEETING_ID_MAX 128       /* roomId, userId */
#define PARLEY_MEETING_NAME_MAX 256     /* userName, hostName */
#define PARLEY_MEETING_TITLE_MAX 200
#define PARLEY_MEETING_DESCRIPTION_MAX 5000
#define PARLEY_MEETING_URL_MAX 2048     /* userPicture */
#define PARLEY_MEETING_DOMAINS_MAX 100  /* entries in allowedDomains */

/* Defaults: max_participants (<= 0 means 50), chat and screen share on,
 * recording and approval off, any domain. */
void parley_meeting_rules_default_settings(parley_meeting_settings *s, int max_participants);

/* Applies the fields present in the JSON object `settings` (borrowed) onto
 * `s`. maxParticipants must be an integer in 1..limit, the is* fields and
 * requireApproval booleans, allowedDomains an array of domain names (or
 * null/[] for any). Returns 0, or -1 with *bad_field (may be NULL) set to
 * the offending field's path (e.g. "settings.maxParticipants"); on error
 * `s` is left unchanged. */
int parley_meeting_rules_apply_settings(parley_meeting_settings *s, json_t *settings, int limit,
                                        const char **bad_field);

/* Reads an optional/required string field of `object` (borrowed): true and
 * *value (borrowed from the object, NULL when absent and optional) when
 * valid; false when required and missing, not a string, empty while
 * required, or longer than max_len bytes. */
bool parley_meeting_rules_string(json_t *object, const char *key, bool required, size_t max_len,
                                 const char **value);
/* Optional boolean field: true and *value (fallback when absent), or false
 * when present but not a boolean. */
bool parley_meeting_rules_bool(json_t *object, const char *key, bool fallback, bool *value);

/* The e-mail domain used for allowedDomains: the part after the last '@' of
 * `user_email`, or of `user_id` when no e-mail is given and the id is an
 * address. NULL when there is none. Points into the argument. */
const char *parley_meeting_rules_email_domain(const char *user_id, const char *user_email);
/* True when the settings allow a user with this id/e-mail: no allowed
 * domains, or the domain equals one of them or is a subdomain of one
 * (case-insensitive; a leading '@' in an entry is ignored). */
bool parley_meeting_rules_domain_allowed(const parley_meeting_settings *s, const char *user_id,
                                         const char *user_email);

bool parley_meeting_rules_is_host(const parley_meeting *m, const char *user_id);

/* Whether `user_id` may enter meeting `m` now, with `present` other
 * participants already in. NULL when yes (and *needs_approval tells whether
 * they go to the waiting room first), else the error text. The host skips
 * the domain and approval rules, not the capacity. */
const char *parley_meeting_rules_check_join(const parley_meeting *m, const char *user_id,
                                            const char *user_email, unsigned present,
                                            bool *needs_approval);
/* Capacity alone (used again when the host admits someone). */
const char *parley_meeting_rules_check_capacity(const parley_meeting *m, unsigned present);
/* NULL when chat is allowed, else the error text. */
const char *parley_meeting_rules_check_chat(const parley_meeting *m);
/* NULL when the change is allowed (stopping a share always is). */
const char *parley_meeting_rules_check_screen_share(const parley_meeting *m, bool sharing);

#endif
