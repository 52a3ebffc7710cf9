/*
 * tests/unit/test_room_whip.c — WHIP and WHEP over the room plugin's route
 * calls, every status the HTTP side can answer: 201 (WHIP: Location, a
 * quoted ETag, Link ice-servers, Accept-Patch, the merged answer; the
 * publisher joins with source "whip" producers and the others hear of it;
 * WHEP: a hidden viewer fed from the producers, with the player's offer or
 * ours), 200 (ICE restart: the client's offer applied again with its new
 * credentials and no old candidates, our new fragment, a new ETag; DELETE),
 * 204 (trickle: candidates and end-of-candidates to the core; OPTIONS; the
 * answer to our offer), 400 (empty, NUL, unparsable or one-way-wrong
 * offers, a bad layer, a fragment that does not parse, an offer the core
 * refuses), 401 (no, wrong or non-Bearer token, WWW-Authenticate; before
 * 404; the core's tokens), 404 (paths, rooms, peers, resources, after
 * DELETE, WHIP off), 405 (with Allow), 409, 412 (stale ETag), 413, 415,
 * 428 (no If-Match), 429 (the per-address budget, Retry-After), 503 (full room, too many resources).
 * The plugin's real code with a recording core table whose handle_new,
 * sdp_remote, sdp_local and trickle remember what they were asked, and the
 * core's real SDP helpers (libparleymedia); jobs run on the plugin's
 * worker pool and the test waits for each answer (bounded).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define RECORDING_CORE_LOG_ENV "ROOM_TEST_LOG"
#include "recording_core.h"

#include "plugins/room/whip.h"
#include "core/media/pc_helpers.h"

#define MAX_HANDLES 32
static parley_plugin_session handles[MAX_HANDLES];
static int n_handles;
static room_ctx *test_ctx;
static GPtrArray *calls;          /* "what index detail" lines, under record_lock */
static char *last_remote[MAX_HANDLES];
static int local_count;
static int ended[MAX_HANDLES];
static int64_t fake_now_ms = 1000000;

static int64_t fake_clock_ms(void) { return fake_now_ms; }
static int64_t fake_clock_us(void) { return fake_now_ms * 1000; }

static int index_of(parley_plugin_session *s)
{
	return (int)(s - handles);
}

static void called(const char *format, ...) G_GNUC_PRINTF(1, 2);
static void called(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *line = g_strdup_vprintf(format, args);
	va_end(args);
	g_mutex_lock(&record_lock);
	g_ptr_array_add(calls, line);
	g_mutex_unlock(&record_lock);
}

static bool was_called(const char *prefix)
{
	bool found = false;
	g_mutex_lock(&record_lock);
	for (guint i = 0; i < calls->len && !found; i++)
		found = g_str_has_prefix(calls->pdata[i], prefix);
	g_mutex_unlock(&record_lock);
	return found;
}

static parley_plugin_session *fake_handle_new(const parley_plugin *plugin, const char *opaque_id,
                                              parley_plugin_error *error)
{
	g_mutex_lock(&record_lock);
	int i = n_handles < MAX_HANDLES ? n_handles++ : -1;
	g_mutex_unlock(&record_lock);
	if (i < 0) {
		parley_plugin_error_set(error, 490, "too many handles");
		return NULL;
	}
	parley_plugin_session *s = &handles[i];
	s->plugin_handle = parley_room_handle_attach(test_ctx, s);   /* the core runs create_session */
	called("new %d %s", i, opaque_id);
	return s;
}

static void fake_end_session(parley_plugin_session *s)
{
	g_mutex_lock(&record_lock);
	int i = index_of(s);
	bool first = ended[i]++ == 0;
	g_mutex_unlock(&record_lock);
	if (first)
		parley_room_handle_detach(test_ctx, s);   /* destroy_session */
	called("end %d", i);
}

static int fake_sdp_remote(parley_plugin_session *s, const char *type, const char *sdp, parley_plugin_error *error)
{
	if (strstr(sdp, "a=x-refuse") != NULL)
		return parley_plugin_error_set(error, 465, "invalid SDP (refused by the test)");
	g_mutex_lock(&record_lock);
	g_free(last_remote[index_of(s)]);
	last_remote[index_of(s)] = g_strdup(sdp);
	g_mutex_unlock(&record_lock);
	called("remote %d %s", index_of(s), type);
	return 0;
}

/* What our descriptions look like: the libnice transport's (one host
 * candidate), or the ICE-lite transport's as the core writes it
 * (a=ice-lite at the session level; UDP and passive TCP host candidates
 * and a server-reflexive one from the announced address). */
static bool fake_ice_lite;

/* Our description with "transport" after its first m-line: credentials
 * that change with every call, candidates, end-of-candidates. */
static char *fake_sdp_local(parley_plugin_session *s, const char *type, const char *sdp, bool restart,
                            parley_plugin_error *error)
{
	(void)error;
	g_mutex_lock(&record_lock);
	int n = ++local_count;
	g_mutex_unlock(&record_lock);
	called("local %d %s%s", index_of(s), type, restart ? " restart" : "");
	const char *m = strstr(sdp, "\nm=");
	const char *eol = m != NULL ? strchr(m + 1, '\n') : NULL;
	char *transport = fake_ice_lite
		? g_strdup_printf("a=ice-ufrag:srv%d\r\na=ice-pwd:serverpassword%012d\r\n"
		                  "a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host\r\n"
		                  "a=candidate:2 1 tcp 1518280447 127.0.0.1 %d typ host tcptype passive\r\n"
		                  "a=candidate:3 1 udp 1694498815 192.0.2.7 %d typ srflx raddr 127.0.0.1 rport %d\r\n"
		                  "a=end-of-candidates\r\n",
		                  n, n, 40000 + n, 41000 + n, 40000 + n, 40000 + n)
		: g_strdup_printf("a=ice-ufrag:srv%d\r\na=ice-pwd:serverpassword%012d\r\n"
		                  "a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host\r\na=end-of-candidates\r\n",
		                  n, n, 40000 + n);
	size_t session_end = m != NULL ? (size_t)(m + 1 - sdp) : strlen(sdp);
	GString *out = g_string_new(NULL);
	g_string_append_len(out, sdp, (gssize)session_end);
	if (fake_ice_lite)
		g_string_append(out, "a=ice-lite\r\n");
	if (eol != NULL) {
		g_string_append_len(out, sdp + session_end, eol + 1 - (sdp + session_end));
		g_string_append(out, transport);
		g_string_append(out, eol + 1);
	} else {
		g_string_append(out, sdp + session_end);
		g_string_append(out, transport);
	}
	g_free(transport);
	return g_string_free(out, FALSE);
}

