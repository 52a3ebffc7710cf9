/*
 * test_webrtc_params.c — the plugin table's parameters entries
 * (core/webrtc_params.c) on a real handle, with [media] ice_lite on: the
 * core table announces them (struct_size), a transport is created on the
 * handle's loop and only once, refusals come back as the plugin's codes
 * (456, 467, 471) with the member named, streams are declared, paused and
 * closed, the handle refuses a jsep, and after a hangup there is no
 * transport until a new one is created. Companion handles: a second
 * handle of the same session and plugin with its own transport, ended by
 * the plugin or with the session. Loop groups (handle_share_loop): two
 * handles on two loops end up on one, until a pc pins a handle. The media itself is test_params_pc.c's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/config.h"
#include "core/errors.h"
#include "core/loops.h"
#include "core/media/pc.h"
#include "core/session.h"
#include "core/tables.h"
#include "core/webrtc.h"

static int quiet_send(parley_conn *conn, void *ctx, bool admin, json_t *message)
{
	return 0;
}

static const parley_transport quiet = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = "parley.transport.quiet",
	.send_message = quiet_send,
};

static gint hangups, creates, destroys;

static int plug_create(parley_plugin_session *s)
{
	g_atomic_int_inc(&creates);
	return 0;
}

static int plug_destroy(parley_plugin_session *s)
{
	g_atomic_int_inc(&destroys);
	return 0;
}

static void plug_hangup(parley_plugin_session *s)
{
	g_atomic_int_inc(&hangups);
}

static const parley_plugin params_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = "parley.plugin.params",
	.create_session = plug_create,
	.destroy_session = plug_destroy,
	.hangup_media = plug_hangup,
};

typedef struct fixture {
	const parley_plugin_core *core;
	parley_conn *conn;
	parley_session *session;
	parley_handle *handle;
} fixture;

static int setup(void **state)
{
	parley_config_set("parley", "media", "ice_lite", "true");
	parley_config_set("parley", "media", "interfaces", "127.0.0.1");
	if (parley_loops_start(2))
		return -1;
	char reason[256];
	if (parley_webrtc_setup(reason, sizeof(reason)))
		return -1;
	parley_session_settings limits = { .session_timeout = 60, .max_candidates_per_handle = 4 };
	parley_sessions_configure(&limits);
	parley_handles_set_hangup(parley_webrtc_hangup);   /* as the API sets it: a detach closes the pc */
	fixture *f = g_new0(fixture, 1);
	f->core = parley_tables_all()->plugin;
	f->conn = parley_conn_new(&quiet, NULL, NULL);
	if (parley_session_create(f->conn, 0, &f->session, reason, sizeof(reason)) ||
	    parley_handle_create(f->session, &params_plugin, NULL, &f->handle, reason, sizeof(reason)))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	parley_sessions_destroy_all(PARLEY_SESSION_END_REQUEST);
	parley_handles_set_hangup(NULL);
	parley_handle_unref(f->handle);   /* the references the creates gave */
	parley_session_unref(f->session);
	parley_conn_unref(f->conn);
	parley_loops_stop();
	parley_webrtc_stop();
	g_free(f);
	return 0;
}

static json_t *parse(const char *text)
{
	json_t *json = json_loads(text, 0, NULL);
	assert_non_null(json);
	return json;
}

