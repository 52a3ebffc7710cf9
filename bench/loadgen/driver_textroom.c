/*
 * driver_textroom.c — TextRoom fan-out over data channels
 * (janus.plugin.textroom: Janus's own, or Parley's parley.plugin.chat under
 * that alias). --participants peers each open a session and a handle; the
 * first asks whether --room exists over the Janus API and creates it when
 * not; every peer sends {"request":"setup"}, answers the plugin's
 * m=application offer (then {"request":"ack"} with the answer), brings up
 * ICE, DTLS and SCTP, opens the "JanusDataChannel" channel and joins the
 * room with a username of its own. Then the phases, each after --warmup
 * unmeasured messages and bounded by --messages and --duration:
 *   one  participant 1 sends, --window messages in flight;
 *   all  every participant sends, one message in flight each.
 * A message is no longer in flight when its sender receives it back. The
 * text carries the phase, a sequence number and the send time (one
 * process, one clock): delivery latency is send → each participant's
 * receipt of the "message" event. After the sending ends a phase waits (at
 * most DRAIN_TIMEOUT_MS) for the deliveries still owed; what is still owed
 * then is reported missing. The gateway's CPU (utime+stime of
 * /proc/<--gateway-pid>/stat) over the phase gives CPU per delivery; the
 * time its threads and ours waited for a CPU (schedstat) says how much
 * of a phase was spent queueing behind other work on the machine.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "janus_api.h"
#include "loadgen.h"
#include "session.h"
#include "textroom_stats.h"

#define LABEL "JanusDataChannel"
#define JOIN_TRANSACTION "join"
#define WARMUP_TIMEOUT_MS 15000
#define DRAIN_TIMEOUT_MS 10000

typedef struct tr_member {
	loadgen_peer *peer;
	unsigned index;
	char username[48];
	bool joined;
} tr_member;

typedef struct tr_state {
	tr_member *members;
	unsigned n;
	loadgen_tr_phase_kind kinds[LOADGEN_TR_MAX_PHASES];
	unsigned n_kinds, next_kind;
	/* the phase under way */
	unsigned phase_id;             /* in the text: 1, 2 ... (warm-ups too) */
	loadgen_tr_phase_kind kind;
	bool measuring, sending;
	loadgen_tr_phase *acct;
	int64_t t0_us, gw_cpu0_us, own_cpu0_us;
	int64_t gw_wait0_us, own_wait0_us;   /* run-queue waits at the start */
	guint timer;
	uint64_t stale;                /* our messages of an earlier phase */
	json_t *results;               /* array of phase summaries */
} tr_state;

static tr_state *state_of(loadgen_run *run) { return run->driver_data; }

static tr_member *member_of(loadgen_run *run, loadgen_peer *peer)
{
	unsigned i = loadgen_peer_publisher_id(peer) - 1;
	return i < state_of(run)->n ? &state_of(run)->members[i] : NULL;
}

#define FAIL_IF(cond, ...) do { if (cond) { loadgen_run_fail(run, __VA_ARGS__); return; } } while (0)

/* ---- CPU ---- */

static int64_t own_cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC + ru.ru_utime.tv_usec +
		ru.ru_stime.tv_usec;
}