static int fake_trickle(parley_plugin_session *s, const char *candidate, parley_plugin_error *error)
{
	(void)error;
	called("trickle %d %s", index_of(s), candidate != NULL ? candidate : "END");
	return 0;
}

static bool fake_token_allows(const parley_plugin *plugin, const char *token)
{
	(void)plugin;
	return strcmp(token, "core-token") == 0;
}

static const parley_plugin_core whip_core = {
	RECORDING_CORE_FIELDS,
	.end_session = fake_end_session,
	.auth_token_allows = fake_token_allows,
	.handle_new = fake_handle_new,
	.sdp_remote = fake_sdp_remote,
	.sdp_local = fake_sdp_local,
	.trickle = fake_trickle,
};

static const parley_plugin fake_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_ROOM_PACKAGE,
};

/* ---- the context and its settings ---- */

static void context_new(void)
{
	recording_reset();
	if (calls == NULL)
		calls = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_set_size(calls, 0);
	memset(handles, 0, sizeof(handles));
	memset(ended, 0, sizeof(ended));
	n_handles = 0;
	local_count = 0;
	room_config cfg;
	parley_room_config_load(&cfg, &whip_core);
	test_ctx = parley_room_ctx_new(&whip_core, &fake_plugin, &cfg);
	test_ctx->now_ms = fake_clock_ms;
	test_ctx->now_us = fake_clock_us;
	test_ctx->sdp.answer = parley_pc_helper_sdp_answer;
	test_ctx->sdp.offer = parley_pc_helper_sdp_offer;
	test_ctx->sdp.summary = parley_pc_helper_sdp_summary;
	test_ctx->whip = parley_room_whip_new(test_ctx);
}

static void context_free(void)
{
	room_whip *w = test_ctx->whip;
	test_ctx->whip = NULL;
	parley_room_whip_free(w);
	parley_room_ctx_free(test_ctx);
	test_ctx = NULL;
	for (int i = 0; i < MAX_HANDLES; i++) {
		g_free(last_remote[i]);
		last_remote[i] = NULL;
	}
	recording_clear();
}

static int setup_default(void **state)
{
	(void)state;
	fake_config_set("whip", "tokens", "token-one, token-two");
	fake_config_set("whip", "rate_limit", "0");
	fake_config_set("whip", "stun_servers", "stun.example.org:3478");
	fake_config_set("whip", "turn_servers", "turn:turn.example.org:3478?transport=udp");
	fake_config_set("whip", "turn_username", "user");
	fake_config_set("whip", "turn_password", "pa\"ss");
	context_new();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	context_free();
	return 0;
}

/* ---- requests ---- */

typedef struct test_call {
	parley_http_call call;
	GMutex lock;
	GCond cond;
	bool done;
	int finished;
} test_call;

static void test_finish(parley_http_call *c)
{
	test_call *t = (test_call *)c;
	g_mutex_lock(&t->lock);
	t->done = true;
	t->finished++;
	g_cond_signal(&t->cond);
	g_mutex_unlock(&t->lock);
}

typedef struct request_spec {
	const char *method, *path, *query, *content_type, *if_match, *authorization, *body;
	size_t body_length;   /* 0: strlen(body) */
	const char *remote_ip;
} request_spec;

/* Runs one request to its answer (waiting for a job when there is one). */
static int run(test_call *t, request_spec spec)
{
	memset(t, 0, sizeof(*t));
	g_mutex_init(&t->lock);
	g_cond_init(&t->cond);
	size_t length = spec.body != NULL ? (spec.body_length ? spec.body_length : strlen(spec.body)) : 0;
	t->call.struct_size = sizeof(parley_http_call);
	t->call.request = (parley_http_request){
		.method = spec.method, .path = spec.path, .query = spec.query, .body = spec.body, .body_length = length,
		.remote_ip = spec.remote_ip != NULL ? spec.remote_ip : "127.0.0.1", .authorization = spec.authorization,
	};
	t->call.content_type = spec.content_type;
	t->call.if_match = spec.if_match;
	t->call.finish = test_finish;
	int rc = parley_room_whip_http_call(test_ctx, &t->call);
	if (rc == PARLEY_HTTP_LATER) {
		gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
		g_mutex_lock(&t->lock);
		while (!t->done && g_cond_wait_until(&t->cond, &t->lock, deadline))
			;
		g_mutex_unlock(&t->lock);
		assert_true(t->done);
		assert_int_equal(t->finished, 1);
	} else {
		assert_int_equal(rc, 0);
		assert_int_equal(t->finished, 0);
	}
	if (g_getenv("ROOM_TEST_LOG") != NULL)
		fprintf(stderr, "%s %s -> %d %.*s\n", spec.method, spec.path, t->call.response.status,
		        (int)t->call.response.body_length, t->call.response.body != NULL ? t->call.response.body : "");
	return t->call.response.status;
}

static void done(test_call *t)
{
	g_free(t->call.response.body);
	g_free(t->call.headers);
	g_mutex_clear(&t->lock);
	g_cond_clear(&t->cond);
}

/* The value of response header `name` (a copy; "" when absent), the n-th. */
static char *header(const test_call *t, const char *name, int nth)
{
	gchar **lines = g_strsplit(t->call.headers != NULL ? t->call.headers : "", "\r\n", -1);
	char *value = NULL;
	for (gchar **l = lines; *l != NULL && value == NULL; l++) {
		size_t n = strlen(name);
		if (g_ascii_strncasecmp(*l, name, n) == 0 && (*l)[n] == ':' && nth-- == 0)
			value = g_strdup(g_strstrip(*l + n + 1));
	}
	g_strfreev(lines);
	return value != NULL ? value : g_strdup("");
}

/* Expects `status` and returns nothing else. */
static void expect(int status, request_spec spec)
{
	test_call t;
	assert_int_equal(run(&t, spec), status);
	if (status >= 400) {
		json_t *body = json_loadb(t.call.response.body, t.call.response.body_length, 0, NULL);
		assert_int_equal(json_integer_value(json_object_get(body, "status")), status);
		assert_non_null(json_string_value(json_object_get(body, "error")));
		json_decref(body);
	}
	done(&t);
}