static void entries_on_a_handle(void **state)
{
	fixture *f = *state;
	const parley_plugin_core *core = f->core;
	parley_plugin_session *ps = &f->handle->psession;
	assert_true(PARLEY_PLUGIN_CORE_HAS(core, params_create_transport));
	assert_true(PARLEY_PLUGIN_CORE_HAS(core, params_rtp_capabilities));

	json_t *caps = core->params_rtp_capabilities();
	assert_true(json_array_size(json_object_get(caps, "codecs")) >= 8);
	json_decref(caps);

	parley_plugin_error error = { 0 };
	assert_int_equal(core->params_connect_transport(ps, NULL, &error), PARLEY_PLUGIN_ERROR_WEBRTC_STATE);
	assert_non_null(strstr(error.reason, "create it first"));

	json_t *transport = core->params_create_transport(ps, &error);
	assert_non_null(transport);
	assert_true(json_is_true(json_object_get(json_object_get(transport, "iceParameters"), "iceLite")));
	assert_int_equal(json_array_size(json_object_get(transport, "iceCandidates")), 1);
	json_decref(transport);
	assert_null(core->params_create_transport(ps, &error));
	assert_int_equal(error.code, PARLEY_PLUGIN_ERROR_WEBRTC_STATE);

	/* refusals: codes and reasons */
	json_t *dtls = parse("{\"role\": \"client\"}");
	assert_int_equal(core->params_connect_transport(ps, dtls, &error), PARLEY_PLUGIN_ERROR_MISSING_ELEMENT);
	assert_non_null(strstr(error.reason, "dtlsParameters.fingerprints"));
	json_decref(dtls);
	json_t *rtp = parse("{\"mid\": \"a\", \"codecs\": [{\"mimeType\": \"audio/opus\", \"payloadType\": 111,"
	                    " \"clockRate\": 48000, \"channels\": 2}], \"encodings\": [{\"ssrc\": \"1\"}]}");
	int mindex = 99;
	assert_int_equal(core->params_receive(ps, "audio", rtp, &mindex, &error), PARLEY_PLUGIN_ERROR_INVALID_ELEMENT);
	assert_int_equal(mindex, -1);
	assert_non_null(strstr(error.reason, "rtpParameters.encodings[0].ssrc"));
	json_object_set_new(rtp, "encodings", parse("[{\"ssrc\": 1}]"));
	assert_int_equal(core->params_receive(ps, "audio", rtp, &mindex, &error), 0);
	assert_int_equal(mindex, 0);
	json_decref(rtp);
	json_t *options = parse("{\"kind\": \"video\", \"rtpCapabilities\": {\"codecs\": [{\"mimeType\": \"video/VP8\","
	                        " \"clockRate\": 90000}, {\"mimeType\": \"video/rtx\", \"clockRate\": 90000}]},"
	                        " \"paused\": true}");
	json_t *consumer = core->params_send(ps, options, &error);
	assert_non_null(consumer);
	assert_int_equal(json_integer_value(json_object_get(consumer, "mindex")), 1);
	json_t *encoding = json_array_get(json_object_get(json_object_get(consumer, "rtpParameters"), "encodings"), 0);
	assert_non_null(json_object_get(json_object_get(encoding, "rtx"), "ssrc"));
	json_decref(consumer);
	json_decref(options);
	assert_int_equal(core->params_pause(ps, 1, false, &error), 0);
	assert_int_equal(core->params_close(ps, 0, &error), 0);
	assert_int_equal(core->params_close(ps, 0, &error), PARLEY_PLUGIN_ERROR_INVALID_ELEMENT);
	json_t *ice = core->params_restart_ice(ps, &error);
	assert_non_null(json_object_get(ice, "usernameFragment"));
	json_decref(ice);

	/* the handle refuses a jsep */
	char reason[256] = "";
	json_t *jsep = json_pack("{ss ss}", "type", "offer", "sdp", "v=0\r\n");
	assert_int_equal(parley_webrtc_remote_jsep(f->handle, jsep, reason, sizeof(reason)), PARLEY_ERROR_WEBRTC_STATE);
	assert_non_null(strstr(reason, "described by parameters"));
	json_decref(jsep);

	/* after a hangup: no transport until a new one is made */
	assert_true(parley_webrtc_hangup(f->handle, "test"));
	assert_int_equal(g_atomic_int_get(&hangups), 1);
	assert_int_equal(core->params_pause(ps, 1, true, &error), PARLEY_PLUGIN_ERROR_WEBRTC_STATE);
	transport = core->params_create_transport(ps, &error);
	assert_non_null(transport);
	json_decref(transport);
}

