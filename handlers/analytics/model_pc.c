/*
 * handlers/analytics/model_pc.c — PeerConnections in the model, one per
 * handle: created → ICE connected (selected pair types, relay) → DTLS up
 * (a success) → first media; periodic stream figures turned into deltas
 * (bytes, packets, loss, NACK, PLI) and latest RTT/jitter and bitrates;
 * slow links; the end (a failure with its reason when DTLS never came up).
 * Everything counts into the rollups of the kind of the handle's meeting or
 * room (other when it has none), its participant and its room.
 */
#include <string.h>
#include "model_internal.h"

const int64_t parley_analytics_connect_bounds_ms[ANALYTICS_CONNECT_BUCKETS - 1] = {
	100, 250, 500, 1000, 2500, 5000, 10000,
};

void parley_analytics_pc_free(gpointer data)
{
	g_free(data);
}

static analytics_pc *pc_find(analytics_model *m, uint64_t handle_id)
{
	return g_hash_table_lookup(m->pcs, &handle_id);
}

static analytics_kind kind_of(analytics_room *r)
{
	return r ? r->kind : ANALYTICS_KIND_OTHER;
}

static void set_state(analytics_model *m, analytics_pc *pc, analytics_pc_state state)
{
	if (m->pcs_by_state[pc->state] > 0)
		m->pcs_by_state[pc->state]--;
	pc->state = state;
	m->pcs_by_state[state]++;
}

static analytics_pc *pc_new(analytics_model *m, uint64_t handle_id, int64_t ts)
{
	analytics_pc *pc = pc_find(m, handle_id);
	if (pc)
		return pc;
	if (g_hash_table_size(m->pcs) >= m->limits.max_pcs) {
		m->untracked++;
		return NULL;
	}
	pc = g_new0(analytics_pc, 1);
	pc->handle_id = handle_id;
	pc->created_us = ts;
	pc->state = ANALYTICS_PC_NEW;
	m->pcs_by_state[ANALYTICS_PC_NEW]++;
	g_hash_table_insert(m->pcs, &pc->handle_id, pc);
	return pc;
}

static void copy_type(char *out, size_t size, json_t *value)
{
	const char *text = json_string_value(value);
	g_strlcpy(out, text && strlen(text) < size ? text : "", size);
}

static void on_ice_connected(analytics_model *m, analytics_pc *pc, int64_t ts, json_t *body)
{
	if (!pc->ice_seen) {
		pc->ice_seen = true;
		pc->ice_us = ts;
	}
	copy_type(pc->local_type, sizeof(pc->local_type), json_object_get(body, "local_type"));
	copy_type(pc->remote_type, sizeof(pc->remote_type), json_object_get(body, "remote_type"));
	copy_type(pc->protocol, sizeof(pc->protocol), json_object_get(body, "protocol"));
	bool relay = json_is_true(json_object_get(body, "relay"));
	if (relay && !pc->relay && pc->up_us) {
		/* learnt after DTLS came up (the relay candidate was trickled late) */
		analytics_room *r;
		analytics_participant *p;
		parley_analytics_binding_of(m, pc->handle_id, &r, &p);
		ANALYTICS_COUNT(m, ts, kind_of(r), pcs_relay, 1);
		if (r)
			r->pcs_relay++;
		if (p)
			p->relay = true;
	}
	pc->relay |= relay;
}

static void count_connect(analytics_model *m, int64_t ms)
{
	int bucket = ANALYTICS_CONNECT_BUCKETS - 1;
	for (int i = 0; i < ANALYTICS_CONNECT_BUCKETS - 1; i++)
		if (ms <= parley_analytics_connect_bounds_ms[i]) {
			bucket = i;
			break;
		}
	m->connect_hist[bucket]++;
	m->connect_hist_sum_ms += ms;
}

static void on_up(analytics_model *m, analytics_pc *pc, int64_t ts)
{
	if (pc->up_us)
		return;
	pc->up_us = ts;
	set_state(m, pc, ANALYTICS_PC_CONNECTED);
	analytics_room *r;
	analytics_participant *p;
	parley_analytics_binding_of(m, pc->handle_id, &r, &p);
	int64_t ms = ts > pc->created_us ? (ts - pc->created_us) / 1000 : 0;
	ANALYTICS_COUNT(m, ts, kind_of(r), pcs_connected, 1);
	ANALYTICS_COUNT(m, ts, kind_of(r), connect_ms_sum, ms);
	ANALYTICS_COUNT(m, ts, kind_of(r), connect_samples, 1);
	if (pc->relay)
		ANALYTICS_COUNT(m, ts, kind_of(r), pcs_relay, 1);
	count_connect(m, ms);
	if (r) {
		r->pcs_up++;
		if (pc->relay)
			r->pcs_relay++;
	}
	if (p) {
		p->pcs_up++;
		p->relay |= pc->relay;
		if (!p->first_up_us) {
			p->first_up_us = ts;
			r->connect_ms_sum += ts > p->joined_us ? (ts - p->joined_us) / 1000 : 0;
			r->connect_samples++;
		}
	}
}