static char *read_sdp(const char *name)
{
	const char *srcdir = g_getenv("PARLEY_SRCDIR");
	char *path = g_build_filename(srcdir != NULL ? srcdir : ".", "tests", "unit", "data", "sdp", name, NULL);
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		g_free(path);
		path = g_build_filename("..", "..", "tests", "unit", "data", "sdp", name, NULL);
		g_file_get_contents(path, &text, NULL, NULL);
	}
	g_free(path);
	assert_non_null(text);
	return text;
}

/* A Chromium offer that sends (WHIP) or receives (WHEP). */
static char *offer_that(bool sends)
{
	char *text = read_sdp(sends ? "chromium-plain.sdp" : "chromium-recvonly.sdp");
	if (sends) {
		char *replaced = NULL;
		gchar **parts = g_strsplit(text, "a=sendrecv", -1);
		replaced = g_strjoinv("a=sendonly", parts);
		g_strfreev(parts);
		g_free(text);
		text = replaced;
	}
	return text;
}

#define AUTH "Bearer token-one"
#define SDP "application/sdp"
#define FRAG "application/trickle-ice-sdpfrag"

/* A WHIP resource made in `room`: its Location and ETag (copies). */
static void publish(const char *room, char **location, char **etag)
{
	char *offer = offer_that(true);
	char *path = g_strdup_printf("/whip/%s", room);
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = path, .content_type = SDP,
	                                         .authorization = AUTH, .body = offer}), 201);
	*location = header(&t, "Location", 0);
	*etag = header(&t, "ETag", 0);
	done(&t);
	g_free(path);
	g_free(offer);
}

static room_room *room_of(const char *id)
{
	return parley_room_lookup_locked(test_ctx, id);
}

/* ---- tests ---- */

static void whip_created(void **state)
{
	(void)state;
	/* someone of the Janus API is in the room already */
	parley_plugin_session janus = {0};
	janus.plugin_handle = parley_room_handle_attach(test_ctx, &janus);
	parley_plugin_result result;
	json_t *join = json_pack("{s:s, s:s}", "request", "joinRoom", "roomId", "stage");
	parley_room_handle_request(test_ctx, &janus, "tx", join, NULL, &result);
	json_decref(join);
	assert_int_equal(result.kind, PARLEY_PLUGIN_OK);
	json_decref(result.content);

	char *offer = offer_that(true);
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whip/stage",
	                                         .content_type = "Application/SDP; charset=utf-8", .authorization = AUTH,
	                                         .body = offer}), 201);
	assert_string_equal(t.call.response.content_type, "application/sdp");
	assert_true(g_str_has_prefix(t.call.response.body, "v=0\r\n"));
	assert_non_null(strstr(t.call.response.body, "a=ice-ufrag:srv1"));   /* the core's transport, merged */
	assert_non_null(strstr(t.call.response.body, "a=recvonly"));
	char *location = header(&t, "Location", 0), *etag = header(&t, "ETag", 0);
	assert_true(g_str_has_prefix(location, "/whip/stage/"));
	assert_int_equal(strlen(location), strlen("/whip/stage/") + ROOM_WHIP_ID_LEN);
	assert_int_equal(strlen(etag), ROOM_WHIP_ETAG_LEN + 2);
	assert_int_equal(etag[0], '"');
	char *link0 = header(&t, "Link", 0), *link1 = header(&t, "Link", 1);
	assert_string_equal(link0, "<stun:stun.example.org:3478>; rel=\"ice-server\"");
	assert_string_equal(link1, "<turn:turn.example.org:3478?transport=udp>; rel=\"ice-server\"; username=\"user\"; "
	                           "credential=\"pa\\\"ss\"; credential-type=\"password\"");
	char *patch = header(&t, "Accept-Patch", 0), *expose = header(&t, "Access-Control-Expose-Headers", 0);
	assert_string_equal(patch, FRAG);
	assert_non_null(strstr(expose, "Location"));
	assert_non_null(strstr(expose, "ETag"));
	done(&t);
	assert_true(was_called("new 0 whip:stage"));
	assert_true(was_called("remote 0 offer"));
	assert_true(was_called("local 0 answer"));

	/* the publisher is a peer of the room with source "whip" producers */
	g_mutex_lock(&test_ctx->lock);
	room_room *room = room_of("stage");
	assert_int_equal(g_hash_table_size(room->peers), 2);
	room_handle *handle = handles[0].plugin_handle;
	assert_non_null(handle->peer);
	assert_true(handle->http);
	assert_true(json_is_true(json_object_get(handle->peer->metadata, "whip")));
	assert_int_equal(handle->peer->producers->len, 2);
	for (guint i = 0; i < handle->peer->producers->len; i++)
		assert_string_equal(((room_producer *)handle->peer->producers->pdata[i])->source, "whip");
	g_mutex_unlock(&test_ctx->lock);
	/* the other participant heard of it, the publisher's own handle got nothing */
	assert_int_equal(events_to(&janus, "peerJoined"), 1);
	assert_int_equal(events_to(&janus, "newProducer"), 2);
	json_t *announce = last_event(&janus, "newProducer");
	assert_string_equal(json_string_value(json_object_get(json_object_get(announce, "metadata"), "source")), "whip");
	assert_int_equal(events_to(&handles[0], NULL), 0);

	/* DELETE: 200, the peer leaves, the handle ends; then 404 */
	expect(200, (request_spec){.method = "DELETE", .path = location, .authorization = AUTH});
	assert_true(was_called("end 0"));
	assert_int_equal(events_to(&janus, "peerLeft"), 1);
	g_mutex_lock(&test_ctx->lock);
	assert_int_equal(g_hash_table_size(room_of("stage")->peers), 1);
	g_mutex_unlock(&test_ctx->lock);
	expect(404, (request_spec){.method = "DELETE", .path = location, .authorization = AUTH});
	expect(404, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = FRAG,
	                           .if_match = "*", .body = "a=end-of-candidates\r\n"});
	parley_room_handle_detach(test_ctx, &janus);
	g_free(location);
	g_free(etag);
	g_free(link0);
	g_free(link1);
	g_free(patch);
	g_free(expose);
	g_free(offer);
}