static void companion_handles(void **state)
{
	fixture *f = *state;
	const parley_plugin_core *core = f->core;
	/* a fresh handle (the fixture's has a pc already), one transport setup per process */
	parley_handle *fresh = NULL;
	char reason[256];
	assert_int_equal(parley_handle_create(f->session, &params_plugin, NULL, &fresh, reason, sizeof(reason)), 0);
	parley_plugin_session *parent = &fresh->psession;
	assert_true(PARLEY_PLUGIN_CORE_HAS(core, handle_companion));
	int created = g_atomic_int_get(&creates), destroyed = g_atomic_int_get(&destroys);
	parley_plugin_error error = { 0 };
	parley_plugin_session *companion = core->handle_companion(parent, &error);
	assert_non_null(companion);
	assert_int_equal(g_atomic_int_get(&creates), created + 1);   /* the plugin's create_session ran */
	parley_handle *h = parley_handle_from_plugin(companion);
	assert_ptr_equal(h->session, f->session);
	assert_ptr_equal(h->plugin, &params_plugin);
	assert_true(h->id != fresh->id);
	json_t *ids = parley_session_handle_ids(f->session);
	assert_int_equal(json_array_size(ids), 3);
	json_decref(ids);
	/* one pc each */
	json_t *one = core->params_create_transport(parent, &error);
	json_t *two = core->params_create_transport(companion, &error);
	assert_non_null(one);
	assert_non_null(two);
	assert_string_not_equal(json_string_value(json_object_get(json_object_get(one, "iceParameters"), "usernameFragment")),
	                        json_string_value(json_object_get(json_object_get(two, "iceParameters"), "usernameFragment")));
	json_decref(one);
	json_decref(two);
	/* the plugin releases it */
	core->end_session(companion);
	assert_int_equal(g_atomic_int_get(&destroys), destroyed + 1);
	ids = parley_session_handle_ids(f->session);
	assert_int_equal(json_array_size(ids), 2);
	json_decref(ids);
	/* another one ends with the session */
	assert_non_null(core->handle_companion(parent, &error));
	parley_sessions_destroy_all(PARLEY_SESSION_END_REQUEST);
	assert_int_equal(g_atomic_int_get(&destroys), destroyed + 4);   /* + the fixture's and the fresh handle */
	/* no companion of a handle that is gone */
	assert_null(core->handle_companion(parent, &error));
	assert_int_equal(error.code, PARLEY_PLUGIN_ERROR_HANDLE_GONE);
	parley_handle_unref(fresh);
}

/* handle_share_loop: a group's handles on one loop, until a pc exists */
#define ROOM_A "parley.plugin.params/room-a"   /* "room-a" in the plugin's namespace */

static void handles_share_a_loop(void **state)
{
	fixture *f = *state;
	const parley_plugin_core *core = f->core;
	assert_true(PARLEY_PLUGIN_CORE_HAS(core, handle_share_loop));
	char reason[256];
	parley_handle *one = NULL, *two = NULL;
	assert_int_equal(parley_handle_create(f->session, &params_plugin, NULL, &one, reason, sizeof(reason)), 0);
	for (int i = 0; i < 4 && (two == NULL || two->loop == one->loop); i++) {
		if (two != NULL) {
			parley_handle_destroy(two, false);
			parley_handle_unref(two);
		}
		assert_int_equal(parley_handle_create(f->session, &params_plugin, NULL, &two, reason, sizeof(reason)), 0);
	}
	assert_ptr_not_equal(one->loop, two->loop);   /* two loops: the least loaded picks apart */
	parley_plugin_error error = { 0 };
	assert_int_equal(core->handle_share_loop(&one->psession, "room-a", &error), 0);
	assert_int_equal(core->handle_share_loop(&two->psession, "room-a", &error), 0);
	assert_ptr_equal(two->loop, one->loop);
	assert_int_equal(parley_loops_group_members(ROOM_A), 2);
	assert_int_equal(parley_loops_group_members("room-a"), 0);   /* not the bare name */
	/* its pc runs there; from then on it stays */
	json_t *transport = core->params_create_transport(&two->psession, &error);
	assert_non_null(transport);
	json_decref(transport);
	parley_pc *pc = parley_webrtc_pc(two, false, reason, sizeof(reason));
	assert_non_null(pc);
	assert_ptr_equal(parley_pc_context(pc), parley_loop_context(one->loop));
	parley_pc_unref(pc);
	assert_int_equal(core->handle_share_loop(&two->psession, "room-a", &error), 0);   /* there already */
	error.code = 0;
	assert_int_equal(core->handle_share_loop(&two->psession, "room-b", &error), PARLEY_PLUGIN_ERROR_WEBRTC_STATE);
	assert_int_equal(error.code, PARLEY_PLUGIN_ERROR_WEBRTC_STATE);
	assert_ptr_equal(two->loop, one->loop);
	/* leaving keeps the loop; a detached handle leaves its group */
	assert_int_equal(core->handle_share_loop(&two->psession, NULL, &error), 0);
	assert_int_equal(parley_loops_group_members(ROOM_A), 1);
	assert_int_equal(parley_handle_destroy(one, false), 0);
	assert_int_equal(parley_loops_group_members(ROOM_A), 0);
	assert_int_equal(core->handle_share_loop(&one->psession, "room-a", &error), PARLEY_PLUGIN_ERROR_HANDLE_GONE);
	assert_int_equal(parley_loops_group_members(ROOM_A), 0);
	parley_handle_destroy(two, false);
	parley_handle_unref(one);
	parley_handle_unref(two);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entries_on_a_handle),
		cmocka_unit_test(handles_share_a_loop),
		cmocka_unit_test(companion_handles),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