static void on_first_media(analytics_model *m, analytics_pc *pc, int64_t ts)
{
	if (pc->media_us)
		return;
	pc->media_us = ts;
	analytics_room *r;
	analytics_participant *p;
	parley_analytics_binding_of(m, pc->handle_id, &r, &p);
	ANALYTICS_COUNT(m, ts, kind_of(r), media_ms_sum, ts > pc->created_us ? (ts - pc->created_us) / 1000 : 0);
	ANALYTICS_COUNT(m, ts, kind_of(r), media_samples, 1);
	if (p && !p->first_media_us) {
		p->first_media_us = ts;
		r->media_ms_sum += ts > p->joined_us ? (ts - p->joined_us) / 1000 : 0;
		r->media_samples++;
	}
}

void parley_analytics_pc_end(analytics_model *m, uint64_t handle_id, int64_t ts, const char *reason)
{
	analytics_pc *pc = pc_find(m, handle_id);
	if (!pc)
		return;
	if (!pc->up_us) {
		analytics_room *r;
		analytics_participant *p;
		parley_analytics_binding_of(m, handle_id, &r, &p);
		ANALYTICS_COUNT(m, ts, kind_of(r), pcs_failed, 1);
		parley_analytics_count_reason(m, reason);
		if (r)
			r->pcs_failed++;
		if (p) {
			p->pcs_failed++;
			if (!p->failure)
				p->failure = g_strdup(reason ? reason : "unknown");
		}
	}
	if (m->pcs_by_state[pc->state] > 0)
		m->pcs_by_state[pc->state]--;
	g_hash_table_remove(m->pcs, &handle_id);
}

void parley_analytics_pc_event(analytics_model *m, uint64_t handle_id, int64_t ts, json_t *body)
{
	const char *connection = json_string_value(json_object_get(body, "connection"));
	const char *ice = json_string_value(json_object_get(body, "ice"));
	if (connection && strcmp(connection, "new") == 0) {
		pc_new(m, handle_id, ts);
		return;
	}
	analytics_pc *pc = pc_find(m, handle_id);
	if (!pc)
		return;
	if (ice && strcmp(ice, "connected") == 0)
		on_ice_connected(m, pc, ts, body);
	else if (!connection)
		return;
	else if (strcmp(connection, "webrtcup") == 0)
		on_up(m, pc, ts);
	else if (strcmp(connection, "disconnected") == 0 && pc->up_us)
		set_state(m, pc, ANALYTICS_PC_DISCONNECTED);
	else if (strcmp(connection, "connected") == 0 && pc->up_us)
		set_state(m, pc, ANALYTICS_PC_CONNECTED);
	else if (strcmp(connection, "hangup") == 0)
		parley_analytics_pc_end(m, handle_id, ts, json_string_value(json_object_get(body, "reason")));
}

/* ---- stream figures ---- */

static int64_t number(json_t *stream, const char *key)
{
	json_t *v = json_object_get(stream, key);
	int64_t n = json_is_integer(v) ? json_integer_value(v) : json_is_real(v) ? (int64_t)json_real_value(v) : 0;
	return n > 0 ? n : 0;
}

static int64_t grew(int64_t now, int64_t before)
{
	return now > before ? now - before : 0;
}