static void tokens(void **state)
{
	(void)state;
	char *offer = offer_that(true);
	static const char *const refused[] = {NULL, "Bearer nope", "Basic dG9rZW4tb25l", "Bearer ", "bearer"};
	for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
		test_call t;
		assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whip/tok", .content_type = SDP,
		                                         .authorization = refused[i], .body = offer}), 401);
		char *challenge = header(&t, "WWW-Authenticate", 0);
		assert_string_equal(challenge, "Bearer realm=\"whip\"");
		g_free(challenge);
		done(&t);
		/* a resource nobody made: 401 too, never 404 */
		expect(401, (request_spec){.method = "DELETE", .path = "/whip/tok/AAAAAAAAAAAAAAAAAAAAAAAA",
		                           .authorization = refused[i]});
		expect(401, (request_spec){.method = "PATCH", .path = "/whip/tok/AAAAAAAAAAAAAAAAAAAAAAAA",
		                           .authorization = refused[i], .content_type = FRAG, .if_match = "*",
		                           .body = "a=end-of-candidates\r\n"});
	}
	/* the second token of the list, with blanks around it */
	char *location, *etag;
	publish("tok", &location, &etag);
	expect(200, (request_spec){.method = "DELETE", .path = location, .authorization = "Bearer   token-two "});
	/* a WHEP endpoint without [whep] tokens needs none (and the start says so) */
	expect(404, (request_spec){.method = "POST", .path = "/whep/nowhere", .content_type = SDP, .body = offer});
	assert_false(was_called("new 1"));
	assert_false(parley_room_whip_open(test_ctx->whip, ROOM_WHIP_INGEST));
	assert_true(parley_room_whip_open(test_ctx->whip, ROOM_WHIP_PLAYBACK));
	g_free(location);
	g_free(etag);
	g_free(offer);
}

static int setup_core_tokens(void **state)
{
	(void)state;
	fake_config_set("auth", "token_auth", "true");
	fake_config_set("whep", "tokens", "player-token");
	fake_config_set("whip", "rate_limit", "0");
	context_new();
	return 0;
}

static void core_tokens(void **state)
{
	(void)state;
	char *offer = offer_that(true);
	assert_false(parley_room_whip_open(test_ctx->whip, ROOM_WHIP_INGEST));
	assert_false(parley_room_whip_open(test_ctx->whip, ROOM_WHIP_PLAYBACK));
	/* no [whip] tokens, but the core's token auth is on: its tokens only */
	expect(401, (request_spec){.method = "POST", .path = "/whip/core", .content_type = SDP, .body = offer});
	expect(401, (request_spec){.method = "POST", .path = "/whip/core", .content_type = SDP, .body = offer,
	                           .authorization = "Bearer player-token"});
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whip/core", .content_type = SDP,
	                                         .body = offer, .authorization = "Bearer core-token"}), 201);
	done(&t);
	/* WHEP: its own list, or the core's */
	char *player = offer_that(false);
	test_call w;
	assert_int_equal(run(&w, (request_spec){.method = "POST", .path = "/whep/core", .content_type = SDP,
	                                         .body = player}), 401);
	char *challenge = header(&w, "WWW-Authenticate", 0);
	assert_string_equal(challenge, "Bearer realm=\"whep\"");
	g_free(challenge);
	done(&w);
	assert_int_equal(run(&w, (request_spec){.method = "POST", .path = "/whep/core", .content_type = SDP,
	                                         .body = player, .authorization = "Bearer player-token"}), 201);
	done(&w);
	assert_int_equal(run(&w, (request_spec){.method = "POST", .path = "/whep/core", .content_type = SDP,
	                                         .body = player, .authorization = "Bearer core-token"}), 201);
	done(&w);
	g_free(player);
	g_free(offer);
}

static int setup_whep_tokens(void **state)
{
	(void)state;
	fake_config_set("whip", "tokens", "token-one");
	fake_config_set("whep", "tokens", "viewer-a, viewer-b");
	fake_config_set("whip", "rate_limit", "0");
	context_new();
	return 0;
}

/* WHEP with its own tokens: the same checks as WHIP, in the same order. */
static void whep_tokens(void **state)
{
	(void)state;
	assert_false(parley_room_whip_open(test_ctx->whip, ROOM_WHIP_INGEST));
	assert_false(parley_room_whip_open(test_ctx->whip, ROOM_WHIP_PLAYBACK));
	char *player = offer_that(false), *location, *etag;
	publish("watched", &location, &etag);
	/* no token, a wrong one, WHIP's, not Bearer: 401 with the challenge, before any lookup */
	static const char *const refused[] = {NULL, "Bearer nope", AUTH, "Basic dmlld2VyLWE=", "Bearer "};
	for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
		test_call t;
		assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whep/watched", .content_type = SDP,
		                                         .authorization = refused[i], .body = player}), 401);
		char *challenge = header(&t, "WWW-Authenticate", 0);
		assert_string_equal(challenge, "Bearer realm=\"whep\"");
		g_free(challenge);
		done(&t);
		/* a room, a peer and a resource that do not exist: 401, never 404 */
		expect(401, (request_spec){.method = "POST", .path = "/whep/nowhere", .content_type = SDP,
		                           .authorization = refused[i], .body = player});
		expect(401, (request_spec){.method = "POST", .path = "/whep/watched/nosuchpeer", .content_type = SDP,
		                           .authorization = refused[i], .body = player});
		expect(401, (request_spec){.method = "POST", .path = "/whep/watched", .authorization = refused[i]});
		expect(401, (request_spec){.method = "DELETE", .path = "/whep/watched/AAAAAAAAAAAAAAAAAAAAAAAA",
		                           .authorization = refused[i]});
		expect(401, (request_spec){.method = "PATCH", .path = "/whep/watched/AAAAAAAAAAAAAAAAAAAAAAAA",
		                           .authorization = refused[i], .content_type = FRAG, .if_match = "*",
		                           .body = "a=end-of-candidates\r\n"});
	}
	assert_false(was_called("new 1"));   /* no player was made */
	/* a WHEP token is no WHIP token */
	char *sender = offer_that(true);
	expect(401, (request_spec){.method = "POST", .path = "/whip/watched", .content_type = SDP,
	                           .authorization = "Bearer viewer-a", .body = sender});
	/* the right one: 201, then the resource with it */
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whep/watched", .content_type = SDP,
	                                         .authorization = "Bearer viewer-b", .body = player}), 201);
	char *whep = header(&t, "Location", 0), *whep_etag = header(&t, "ETag", 0);
	done(&t);
	expect(401, (request_spec){.method = "PATCH", .path = whep, .content_type = FRAG, .if_match = whep_etag,
	                           .body = "a=end-of-candidates\r\n"});
	expect(204, (request_spec){.method = "PATCH", .path = whep, .authorization = "Bearer viewer-a",
	                           .content_type = FRAG, .if_match = whep_etag, .body = "a=end-of-candidates\r\n"});
	expect(401, (request_spec){.method = "DELETE", .path = whep, .authorization = AUTH});
	expect(200, (request_spec){.method = "DELETE", .path = whep, .authorization = "Bearer viewer-a"});
	expect(404, (request_spec){.method = "DELETE", .path = whep, .authorization = "Bearer viewer-a"});
	/* the empty POST (our offer) is checked the same way */
	expect(401, (request_spec){.method = "POST", .path = "/whep/watched"});
	expect(201, (request_spec){.method = "POST", .path = "/whep/watched", .authorization = "Bearer viewer-a"});
	g_free(whep);
	g_free(whep_etag);
	g_free(sender);
	g_free(player);
	g_free(location);
	g_free(etag);
}

