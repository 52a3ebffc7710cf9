/*
 * driver_echo.c — the echo scenario: each of --publishers peers opens a
 * session on an echo plugin (Parley's parley.plugin.echo, or Janus's
 * janus.plugin.echotest with --plugin), sends {"audio","video","bitrate"}
 * with a sendrecv offer, takes the answer, and once DTLS-SRTP is up sends
 * synthetic media that the plugin returns; each peer is its own receiver,
 * so the report can prove every packet came back decrypted and intact.
 */
#include <string.h>
#include "janus_api.h"
#include "loadgen.h"
#include "session.h"

static void echo_failed(void *user_data, loadgen_peer *peer, const char *reason)
{
	loadgen_run_fail(user_data, "echo peer %u: %s", loadgen_peer_publisher_id(peer), reason);
}

static void echo_connected(void *user_data, loadgen_peer *peer)
{
	loadgen_run_peer_ready(user_data, peer);
}

static void answered(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	if (error != NULL) {
		loadgen_run_fail(run, "echo peer %u: offer refused: %s", loadgen_peer_publisher_id(peer), error);
		return;
	}
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	if (sdp == NULL) {
		loadgen_run_fail(run, "echo peer %u: the plugin's answer has no jsep", loadgen_peer_publisher_id(peer));
		return;
	}
	GError *err = NULL;
	if (loadgen_peer_set_remote(peer, json_string_value(json_object_get(jsep, "type")), sdp, &err) < 0) {
		loadgen_run_fail(run, "echo peer %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

static void echo_local_description(void *user_data, loadgen_peer *peer, const char *type, const char *sdp)
{
	loadgen_run *run = user_data;
	json_t *body = json_pack("{s:b, s:b, s:I}", "audio", !run->options->no_audio, "video",
	                         !run->options->no_video, "bitrate", (json_int_t)run->options->bitrate_kbps * 1000 * 2);
	loadgen_peer_stats(peer)->join_us = g_get_monotonic_time();
	loadgen_janus_message(run, peer, body, type, sdp, answered);
	json_decref(body);
}

static void opened(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	if (error != NULL) {
		loadgen_run_fail(run, "echo peer %u: %s", loadgen_peer_publisher_id(peer), error);
		return;
	}
	GError *err = NULL;
	if (loadgen_peer_create_offer(peer, &err) < 0) {
		loadgen_run_fail(run, "echo peer %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

static int echo_start(loadgen_run *run, GError **error)
{
	static const loadgen_peer_callbacks callbacks = {
		.local_description = echo_local_description, .connected = echo_connected, .failed = echo_failed,
	};
	run->peers_expected = run->options->publishers;
	for (int i = 0; i < run->options->publishers; i++) {
		loadgen_peer *peer = loadgen_peer_new(run, LOADGEN_PEER_ECHO, (uint32_t)i + 1, &callbacks, run, error);
		if (peer == NULL)
			return -1;
		loadgen_run_add_peer(run, peer);
		loadgen_janus_open(run, peer, opened, NULL);
	}
	return 0;
}

static void echo_stop(loadgen_run *run)
{
	for (guint i = 0; i < run->peers->len; i++)
		loadgen_janus_close(run, run->peers->pdata[i]);
}

static void echo_free(loadgen_run *run)
{
}

const loadgen_driver loadgen_driver_echo = {
	.name = "echo",
	.default_plugin = "parley.plugin.echo",
	.summary = "every publisher talks to an echo plugin and receives its own media back",
	.has_rooms = false,
	.start = echo_start,
	.stop = echo_stop,
	.free = echo_free,
};