static void on_stats(analytics_model *m, analytics_pc *pc, int64_t ts, json_t *streams)
{
	analytics_counters now = { 0 };
	double rtt = 0, jitter = 0;
	size_t i;
	json_t *s;
	json_array_foreach(streams, i, s) {
		now.bytes_in += number(s, "bytes-in");
		now.bytes_out += number(s, "bytes-out");
		now.packets_in += number(s, "packets-in");
		now.packets_out += number(s, "packets-out");
		now.lost_in += number(s, "lost");
		now.lost_out += number(s, "lost-by-peer");
		now.nacks += number(s, "nacks-in") + number(s, "nacks-out");
		now.plis += number(s, "plis-in") + number(s, "plis-out");
		double r = (double)number(s, "rtt-ms");
		json_t *j = json_object_get(s, "jitter-ms");
		double jit = json_is_number(j) ? json_number_value(j) : 0;
		if (r > rtt)
			rtt = r;
		if (jit > jitter && jit < 1e6)
			jitter = jit;
	}
	analytics_counters delta = {
		grew(now.bytes_in, pc->last.bytes_in), grew(now.bytes_out, pc->last.bytes_out),
		grew(now.packets_in, pc->last.packets_in), grew(now.packets_out, pc->last.packets_out),
		grew(now.lost_in, pc->last.lost_in), grew(now.lost_out, pc->last.lost_out),
		grew(now.nacks, pc->last.nacks), grew(now.plis, pc->last.plis),
	};
	int64_t since = pc->last_stats_us ? pc->last_stats_us : pc->up_us ? pc->up_us : pc->created_us;
	if (ts > since) {
		pc->bitrate_in = (double)delta.bytes_in * 8.0 * 1e6 / (double)(ts - since);
		pc->bitrate_out = (double)delta.bytes_out * 8.0 * 1e6 / (double)(ts - since);
	}
	pc->last = now;
	pc->last_stats_us = ts;
	pc->rtt_ms = rtt;
	pc->jitter_ms = jitter;
	if (now.packets_in > 0 || now.packets_out > 0)
		on_first_media(m, pc, ts);

	analytics_room *r;
	analytics_participant *p;
	parley_analytics_binding_of(m, pc->handle_id, &r, &p);
	analytics_rollup *rollups[2];
	parley_analytics_rollups_at(m, ts, kind_of(r), rollups);
	for (int k = 0; k < 2; k++) {
		analytics_rollup *ru = rollups[k];
		ru->bytes_in += delta.bytes_in;
		ru->bytes_out += delta.bytes_out;
		ru->packets_in += delta.packets_in;
		ru->packets_out += delta.packets_out;
		ru->lost_in += delta.lost_in;
		ru->lost_out += delta.lost_out;
		ru->nacks += delta.nacks;
		ru->plis += delta.plis;
		if (rtt > 0) {
			ru->rtt_ms_sum += (int64_t)rtt;
			ru->rtt_samples++;
		}
		if (jitter > 0) {
			ru->jitter_ms_sum += (int64_t)(jitter + 0.5);
			ru->jitter_samples++;
		}
	}
	if (r)
		parley_analytics_counters_add(&r->totals, &delta);
	if (p) {
		parley_analytics_counters_add(&p->totals, &delta);
		if (rtt > 0)
			p->rtt_ms = rtt;
		if (jitter > 0)
			p->jitter_ms = jitter;
	}
}

void parley_analytics_media_event(analytics_model *m, uint64_t handle_id, int64_t ts, json_t *body)
{
	analytics_pc *pc = pc_find(m, handle_id);
	if (!pc)
		return;
	json_t *streams = json_object_get(body, "stats");
	if (json_is_array(streams)) {
		on_stats(m, pc, ts, streams);
		return;
	}
	if (json_is_true(json_object_get(body, "slow_link"))) {
		pc->slow_links++;
		analytics_room *r;
		analytics_participant *p;
		parley_analytics_binding_of(m, handle_id, &r, &p);
		ANALYTICS_COUNT(m, ts, kind_of(r), slow_links, 1);
		if (p)
			p->slow_links++;
		return;
	}
	if (json_is_true(json_object_get(body, "receiving")))
		on_first_media(m, pc, ts);
}

void parley_analytics_participant_rates(const analytics_model *m, const analytics_participant *p, double *in,
                                        double *out)
{
	*in = *out = 0;
	for (int i = 0; i < ANALYTICS_MAX_HANDLES; i++) {
		uint64_t id = p->handles[i];
		const analytics_pc *pc = id ? g_hash_table_lookup(m->pcs, &id) : NULL;
		if (pc) {
			*in += pc->bitrate_in;
			*out += pc->bitrate_out;
		}
	}
}

void parley_analytics_model_connect_histogram(const analytics_model *m, int64_t counts[ANALYTICS_CONNECT_BUCKETS],
                                              int64_t *sum_ms)
{
	memcpy(counts, m->connect_hist, sizeof(m->connect_hist));
	*sum_ms = m->connect_hist_sum_ms;
}