/* utime + stime of the gateway (every thread) in µs, or -1. */
static int64_t gateway_cpu_us(loadgen_run *run)
{
	if (run->options->gateway_pid <= 0)
		return -1;
	char path[64], buf[1024];
	g_snprintf(path, sizeof(path), "/proc/%d/stat", run->options->gateway_pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	unsigned long long utime = 0, stime = 0;
	/* after ") ": state(3) ... utime is field 14, stime 15 */
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return (int64_t)((utime + stime) * G_USEC_PER_SEC / (unsigned long long)(hz > 0 ? hz : 100));
}

/* Time the process's threads spent runnable but waiting for a CPU, in µs
 * (the second field of /proc/<pid>/task/<tid>/schedstat, summed over the
 * threads alive now), or -1 when it cannot be read. On a machine shared
 * with other work this says whether a phase measured the process or the
 * queue in front of the CPUs. */
static int64_t run_queue_wait_us(int pid)
{
	char path[64];
	g_snprintf(path, sizeof(path), "/proc/%d/task", pid);
	GDir *dir = g_dir_open(path, 0, NULL);
	if (dir == NULL)
		return -1;
	int64_t total_ns = 0;
	bool any = false;
	for (const char *tid; (tid = g_dir_read_name(dir)) != NULL;) {
		char file[96];
		unsigned long long on_cpu = 0, waiting = 0;
		g_snprintf(file, sizeof(file), "/proc/%d/task/%s/schedstat", pid, tid);
		FILE *f = fopen(file, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%llu %llu", &on_cpu, &waiting) == 2) {
			total_ns += (int64_t)waiting;
			any = true;
		}
		fclose(f);
	}
	g_dir_close(dir);
	return any ? total_ns / 1000 : -1;
}

/* ---- sending ---- */

static void send_one(loadgen_run *run, tr_member *m)
{
	tr_state *st = state_of(run);
	int64_t seq = loadgen_tr_phase_next(st->acct);
	if (seq < 0)
		return;
	char text[LOADGEN_TR_TEXT_SIZE], msg[256], reason[256] = "";
	loadgen_tr_format_text(text, sizeof(text), st->phase_id, (uint32_t)seq, g_get_monotonic_time());
	int len = g_snprintf(msg, sizeof(msg),
		"{\"textroom\":\"message\",\"transaction\":\"m%" G_GINT64_FORMAT "\",\"room\":%d,\"text\":\"%s\",\"ack\":false}",
		seq, run->options->room, text);
	if (loadgen_peer_send_text(m->peer, LABEL, msg, (size_t)len, reason, sizeof(reason)) < 0)
		loadgen_run_fail(run, "participant %u: message not sent: %s", m->index + 1, reason);
}

static bool may_send(tr_state *st)
{
	return st->sending && st->acct->sent < st->acct->capacity;
}

/* ---- phases ---- */

static const char *phase_name(loadgen_tr_phase_kind kind)
{
	return kind == LOADGEN_TR_PHASE_ONE ? "one" : "all";
}

static double ms(int64_t us) { return us < 0 ? -1 : us / 1000.0; }

/* Participant 1 fills the window ("one", and every warm-up with a window
 * of 1); in "all" everyone sends its first message. */
static void start_senders(loadgen_run *run)
{
	tr_state *st = state_of(run);
	if (!st->measuring || st->kind == LOADGEN_TR_PHASE_ONE) {
		unsigned w = st->measuring ? (unsigned)run->options->window : 1;
		for (unsigned i = 0; i < w && may_send(st); i++)
			send_one(run, &st->members[0]);
	} else {
		for (unsigned i = 0; i < st->n && may_send(st); i++)
			send_one(run, &st->members[i]);
	}
}

static void stop_timer(tr_state *st)
{
	if (st->timer)
		g_source_remove(st->timer);
	st->timer = 0;
}

static gboolean drain_expired(gpointer data);
static gboolean warmup_expired(gpointer data);
static void begin_next(loadgen_run *run);

/* A CPU time as JSON: seconds, or null when it could not be read. */
static json_t *cpu_json(int64_t t0_us, int64_t t1_us, double scale)
{
	return t0_us >= 0 && t1_us >= t0_us ? json_real((double)(t1_us - t0_us) * scale) : json_null();
}

/* The measured phase is over: its summary, then the next phase (or the
 * run fails when a delivery is missing or came twice). */
static void finish_measured(loadgen_run *run)
{
	tr_state *st = state_of(run);
	stop_timer(st);
	st->sending = false;
	loadgen_tr_phase *a = st->acct;
	st->acct = NULL;
	int64_t end_us = a->last_receipt_us > st->t0_us ? a->last_receipt_us : g_get_monotonic_time();
	int64_t gw1 = st->gw_cpu0_us >= 0 ? gateway_cpu_us(run) : -1, own1 = own_cpu_us();
	int64_t gw_wait1 = st->gw_wait0_us >= 0 ? run_queue_wait_us(run->options->gateway_pid) : -1;
	int64_t own_wait1 = st->own_wait0_us >= 0 ? run_queue_wait_us((int)getpid()) : -1;
	double seconds = (end_us - st->t0_us) / 1e6, per_delivery = a->delivered ? 1.0 / (double)a->delivered : 0;
	uint64_t missing = loadgen_tr_phase_missing(a), duplicates = a->duplicates;
	json_t *r = json_pack("{s:s, s:i, s:i, s:i, s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I}",
		"phase", phase_name(st->kind), "senders", st->kind == LOADGEN_TR_PHASE_ONE ? 1 : (int)st->n,
		"window", st->kind == LOADGEN_TR_PHASE_ONE ? run->options->window : 1, "participants", (int)st->n,
		"messages", (json_int_t)a->sent, "seconds", seconds,
		"messages_per_s", seconds > 0 ? a->sent / seconds : 0.0,
		"deliveries_per_s", seconds > 0 ? a->delivered / seconds : 0.0,
		"latency_p50_ms", ms(loadgen_stats_histogram_percentile(a->latency, 0.50)),
		"latency_p99_ms", ms(loadgen_stats_histogram_percentile(a->latency, 0.99)),
		"deliveries", (json_int_t)a->delivered, "missing", (json_int_t)missing,
		"duplicates", (json_int_t)duplicates);
	json_object_set_new(r, "server_cpu_s", cpu_json(st->gw_cpu0_us, gw1, 1e-6));
	json_object_set_new(r, "server_cpu_pct", cpu_json(st->gw_cpu0_us, gw1, seconds > 0 ? 1e-4 / seconds : 0));
	json_object_set_new(r, "server_cpu_us_per_delivery",
	                    a->delivered ? cpu_json(st->gw_cpu0_us, gw1, per_delivery) : json_null());
	json_object_set_new(r, "server_wait_pct", cpu_json(st->gw_wait0_us, gw_wait1, seconds > 0 ? 1e-4 / seconds : 0));
	json_object_set_new(r, "loadgen_cpu_pct", cpu_json(st->own_cpu0_us, own1, seconds > 0 ? 1e-4 / seconds : 0));
	json_object_set_new(r, "loadgen_wait_pct", cpu_json(st->own_wait0_us, own_wait1, seconds > 0 ? 1e-4 / seconds : 0));
	json_object_set_new(r, "loadgen_cpu_us_per_delivery",
	                    a->delivered ? cpu_json(st->own_cpu0_us, own1, per_delivery) : json_null());
	json_array_append_new(st->results, r);
	loadgen_log(run, 1, "phase %s: %u messages, %" G_GUINT64_FORMAT " deliveries in %.2f s, %" G_GUINT64_FORMAT
	            " missing", phase_name(st->kind), a->sent, a->delivered, seconds, missing);
	loadgen_tr_phase_free(a);
	if (missing != 0 || duplicates != 0) {
		loadgen_run_fail(run, "phase %s: %" G_GUINT64_FORMAT " deliveries missing, %" G_GUINT64_FORMAT
		                 " duplicated", phase_name(st->kind), missing, duplicates);
		return;
	}
	begin_next(run);
}

static gboolean phase_deadline(gpointer data)
{
	loadgen_run *run = data;
	tr_state *st = state_of(run);
	st->timer = 0;
	if (run->stopping)
		return G_SOURCE_REMOVE;
	st->sending = false;   /* what is owed may still come, for DRAIN_TIMEOUT_MS */
	if (loadgen_tr_phase_missing(st->acct) == 0)
		finish_measured(run);
	else
		st->timer = g_timeout_add(DRAIN_TIMEOUT_MS, drain_expired, run);
	return G_SOURCE_REMOVE;
}

/* The warm-up is over: the measured phase, bounded by --messages and
 * --duration. */
static void start_measured(loadgen_run *run)
{
	tr_state *st = state_of(run);
	stop_timer(st);
	loadgen_tr_phase_free(st->acct);
	st->measuring = true;
	st->phase_id++;
	st->acct = loadgen_tr_phase_new(st->n, (uint32_t)run->options->messages);
	st->sending = true;
	st->t0_us = g_get_monotonic_time();
	st->gw_cpu0_us = gateway_cpu_us(run);
	st->own_cpu0_us = own_cpu_us();
	st->gw_wait0_us = run->options->gateway_pid > 0 ? run_queue_wait_us(run->options->gateway_pid) : -1;
	st->own_wait0_us = run_queue_wait_us((int)getpid());
	st->timer = g_timeout_add_seconds((guint)run->options->duration_s, phase_deadline, run);
	start_senders(run);
}

/* A phase (warm-up or measured) is complete when nothing more will be
 * sent and nothing is owed. */
static void check_done(loadgen_run *run)
{
	tr_state *st = state_of(run);
	if (st->acct == NULL || may_send(st) || loadgen_tr_phase_missing(st->acct) != 0)
		return;
	if (st->measuring)
		finish_measured(run);
	else
		start_measured(run);
}

static gboolean drain_expired(gpointer data)
{
	loadgen_run *run = data;
	state_of(run)->timer = 0;
	if (!run->stopping)
		finish_measured(run);   /* reports what is still missing */
	return G_SOURCE_REMOVE;
}

static gboolean warmup_expired(gpointer data)
{
	loadgen_run *run = data;
	tr_state *st = state_of(run);
	st->timer = 0;
	if (!run->stopping)
		loadgen_run_fail(run, "warm-up: %" G_GUINT64_FORMAT " of %u deliveries missing after %d ms",
		                 loadgen_tr_phase_missing(st->acct), st->acct->sent * st->n, WARMUP_TIMEOUT_MS);
	return G_SOURCE_REMOVE;
}

/* The next phase's warm-up (--warmup messages from participant 1, one in
 * flight, not measured), or the end of the run. */
static void begin_next(loadgen_run *run)
{
	tr_state *st = state_of(run);
	if (st->next_kind == st->n_kinds || run->stopping) {
		loadgen_run_finish(run);
		return;
	}
	st->kind = st->kinds[st->next_kind++];
	st->phase_id++;
	st->measuring = false;
	if (run->options->warmup == 0) {
		start_measured(run);
		return;
	}
	st->acct = loadgen_tr_phase_new(st->n, (uint32_t)run->options->warmup);
	st->sending = true;
	st->timer = g_timeout_add(WARMUP_TIMEOUT_MS, warmup_expired, run);
	start_senders(run);
}

static void all_ready(loadgen_run *run)
{
	begin_next(run);
}

/* ---- what the data channel brings ---- */

static void on_message(loadgen_run *run, tr_member *m, const loadgen_tr_event *ev)
{
	tr_state *st = state_of(run);
	if (!ev->ours)
		return;
	if (st->acct == NULL || ev->phase != st->phase_id) {
		st->stale++;
		return;
	}
	loadgen_tr_phase_receipt(st->acct, m->index, ev->seq, ev->send_us, g_get_monotonic_time());
	/* our own message came back: our next one may go */
	if (ev->from != NULL && strcmp(ev->from, m->username) == 0 && may_send(st))
		send_one(run, m);
	check_done(run);
}

static void data_text(void *user_data, loadgen_peer *peer, const char *text, size_t length)
{
	loadgen_run *run = user_data;
	tr_member *m = member_of(run, peer);
	char reason[200] = "";
	loadgen_tr_event ev;
	if (m == NULL || run->stopping)
		return;
	if (loadgen_tr_parse_event(text, length, &ev, reason, sizeof(reason)) < 0) {
		loadgen_run_fail(run, "participant %u: unreadable data channel message (%s): %.*s", m->index + 1, reason,
		                 (int)MIN(length, 200), text);
		return;
	}
	switch (ev.kind) {
	case LOADGEN_TR_ERROR:
		loadgen_run_fail(run, "participant %u: TextRoom error %d: %s (transaction %s)", m->index + 1, ev.error_code,
		                 ev.error, ev.transaction ? ev.transaction : "none");
		break;
	case LOADGEN_TR_ANSWER:
		if (!m->joined && strcmp(ev.transaction, JOIN_TRANSACTION) == 0) {
			m->joined = true;
			loadgen_run_peer_ready(run, peer);
		}
		break;
	case LOADGEN_TR_MESSAGE:
		on_message(run, m, &ev);
		break;
	case LOADGEN_TR_OTHER:
		break;
	}
	loadgen_tr_event_clear(&ev);
}

static void data_writable(void *user_data, loadgen_peer *peer)
{
	loadgen_run *run = user_data;
	tr_member *m = member_of(run, peer);
	char msg[256], reason[256] = "";
	int len = g_snprintf(msg, sizeof(msg),
		"{\"textroom\":\"join\",\"transaction\":\"" JOIN_TRANSACTION "\",\"room\":%d,\"username\":\"%s\","
		"\"display\":\"%s\"}", run->options->room, m->username, m->username);
	loadgen_peer_stats(peer)->join_us = g_get_monotonic_time();
	if (loadgen_peer_send_text(peer, LABEL, msg, (size_t)len, reason, sizeof(reason)) < 0)
		loadgen_run_fail(run, "participant %u: join not sent: %s", m->index + 1, reason);
}

/* ---- signaling ---- */

static void peer_failed(void *user_data, loadgen_peer *peer, const char *reason)
{
	loadgen_run_fail(user_data, "participant %u: %s", loadgen_peer_publisher_id(peer), reason);
}

static void peer_connected(void *user_data, loadgen_peer *peer)
{
	loadgen_log(user_data, 2, "participant %u: DTLS up, SCTP starting", loadgen_peer_publisher_id(peer));
}

static void acked(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "participant %u: ack refused: %s", loadgen_peer_publisher_id(peer), error);
}