static void paths_methods_and_bodies(void **state)
{
	(void)state;
	char *offer = offer_that(true);
	/* paths */
	static const char *const nowhere[] = {"/whip/", "/whip/a/b/c", "/whip/bad$room", "/whip/a//b", "/whipx/a",
	                                      "/whep/", "/whip/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < G_N_ELEMENTS(nowhere); i++)
		expect(404, (request_spec){.method = "POST", .path = nowhere[i], .content_type = SDP, .authorization = AUTH,
		                           .body = offer});
	/* methods */
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "GET", .path = "/whip/room", .authorization = AUTH}), 405);
	char *allow = header(&t, "Allow", 0);
	assert_string_equal(allow, "OPTIONS, POST");
	g_free(allow);
	done(&t);
	assert_int_equal(run(&t, (request_spec){.method = "PUT", .path = "/whip/room/AAAAAAAAAAAAAAAAAAAAAAAA"}), 405);
	allow = header(&t, "Allow", 0);
	assert_string_equal(allow, "OPTIONS, PATCH, DELETE");
	g_free(allow);
	done(&t);
	expect(405, (request_spec){.method = "DELETE", .path = "/whip/room", .authorization = AUTH});
	/* OPTIONS: no token needed */
	assert_int_equal(run(&t, (request_spec){.method = "OPTIONS", .path = "/whip/room"}), 204);
	char *post = header(&t, "Accept-Post", 0), *link = header(&t, "Link", 0);
	assert_string_equal(post, SDP);
	assert_true(g_str_has_prefix(link, "<stun:stun.example.org:3478>"));
	g_free(post);
	g_free(link);
	done(&t);
	/* content types and bodies */
	expect(415, (request_spec){.method = "POST", .path = "/whip/room", .content_type = "text/plain",
	                           .authorization = AUTH, .body = offer});
	expect(415, (request_spec){.method = "POST", .path = "/whip/room", .authorization = AUTH, .body = offer});
	expect(400, (request_spec){.method = "POST", .path = "/whip/room", .content_type = SDP, .authorization = AUTH});
	expect(400, (request_spec){.method = "POST", .path = "/whip/room", .content_type = SDP, .authorization = AUTH,
	                           .body = "v=0\r\n\0x", .body_length = 7});
	expect(400, (request_spec){.method = "POST", .path = "/whip/room", .content_type = SDP, .authorization = AUTH,
	                           .body = "hello"});
	expect(400, (request_spec){.method = "POST", .path = "/whip/room", .content_type = SDP, .authorization = AUTH,
	                           .body = "v=0\r\nm=audio"});
	/* an offer that receives only is no publisher */
	char *player = offer_that(false);
	expect(400, (request_spec){.method = "POST", .path = "/whip/room", .content_type = SDP, .authorization = AUTH,
	                           .body = player});
	/* too big */
	char *big = g_strnfill(70000, 'a');
	memcpy(big, "v=0\r\n", 5);
	expect(413, (request_spec){.method = "POST", .path = "/whip/room", .content_type = SDP, .authorization = AUTH,
	                           .body = big});
	/* an offer the core refuses: 400 from the job, and nothing stays behind */
	char *refused = g_strconcat(offer, "a=x-refuse\r\n", NULL);
	expect(400, (request_spec){.method = "POST", .path = "/whip/room", .content_type = SDP, .authorization = AUTH,
	                           .body = refused});
	assert_true(was_called("end 0"));
	g_mutex_lock(&test_ctx->lock);
	room_room *room = room_of("room");
	assert_true(room == NULL || g_hash_table_size(room->peers) == 0);
	g_mutex_unlock(&test_ctx->lock);
	g_free(refused);
	g_free(big);
	g_free(player);
	g_free(offer);
}

static void trickle_and_restart(void **state)
{
	(void)state;
	char *location, *etag;
	publish("ice", &location, &etag);
	const char *frag = "a=ice-ufrag:fNHe\r\na=ice-pwd:CH+6dHyKjrhOJAxKv3nf8q3X\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n"
	                   "a=candidate:1 1 UDP 2015363327 127.0.0.1 40001 typ host\r\n"
	                   "a=candidate:2 1 TCP 1015021823 127.0.0.1 9 typ host tcptype active\r\na=end-of-candidates\r\n";
	/* If-Match is required; an ETag that is not the session's fails */
	expect(428, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = FRAG,
	                           .body = frag});
	expect(412, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = FRAG,
	                           .if_match = "\"stale\"", .body = frag});
	expect(415, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = SDP,
	                           .if_match = "*", .body = frag});
	expect(400, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = FRAG,
	                           .if_match = etag, .body = "a=candidate:broken\r\n"});
	char *big = g_strnfill(20000, 'a');
	expect(413, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = FRAG,
	                           .if_match = etag, .body = big});
	g_free(big);
	/* trickle with the session's credentials: 204, the candidates and their end to the core */
	char *listed = g_strdup_printf("\"other\", W/%s", etag);
	expect(204, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = FRAG,
	                           .if_match = listed, .body = frag});
	g_free(listed);
	assert_true(was_called("trickle 0 candidate:1 1 UDP 2015363327 127.0.0.1 40001 typ host"));
	assert_true(was_called("trickle 0 candidate:2 1 TCP"));
	assert_true(was_called("trickle 0 END"));
	/* new credentials: an ICE restart (If-Match "*"): 200, our new fragment, a new ETag */
	const char *restart = "a=ice-ufrag:nEwU\r\na=ice-pwd:aNewPasswordOf24CharsXY\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n"
	                      "a=candidate:7 1 udp 2113937151 127.0.0.1 50007 typ host\r\n";
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH,
	                                         .content_type = FRAG, .if_match = "*", .body = restart}), 200);
	assert_string_equal(t.call.response.content_type, FRAG);
	room_sdpfrag *ours = g_new0(room_sdpfrag, 1);
	char reason[200] = "";
	assert_int_equal(parley_room_sdpfrag_parse(t.call.response.body, t.call.response.body_length, ours, reason,
	                                           sizeof(reason)), 0);
	assert_string_equal(ours->ufrag, "srv2");   /* sdp_local's second answer */
	assert_int_equal(ours->n_candidates, 1);
	assert_true(ours->end_of_candidates);
	char *new_etag = header(&t, "ETag", 0);
	assert_string_not_equal(new_etag, etag);
	done(&t);
	g_free(ours);
	/* the client's offer went to the core again with its new credentials and no old candidate */
	g_mutex_lock(&record_lock);
	const char *reapplied = last_remote[0];
	assert_non_null(strstr(reapplied, "a=ice-ufrag:nEwU\r\n"));
	assert_null(strstr(reapplied, "a=ice-ufrag:fNHe"));
	assert_null(strstr(reapplied, "a=candidate:"));
	g_mutex_unlock(&record_lock);
	assert_true(was_called("trickle 0 candidate:7 1 udp"));
	/* the old ETag no longer matches; the new one does */
	expect(412, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = FRAG,
	                           .if_match = etag, .body = "a=end-of-candidates\r\n"});
	expect(204, (request_spec){.method = "PATCH", .path = location, .authorization = AUTH, .content_type = FRAG,
	                           .if_match = new_etag, .body = "a=end-of-candidates\r\n"});
	/* the restart was counted on the publisher */
	g_mutex_lock(&test_ctx->lock);
	assert_int_equal(((room_handle *)handles[0].plugin_handle)->peer->pcs[ROOM_PC_PUBLISHER].restarts, 1);
	g_mutex_unlock(&test_ctx->lock);
	g_free(new_etag);
	g_free(location);
	g_free(etag);
}

