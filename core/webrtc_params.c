/*
 * webrtc_params.c — the plugin table's parameters entries: each finds the
 * handle's PeerConnection (params_create_transport makes it, on the
 * handle's loop, through webrtc.c), runs one step of core/media/params*.c
 * on the pc's loop and waits for it, and turns the media layer's refusal
 * into the plugin's code and reason. The pc's events (webrtcup, media,
 * hangup) and the plugin's media callbacks are webrtc.c's, as for a pc
 * negotiated through SDP.
 */
#include <stdio.h>
#include "webrtc_params.h"
#include "session.h"
#include "webrtc.h"
#include "media/params.h"

/* One call onto the pc's loop: its inputs, the step, its outputs. */
typedef struct params_call {
	parley_pc *pc;
	void (*step)(struct params_call *call);
	const char *kind;
	json_t *in;
	int mindex;
	bool paused;
	json_t *out;
	int rc;
	char reason[512];
} params_call;

static void step_create(params_call *c)
{
	c->rc = parley_params_open(c->pc, &c->out, c->reason, sizeof(c->reason));
}

static void step_connect(params_call *c)
{
	c->rc = parley_params_connect(c->pc, c->in, c->reason, sizeof(c->reason));
}

static void step_restart(params_call *c)
{
	c->rc = parley_params_restart_ice(c->pc, &c->out, c->reason, sizeof(c->reason));
}

static void step_receive(params_call *c)
{
	c->rc = parley_params_receive(c->pc, c->kind, c->in, &c->mindex, c->reason, sizeof(c->reason));
}

static void step_send(params_call *c)
{
	c->rc = parley_params_send(c->pc, c->in, &c->out, c->reason, sizeof(c->reason));
}

static void step_pause(params_call *c)
{
	c->rc = parley_params_pause(c->pc, c->mindex, c->paused, c->reason, sizeof(c->reason));
}

static void step_close(params_call *c)
{
	c->rc = parley_params_close(c->pc, c->mindex, c->reason, sizeof(c->reason));
}

static void run_step(void *data)
{
	params_call *call = data;
	call->step(call);
}

/* The media layer's refusals as the plugin's codes. */
static const struct {
	int media;
	int code;
} refusal_codes[] = {
	{ PARLEY_PC_ERR_MISSING, PARLEY_PLUGIN_ERROR_MISSING_ELEMENT },
	{ PARLEY_PC_ERR_INVALID, PARLEY_PLUGIN_ERROR_INVALID_ELEMENT },
	{ PARLEY_PC_ERR_LIMIT, PARLEY_PLUGIN_ERROR_INVALID_ELEMENT },
	{ PARLEY_PC_ERR_SDP, PARLEY_PLUGIN_ERROR_INVALID_ELEMENT },
	{ PARLEY_PC_ERR_STATE, PARLEY_PLUGIN_ERROR_WEBRTC_STATE },
};

static int code_of(int media)
{
	for (size_t i = 0; i < G_N_ELEMENTS(refusal_codes); i++)
		if (refusal_codes[i].media == media)
			return refusal_codes[i].code;
	return PARLEY_PLUGIN_ERROR_UNKNOWN;
}

/* Runs call->step on the handle's pc (made first with `create`). */
static int run(parley_plugin_session *session, bool create, params_call *call, parley_plugin_error *error)
{
	parley_handle *h = parley_handle_from_plugin(session);
	if (!h || g_atomic_int_get(&h->life.destroyed))
		return parley_plugin_error_set(error, PARLEY_PLUGIN_ERROR_HANDLE_GONE, "the handle is gone");
	char reason[256] = "";
	call->pc = parley_webrtc_pc(h, create, reason, sizeof(reason));
	if (!call->pc)
		return parley_plugin_error_set(error, PARLEY_PLUGIN_ERROR_WEBRTC_STATE, "%s",
		                               create ? reason : "no transport: create it first");
	parley_pc_invoke(call->pc, run_step, call);
	parley_pc_unref(call->pc);
	if (call->rc)
		return parley_plugin_error_set(error, code_of(call->rc), "%s", call->reason);
	return 0;
}

json_t *parley_webrtc_params_create_transport(parley_plugin_session *session, parley_plugin_error *error)
{
	params_call call = { .step = step_create };
	return run(session, true, &call, error) ? NULL : call.out;
}

int parley_webrtc_params_connect_transport(parley_plugin_session *session, json_t *dtls_parameters,
                                           parley_plugin_error *error)
{
	params_call call = { .step = step_connect, .in = dtls_parameters };
	return run(session, false, &call, error);
}

json_t *parley_webrtc_params_restart_ice(parley_plugin_session *session, parley_plugin_error *error)
{
	params_call call = { .step = step_restart };
	return run(session, false, &call, error) ? NULL : call.out;
}

int parley_webrtc_params_receive(parley_plugin_session *session, const char *kind, json_t *rtp_parameters, int *mindex,
                                 parley_plugin_error *error)
{
	params_call call = { .step = step_receive, .kind = kind, .in = rtp_parameters, .mindex = -1 };
	int rc = run(session, false, &call, error);
	if (mindex)
		*mindex = rc ? -1 : call.mindex;
	return rc;
}

json_t *parley_webrtc_params_send(parley_plugin_session *session, json_t *options, parley_plugin_error *error)
{
	params_call call = { .step = step_send, .in = options };
	return run(session, false, &call, error) ? NULL : call.out;
}

int parley_webrtc_params_pause(parley_plugin_session *session, int mindex, bool paused, parley_plugin_error *error)
{
	params_call call = { .step = step_pause, .mindex = mindex, .paused = paused };
	return run(session, false, &call, error);
}

int parley_webrtc_params_close(parley_plugin_session *session, int mindex, parley_plugin_error *error)
{
	params_call call = { .step = step_close, .mindex = mindex };
	return run(session, false, &call, error);
}

json_t *parley_webrtc_params_rtp_capabilities(void)
{
	return parley_params_capabilities();
}