static void local_answer(void *user_data, loadgen_peer *peer, const char *type, const char *sdp)
{
	loadgen_run *run = user_data;
	json_t *body = json_pack("{s:s}", "request", "ack");
	loadgen_janus_message(run, peer, body, type, sdp, acked);
	json_decref(body);
}

static void set_up(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "participant %u: setup refused: %s", loadgen_peer_publisher_id(peer), error);
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	const char *type = json_string_value(json_object_get(jsep, "type"));
	FAIL_IF(sdp == NULL || type == NULL || strcmp(type, "offer") != 0,
	        "participant %u: setup was answered without an offer", loadgen_peer_publisher_id(peer));
	GError *err = NULL;
	if (loadgen_peer_set_remote(peer, type, sdp, &err) < 0) {
		loadgen_run_fail(run, "participant %u: %s", loadgen_peer_publisher_id(peer), err->message);
		g_error_free(err);
	}
}

static void send_setup(loadgen_run *run, loadgen_peer *peer)
{
	json_t *body = json_pack("{s:s}", "request", "setup");
	loadgen_janus_message(run, peer, body, NULL, NULL, set_up);
	json_decref(body);
}

static void opened(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "participant %u: %s", loadgen_peer_publisher_id(peer), error);
	send_setup(run, peer);
}

