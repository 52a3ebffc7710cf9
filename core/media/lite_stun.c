/*
 * lite_stun.c — owns the STUN side of the ICE-lite transport: telling STUN
 * from the rest, reading the ufrag a request names, and checking and
 * answering binding requests with libnice's STUN library (stunagent.h,
 * usages/ice.h): FINGERPRINT and MESSAGE-INTEGRITY checked with our
 * password, unknown comprehension-required attributes answered 420, a
 * success answer with XOR-MAPPED-ADDRESS signed with the same password.
 *
 * Written here because the library does not: the role check (its
 * conncheck reply resolves a conflict by tie-breaker, switching roles; a
 * lite agent is always controlled and cannot switch, so a peer that also
 * claims to be controlled always gets 487), the 401 for a known ufrag with
 * a wrong password and the 400 for a request that misses USERNAME or
 * MESSAGE-INTEGRITY (the library only classifies them).
 */
#include "lite_internal.h"

#include <string.h>
#include <arpa/inet.h>
#include <stun/usages/ice.h>

static const uint16_t known_attributes[] = {
	STUN_ATTRIBUTE_USERNAME,        STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
	STUN_ATTRIBUTE_FINGERPRINT,     STUN_ATTRIBUTE_PRIORITY,
	STUN_ATTRIBUTE_USE_CANDIDATE,   STUN_ATTRIBUTE_ICE_CONTROLLED,
	STUN_ATTRIBUTE_ICE_CONTROLLING, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
	STUN_ATTRIBUTE_ERROR_CODE,      0,
};