static int setup_ice_lite(void **state)
{
	fake_ice_lite = true;
	return setup_default(state);
}

static int teardown_ice_lite(void **state)
{
	fake_ice_lite = false;
	return teardown(state);
}

/* Our fragment of a 200 (an ICE restart) parsed; its text in *text (a copy). */
static room_sdpfrag *ours_of(const test_call *t, char **text)
{
	assert_string_equal(t->call.response.content_type, FRAG);
	room_sdpfrag *ours = g_new0(room_sdpfrag, 1);
	char reason[200] = "";
	assert_int_equal(parley_room_sdpfrag_parse(t->call.response.body, t->call.response.body_length, ours, reason,
	                                           sizeof(reason)), 0);
	*text = g_strndup(t->call.response.body, t->call.response.body_length);
	return ours;
}

/* Every candidate of ours is in the fragment an ICE restart answers, as
 * sent: the ICE-lite transport's (a=ice-lite, host UDP and TCP, srflx) for a
 * WHIP publisher, a WHEP player that offered and one we offered to. */
static void restart_fragments_carry_our_candidates(void **state)
{
	(void)state;
	char *location, *etag;
	publish("lite", &location, &etag);
	const char *restart = "a=ice-ufrag:nEwU\r\na=ice-pwd:aNewPasswordOf24CharsXY\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n";
	char *player = offer_that(false);
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whep/lite", .content_type = SDP,
	                                         .body = player}), 201);
	const char *answer = t.call.response.body;
	assert_non_null(strstr(answer, "\r\na=ice-lite\r\n"));
	assert_true(strstr(answer, "\r\na=ice-lite\r\n") < strstr(answer, "\r\nm="));   /* at the session level */
	assert_non_null(strstr(answer, "typ srflx raddr 127.0.0.1"));
	assert_non_null(strstr(answer, "tcptype passive"));
	assert_non_null(strstr(answer, "a=end-of-candidates"));
	char *whep = header(&t, "Location", 0);
	done(&t);
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whep/lite"}), 201);
	char *offered = header(&t, "Location", 0);
	assert_non_null(strstr(t.call.response.body, "a=ice-lite"));
	assert_non_null(strstr(t.call.response.body, "typ srflx"));
	/* the player answers our offer (the helpers answer for a browser) */
	char error[200] = "";
	json_t *options = json_pack("{s:{s:s}, s:{s:s}}", "audio", "direction", "recvonly", "video", "direction",
	                            "recvonly");
	char *helper_answer = parley_pc_helper_sdp_answer(t.call.response.body, options, error, sizeof(error));
	json_decref(options);
	done(&t);
	assert_non_null(helper_answer);
	char *as_answer = g_strconcat(helper_answer, "a=ice-ufrag:plyr\r\na=ice-pwd:playerpassword0123456789\r\n", NULL);
	expect(204, (request_spec){.method = "PATCH", .path = offered, .content_type = SDP, .body = as_answer});
	const char *const paths[] = {location, whep, offered};
	for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
		assert_int_equal(run(&t, (request_spec){.method = "PATCH", .path = paths[i], .authorization = AUTH,
		                                         .content_type = FRAG, .if_match = "*", .body = restart}), 200);
		char *text;
		room_sdpfrag *ours = ours_of(&t, &text);
		assert_true(ours->ice_lite);
		assert_true(g_str_has_prefix(text, "a=ice-lite\r\na=ice-ufrag:srv"));
		assert_true(g_str_has_prefix(ours->pwd, "serverpassword"));
		assert_true(g_str_has_prefix(ours->media_line, "m=audio 9 UDP/TLS/RTP/SAVPF "));
		assert_string_equal(ours->first_mid, "0");
		assert_int_equal(ours->n_candidates, 3);
		assert_true(g_str_has_prefix(ours->candidates[0].line, "candidate:1 1 udp 2130706431 127.0.0.1 "));
		assert_non_null(strstr(ours->candidates[1].line, " typ host tcptype passive"));
		assert_non_null(strstr(ours->candidates[2].line, "192.0.2.7"));
		assert_non_null(strstr(ours->candidates[2].line, " typ srflx raddr 127.0.0.1 rport "));
		assert_true(ours->end_of_candidates);
		assert_true(g_str_has_suffix(text, "a=end-of-candidates\r\n"));
		g_free(text);
		g_free(ours);
		done(&t);
	}
	g_free(as_answer);
	g_free(helper_answer);
	g_free(offered);
	g_free(whep);
	g_free(player);
	g_free(location);
	g_free(etag);
}

static int setup_limits(void **state)
{
	(void)state;
	fake_config_set("whip", "tokens", "token-one");
	fake_config_set("whip", "rate_limit", "3");
	fake_config_set("whip", "max_sessions", "2");
	fake_config_set("general", "max_participants", "1");
	fake_config_set("general", "implicit_rooms", "false");
	context_new();
	return 0;
}