/* The room is there: participant 1 sets up, the others open. */
static void room_ready(loadgen_run *run, loadgen_peer *first)
{
	tr_state *st = state_of(run);
	send_setup(run, first);
	for (unsigned i = 1; i < st->n; i++)
		loadgen_janus_open(run, st->members[i].peer, opened, NULL);
}

static void created(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "room %d could not be created: %s", run->options->room, error);
	loadgen_log(run, 1, "room %d created", run->options->room);
	room_ready(run, peer);
}

static void exists_answered(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "exists (room %d) refused: %s", run->options->room, error);
	json_t *exists = json_object_get(data, "exists");
	FAIL_IF(!json_is_boolean(exists), "exists (room %d) answered without \"exists\"", run->options->room);
	if (json_is_true(exists)) {
		room_ready(run, peer);
		return;
	}
	json_t *body = json_pack("{s:s, s:i, s:s}", "request", "create", "room", run->options->room, "description",
	                         "parley-loadgen");
	loadgen_janus_message(run, peer, body, NULL, NULL, created);
	json_decref(body);
}

static void first_opened(loadgen_run *run, loadgen_peer *peer, json_t *data, json_t *jsep, const char *error)
{
	FAIL_IF(error, "participant 1: %s", error);
	json_t *body = json_pack("{s:s, s:i}", "request", "exists", "room", run->options->room);
	loadgen_janus_message(run, peer, body, NULL, NULL, exists_answered);
	json_decref(body);
}