void lite_stun_agent_init(StunAgent *agent)
{
	stun_agent_init(agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
	                STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
}

bool lite_stun_is_stun(const uint8_t *data, size_t length)
{
	if (!data || length < 20 || data[0] > 3)
		return false;
	uint32_t cookie = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 | data[7];
	size_t body = (size_t)data[2] << 8 | data[3];
	return cookie == STUN_MAGIC_COOKIE && body % 4 == 0 && body + 20 == length;
}

bool lite_stun_ufrag(const uint8_t *data, size_t length, char *ufrag, size_t cap)
{
	if (!lite_stun_is_stun(data, length) || cap == 0 ||
	    stun_message_validate_buffer_length(data, length, true) != (int)length)
		return false;
	StunMessage msg = { .buffer = (uint8_t *)data, .buffer_len = length };
	uint16_t len = 0;
	const uint8_t *name = stun_message_find(&msg, STUN_ATTRIBUTE_USERNAME, &len);
	if (!name)
		return false;
	const uint8_t *colon = memchr(name, ':', len);
	size_t n = colon ? (size_t)(colon - name) : len;
	if (n == 0 || n >= cap)
		return false;
	memcpy(ufrag, name, n);
	ufrag[n] = '\0';
	return true;
}

typedef struct lookup_state {
	lite_cred_lookup lookup;
	void *data;
	lite_cred *found;
} lookup_state;

/* The library's credentials callback: our password for the ufrag the
 * USERNAME names first. */
static bool password_for(StunAgent *agent, StunMessage *message, uint8_t *username, uint16_t username_len,
                         uint8_t **password, size_t *password_len, void *user_data)
{
	(void)agent;
	(void)message;
	lookup_state *state = user_data;
	if (!username)
		return false;
	const uint8_t *colon = memchr(username, ':', username_len);
	size_t n = colon ? (size_t)(colon - username) : username_len;
	char ufrag[LITE_UFRAG_LEN + 1];
	if (n == 0 || n > LITE_UFRAG_LEN)
		return false;
	memcpy(ufrag, username, n);
	ufrag[n] = '\0';
	lite_cred *cred = state->lookup(state->data, ufrag);
	if (!cred)
		return false;
	state->found = cred;
	*password = (uint8_t *)cred->pwd;
	*password_len = strlen(cred->pwd);
	return true;
}

static void answer_error(StunAgent *agent, StunMessage *request, uint8_t *reply, int code, parley_lite_reject reject,
                         const char *why, lite_stun_result *result)
{
	StunMessage msg;
	result->verdict = LITE_STUN_DROP;
	result->reject = reject;
	result->why = why;
	if (!stun_agent_init_error(agent, &msg, reply, LITE_REPLY, request, (StunError)code))
		return;
	/* Signed with the request's key when it was authenticated, else not. */
	size_t len = stun_agent_finish_message(agent, &msg, request->key, request->key_len);
	if (len == 0)
		return;
	result->verdict = LITE_STUN_ERROR;
	result->error_code = code;
	result->reply_len = len;
}

void lite_stun_handle(StunAgent *agent, const uint8_t *data, size_t length, const struct sockaddr *from,
                      socklen_t from_len, lite_cred_lookup lookup, void *lookup_data, uint8_t *reply,
                      lite_stun_result *result)
{
	memset(result, 0, sizeof(*result));
	result->reject = PARLEY_LITE_REJECT_UNANSWERABLE;
	result->why = "not STUN";
	if (!lite_stun_is_stun(data, length) || !from || from_len > sizeof(struct sockaddr_storage))
		return;
	StunMessage request;
	lookup_state state = { .lookup = lookup, .data = lookup_data };
	StunValidationStatus status = stun_agent_validate(agent, &request, data, length, password_for, &state);
	result->cred = state.found;
	switch (status) {
	case STUN_VALIDATION_SUCCESS: break;
	case STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE: {
		StunMessage msg;
		size_t len = stun_agent_build_unknown_attributes_error(agent, &msg, reply, LITE_REPLY, &request);
		result->reject = PARLEY_LITE_REJECT_UNKNOWN_ATTRIBUTE;
		result->why = "unknown comprehension-required attribute";
		if (len) {
			result->verdict = LITE_STUN_ERROR;
			result->error_code = STUN_ERROR_UNKNOWN_ATTRIBUTE;
			result->reply_len = len;
		}
		return;
	}
	case STUN_VALIDATION_UNAUTHORIZED:
		/* A ufrag of ours with a wrong password: 401; a ufrag nobody
		 * here owns is not answered. */
		if (state.found && stun_message_get_class(&request) == STUN_REQUEST)
			answer_error(agent, &request, reply, STUN_ERROR_UNAUTHORIZED, PARLEY_LITE_REJECT_BAD_INTEGRITY,
			             "wrong password", result);
		else if (!state.found) {
			result->reject = PARLEY_LITE_REJECT_UNKNOWN_UFRAG;
			result->why = "unknown ufrag";
		} else {
			result->why = "not a request";
		}
		return;
	case STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST:
		if (stun_message_get_class(&request) == STUN_REQUEST)
			answer_error(agent, &request, reply, STUN_ERROR_BAD_REQUEST, PARLEY_LITE_REJECT_BAD_REQUEST,
			             "no USERNAME or MESSAGE-INTEGRITY", result);
		else
			result->why = "unauthenticated indication";
		return;
	case STUN_VALIDATION_BAD_REQUEST: result->why = "no or bad FINGERPRINT"; return;
	default: result->why = "not an answerable STUN request"; return;
	}
	if (stun_message_get_class(&request) != STUN_REQUEST || !state.found) {
		result->why = "not a request";
		return;
	}
	uint64_t tie = 0;
	if (stun_message_find64(&request, STUN_ATTRIBUTE_ICE_CONTROLLED, &tie) == STUN_MESSAGE_RETURN_SUCCESS) {
		answer_error(agent, &request, reply, STUN_ERROR_ROLE_CONFLICT, PARLEY_LITE_REJECT_ROLE_CONFLICT,
		             "the peer is controlled too", result);
		return;
	}
	struct sockaddr_storage source;
	memset(&source, 0, sizeof(source));
	memcpy(&source, from, from_len);
	StunMessage msg;
	size_t len = LITE_REPLY;
	bool controlling = false;
	StunUsageIceReturn rc = stun_usage_ice_conncheck_create_reply(agent, &request, &msg, reply, &len, &source,
	                                                              from_len, &controlling, 0,
	                                                              STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	if (rc == STUN_USAGE_ICE_RETURN_INVALID_METHOD && len > 0) {
		result->verdict = LITE_STUN_ERROR;
		result->error_code = STUN_ERROR_BAD_REQUEST;
		result->reply_len = len;
		result->reject = PARLEY_LITE_REJECT_BAD_REQUEST;
		result->why = "not a binding request";
		return;
	}
	if (rc != STUN_USAGE_ICE_RETURN_SUCCESS || len == 0) {
		result->why = "cannot build the answer";
		return;
	}
	result->verdict = LITE_STUN_VALID;
	result->use_candidate = stun_usage_ice_conncheck_use_candidate(&request);
	result->reply_len = len;
	result->why = NULL;
}