static void limits(void **state)
{
	(void)state;
	char *offer = offer_that(true);
	/* rooms must exist (implicit_rooms off) */
	expect(404, (request_spec){.method = "POST", .path = "/whip/absent", .content_type = SDP, .authorization = AUTH,
	                           .body = offer, .remote_ip = "10.0.0.9"});
	g_mutex_lock(&test_ctx->lock);
	parley_plugin_error error = {0};
	assert_non_null(parley_room_create_locked(test_ctx, "one", NULL, 0, ROOM_ORIGIN_API, &error));
	assert_non_null(parley_room_create_locked(test_ctx, "two", NULL, 0, ROOM_ORIGIN_API, &error));
	assert_non_null(parley_room_create_locked(test_ctx, "three", NULL, 0, ROOM_ORIGIN_API, &error));
	g_mutex_unlock(&test_ctx->lock);
	char *location, *etag;
	publish("one", &location, &etag);
	/* a room of one is full now (each address has its own budget: 127.0.0.1 made two) */
	expect(503, (request_spec){.method = "POST", .path = "/whip/one", .content_type = SDP, .authorization = AUTH,
	                           .body = offer, .remote_ip = "10.0.0.1"});
	/* [whip] max_sessions: two resources at most */
	char *l2, *e2;
	publish("two", &l2, &e2);
	expect(503, (request_spec){.method = "POST", .path = "/whip/three", .content_type = SDP, .authorization = AUTH,
	                           .body = offer, .remote_ip = "10.0.0.2"});
	/* the per-address budget: 3 POSTs a minute from 10.0.0.9 (the 404 counted) */
	for (int i = 0; i < 2; i++)
		expect(503, (request_spec){.method = "POST", .path = "/whip/three", .content_type = SDP,
		                           .authorization = AUTH, .body = offer, .remote_ip = "10.0.0.9"});
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whip/three", .content_type = SDP,
	                                         .authorization = AUTH, .body = offer, .remote_ip = "10.0.0.9"}), 429);
	char *retry = header(&t, "Retry-After", 0);
	assert_string_equal(retry, "60");
	g_free(retry);
	done(&t);
	/* the next minute: allowed again */
	fake_now_ms += 60000;
	expect(200, (request_spec){.method = "DELETE", .path = l2, .authorization = AUTH});
	test_call again;
	assert_int_equal(run(&again, (request_spec){.method = "POST", .path = "/whip/three", .content_type = SDP,
	                                             .authorization = AUTH, .body = offer, .remote_ip = "10.0.0.9"}), 201);
	done(&again);
	g_free(location);
	g_free(etag);
	g_free(l2);
	g_free(e2);
	g_free(offer);
}

/* The viewer of room `id` (one is expected). */
static room_peer *only_viewer(const char *id)
{
	room_room *room = room_of(id);
	assert_non_null(room);
	assert_int_equal(g_hash_table_size(room->viewers), 1);
	GHashTableIter it;
	gpointer value = NULL;
	g_hash_table_iter_init(&it, room->viewers);
	g_hash_table_iter_next(&it, NULL, &value);
	return value;
}

static void whep_players(void **state)
{
	(void)state;
	char *player = offer_that(false), *sender = offer_that(true);
	expect(404, (request_spec){.method = "POST", .path = "/whep/show", .content_type = SDP, .body = player});
	char *location, *etag;
	publish("show", &location, &etag);
	/* checks of the player's side */
	expect(400, (request_spec){.method = "POST", .path = "/whep/show", .query = "layer=7", .content_type = SDP,
	                           .body = player});
	expect(400, (request_spec){.method = "POST", .path = "/whep/show", .content_type = SDP, .body = sender});
	expect(415, (request_spec){.method = "POST", .path = "/whep/show", .content_type = "text/sdp", .body = player});
	expect(404, (request_spec){.method = "POST", .path = "/whep/show/nosuchpeer", .content_type = SDP, .body = player});
	/* a player of the room, at layer 1 */
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = "/whep/show", .query = "x=1&layer=1",
	                                         .content_type = SDP, .body = player}), 201);
	assert_non_null(strstr(t.call.response.body, "a=sendonly"));
	char *whep = header(&t, "Location", 0), *whep_etag = header(&t, "ETag", 0);
	assert_true(g_str_has_prefix(whep, "/whep/show/"));
	done(&t);
	g_mutex_lock(&test_ctx->lock);
	room_room *room = room_of("show");
	assert_int_equal(g_hash_table_size(room->peers), 1);   /* nobody sees the player */
	room_peer *viewer = only_viewer("show");
	assert_int_equal(viewer->consumers->len, 2);           /* audio and video of the publisher */
	room_handle *sub = viewer->subscriber;
	assert_true(sub->whep);
	for (guint i = 0; i < sub->slots->len; i++) {
		room_slot *slot = &g_array_index(sub->slots, room_slot, i);
		assert_true(slot->fixed);
		assert_true(slot->usable);
		assert_non_null(slot->consumer);
		assert_int_equal(slot->consumer->out_ssrc, slot->ssrc);
		if (slot->kind == ROOM_KIND_VIDEO) {
			assert_true(slot->consumer->layer_pinned);
			assert_int_equal(slot->consumer->preferred_layer, 1);
		}
	}
	g_mutex_unlock(&test_ctx->lock);
	/* a PATCH with our SDP is for sessions we offered */
	expect(409, (request_spec){.method = "PATCH", .path = whep, .content_type = SDP, .if_match = "*",
	                           .body = player});
	/* the publisher leaves: the player keeps its m-lines, empty */
	expect(200, (request_spec){.method = "DELETE", .path = location, .authorization = AUTH});
	g_mutex_lock(&test_ctx->lock);
	viewer = only_viewer("show");
	assert_int_equal(viewer->consumers->len, 0);
	g_mutex_unlock(&test_ctx->lock);
	/* another comes: the player plays it */
	char *l2, *e2;
	publish("show", &l2, &e2);
	g_mutex_lock(&test_ctx->lock);
	viewer = only_viewer("show");
	assert_int_equal(viewer->consumers->len, 2);
	g_mutex_unlock(&test_ctx->lock);
	/* the player's pc ends (consent): its resource ends */
	parley_room_whip_session_ended(test_ctx, &handles[1], "disconnected");
	for (int i = 0; i < 200; i++) {
		g_mutex_lock(&test_ctx->lock);
		guint left = g_hash_table_size(room_of("show")->viewers);
		g_mutex_unlock(&test_ctx->lock);
		if (left == 0)
			break;
		g_usleep(10000);
	}
	g_mutex_lock(&test_ctx->lock);
	assert_int_equal(g_hash_table_size(room_of("show")->viewers), 0);
	g_mutex_unlock(&test_ctx->lock);
	expect(404, (request_spec){.method = "DELETE", .path = whep});
	g_free(whep);
	g_free(whep_etag);
	g_free(location);
	g_free(etag);
	g_free(l2);
	g_free(e2);
	g_free(player);
	g_free(sender);
}