static bool tr_check(const loadgen_options *options, char *err, size_t size)
{
	loadgen_tr_phase_kind kinds[LOADGEN_TR_MAX_PHASES];
	return loadgen_tr_parse_phases(options->phases, kinds, LOADGEN_TR_MAX_PHASES, err, size) > 0;
}

static int tr_start(loadgen_run *run, GError **error)
{
	static const loadgen_peer_callbacks callbacks = {
		.local_description = local_answer, .connected = peer_connected, .failed = peer_failed,
		.data_writable = data_writable, .data_text = data_text,
	};
	tr_state *st = g_new0(tr_state, 1);
	run->driver_data = st;
	st->results = json_array();
	char reason[160];
	int n = loadgen_tr_parse_phases(run->options->phases, st->kinds, LOADGEN_TR_MAX_PHASES, reason, sizeof(reason));
	if (n <= 0) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "%s", reason);
		return -1;
	}
	st->n_kinds = (unsigned)n;
	st->n = (unsigned)run->options->participants;
	st->members = g_new0(tr_member, st->n);
	run->peers_expected = (int)st->n;
	unsigned tag = (unsigned)getpid() ^ g_random_int();
	for (unsigned i = 0; i < st->n; i++) {
		tr_member *m = &st->members[i];
		m->index = i;
		g_snprintf(m->username, sizeof(m->username), "lg%08x-%u", tag, i + 1);
		m->peer = loadgen_peer_new(run, LOADGEN_PEER_DATA, i + 1, &callbacks, run, error);
		if (m->peer == NULL)
			return -1;
		loadgen_run_add_peer(run, m->peer);
	}
	loadgen_janus_open(run, st->members[0].peer, first_opened, NULL);
	return 0;
}