static void whep_server_offer(void **state)
{
	(void)state;
	char *location, *etag;
	publish("offered", &location, &etag);
	char *publisher_id = g_strdup(((room_handle *)handles[0].plugin_handle)->peer->id);
	char *path = g_strdup_printf("/whep/offered/%s", publisher_id);
	/* an empty POST: our offer, and the m-lines wait for the answer */
	test_call t;
	assert_int_equal(run(&t, (request_spec){.method = "POST", .path = path}), 201);
	assert_string_equal(t.call.response.content_type, SDP);
	char *offer = g_strndup(t.call.response.body, t.call.response.body_length);
	assert_non_null(strstr(offer, "a=sendonly"));
	assert_true(was_called("local 1 offer"));
	char *whep = header(&t, "Location", 0), *patch = header(&t, "Accept-Patch", 0);
	assert_string_equal(patch, FRAG ", " SDP);
	done(&t);
	g_mutex_lock(&test_ctx->lock);
	room_peer *viewer = only_viewer("offered");
	assert_string_equal(viewer->follow, publisher_id);
	assert_int_equal(viewer->consumers->len, 0);
	g_mutex_unlock(&test_ctx->lock);
	/* the player answers (a browser's answer: the helpers answer for it) */
	char error[200] = "";
	json_t *options = json_pack("{s:{s:s}, s:{s:s}}", "audio", "direction", "recvonly", "video", "direction",
	                            "recvonly");
	char *answer = parley_pc_helper_sdp_answer(offer, options, error, sizeof(error));
	json_decref(options);
	assert_non_null(answer);
	char *answer_sdp = g_strconcat(answer, "a=ice-ufrag:plyr\r\na=ice-pwd:playerpassword0123456789\r\n", NULL);
	expect(428, (request_spec){.method = "PATCH", .path = whep, .content_type = FRAG,
	                           .body = "a=ice-ufrag:plyr\r\na=ice-pwd:playerpassword0123456789\r\n"});
	expect(204, (request_spec){.method = "PATCH", .path = whep, .content_type = SDP, .body = answer_sdp});
	assert_true(was_called("remote 1 answer"));
	g_mutex_lock(&test_ctx->lock);
	viewer = only_viewer("offered");
	assert_int_equal(viewer->consumers->len, 2);
	g_mutex_unlock(&test_ctx->lock);
	expect(409, (request_spec){.method = "PATCH", .path = whep, .content_type = SDP, .body = answer_sdp});
	/* trickle; then an ICE restart of a session we offered: a new offer of
	 * ours (restart), the player's answer again with its new credentials */
	expect(204, (request_spec){.method = "PATCH", .path = whep, .content_type = FRAG, .if_match = "*",
	                           .body = "a=ice-ufrag:plyr\r\na=ice-pwd:playerpassword0123456789\r\n"
	                                   "a=end-of-candidates\r\n"});
	test_call r;
	assert_int_equal(run(&r, (request_spec){.method = "PATCH", .path = whep, .content_type = FRAG, .if_match = "*",
	                                        .body = "a=ice-ufrag:anew\r\na=ice-pwd:anotherpassword012345678\r\n"}),
	                 200);
	assert_string_equal(r.call.response.content_type, FRAG);
	assert_non_null(strstr(r.call.response.body, "a=ice-ufrag:srv"));
	assert_null(strstr(r.call.response.body, "a=ice-ufrag:srv1\r"));   /* new credentials, not the first ones */
	char *new_etag = header(&r, "ETag", 0);
	assert_non_null(new_etag);
	g_free(new_etag);
	done(&r);
	assert_true(was_called("local 1 offer restart"));
	g_mutex_lock(&record_lock);
	assert_non_null(strstr(last_remote[1], "a=ice-ufrag:anew\r\n"));
	assert_null(strstr(last_remote[1], "a=ice-ufrag:plyr"));
	g_mutex_unlock(&record_lock);
	/* the followed peer leaves: the player empties; a player for it now: 404 */
	expect(200, (request_spec){.method = "DELETE", .path = location, .authorization = AUTH});
	g_mutex_lock(&test_ctx->lock);
	assert_int_equal(only_viewer("offered")->consumers->len, 0);
	g_mutex_unlock(&test_ctx->lock);
	expect(404, (request_spec){.method = "POST", .path = path});
	expect(200, (request_spec){.method = "DELETE", .path = whep});
	g_free(answer);
	g_free(answer_sdp);
	g_free(offer);
	g_free(whep);
	g_free(patch);
	g_free(path);
	g_free(publisher_id);
	g_free(location);
	g_free(etag);
}

static int setup_off(void **state)
{
	(void)state;
	fake_config_set("whip", "enabled", "false");
	context_new();
	return 0;
}

static void switched_off(void **state)
{
	(void)state;
	char *offer = offer_that(true);
	expect(404, (request_spec){.method = "POST", .path = "/whip/room", .content_type = SDP, .body = offer});
	expect(404, (request_spec){.method = "OPTIONS", .path = "/whep/room"});
	g_free(offer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(whip_created, setup_default, teardown),
		cmocka_unit_test_setup_teardown(tokens, setup_default, teardown),
		cmocka_unit_test_setup_teardown(core_tokens, setup_core_tokens, teardown),
		cmocka_unit_test_setup_teardown(whep_tokens, setup_whep_tokens, teardown),
		cmocka_unit_test_setup_teardown(paths_methods_and_bodies, setup_default, teardown),
		cmocka_unit_test_setup_teardown(trickle_and_restart, setup_default, teardown),
		cmocka_unit_test_setup_teardown(restart_fragments_carry_our_candidates, setup_ice_lite, teardown_ice_lite),
		cmocka_unit_test_setup_teardown(limits, setup_limits, teardown),
		cmocka_unit_test_setup_teardown(whep_players, setup_default, teardown),
		cmocka_unit_test_setup_teardown(whep_server_offer, setup_default, teardown),
		cmocka_unit_test_setup_teardown(switched_off, setup_off, teardown),
	};
	return cmocka_run_group_tests_name("room_whip", tests, NULL, NULL);
}