static void tr_stop(loadgen_run *run)
{
	tr_state *st = state_of(run);
	if (st && st->timer) {
		g_source_remove(st->timer);
		st->timer = 0;
	}
	for (guint i = 0; i < run->peers->len; i++)
		loadgen_janus_close(run, run->peers->pdata[i]);
}

static void tr_free(loadgen_run *run)
{
	tr_state *st = state_of(run);
	if (st == NULL)
		return;
	loadgen_tr_phase_free(st->acct);
	json_decref(st->results);
	g_free(st->members);
	g_free(st);
	run->driver_data = NULL;
}

/* ---- report ---- */

static json_t *tr_report(loadgen_run *run)
{
	tr_state *st = state_of(run);
	uint64_t busy = 0;
	int joined = 0;
	for (unsigned i = 0; st && i < st->n; i++) {
		busy += loadgen_peer_data_busy(st->members[i].peer);
		joined += st->members[i].joined;
	}
	json_t *setup = run->media_start_us ? json_real((run->media_start_us - run->start_us) / 1000.0) : json_null();
	json_t *j = json_pack("{s:s, s:s, s:i, s:i, s:i, s:o, s:O, s:I, s:I}", "driver", "textroom", "plugin",
	                      run->plugin, "room", run->options->room, "participants", st ? (int)st->n : 0,
	                      "joined", joined, "setup_ms", setup, "phases", st ? st->results : json_null(),
	                      "stale_messages", (json_int_t)(st ? st->stale : 0), "send_busy", (json_int_t)busy);
	if (run->failure)
		json_object_set_new(j, "failure", json_string(run->failure));
	return j;
}

static void tr_table(loadgen_run *run, json_t *summary, FILE *out)
{
	fprintf(out, "textroom: %d participants joined room %d (%s)\n",
	        (int)json_integer_value(json_object_get(summary, "joined")), run->options->room, run->plugin);
	fprintf(out, "%-5s %7s %8s %10s %12s %8s %8s %8s %14s\n", "phase", "senders", "messages", "msgs/s", "deliveries/s",
	        "p50 ms", "p99 ms", "missing", "srv µs/deliv");
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(summary, "phases"), i, p) {
		json_t *cpu = json_object_get(p, "server_cpu_us_per_delivery");
		char cpu_text[32] = "-";
		if (json_is_number(cpu))
			g_snprintf(cpu_text, sizeof(cpu_text), "%.2f", json_number_value(cpu));
		fprintf(out, "%-5s %7d %8d %10.0f %12.0f %8.2f %8.2f %8d %14s\n",
		        json_string_value(json_object_get(p, "phase")), (int)json_integer_value(json_object_get(p, "senders")),
		        (int)json_integer_value(json_object_get(p, "messages")),
		        json_number_value(json_object_get(p, "messages_per_s")),
		        json_number_value(json_object_get(p, "deliveries_per_s")),
		        json_number_value(json_object_get(p, "latency_p50_ms")),
		        json_number_value(json_object_get(p, "latency_p99_ms")),
		        (int)json_integer_value(json_object_get(p, "missing")), cpu_text);
	}
	if (run->failure)
		fprintf(out, "FAILED: %s\n", run->failure);
}

const loadgen_driver loadgen_driver_textroom = {
	.name = "textroom",
	.default_plugin = "janus.plugin.textroom",
	.summary = "TextRoom participants over data channels: messages through one room, fan-out to everyone",
	.has_rooms = false,
	.start = tr_start,
	.stop = tr_stop,
	.free = tr_free,
	.check = tr_check,
	.all_ready = all_ready,
	.report = tr_report,
	.table = tr_table,
};
