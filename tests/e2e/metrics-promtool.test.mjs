// metrics-promtool.test.mjs — GET /metrics of a running parleyd (every
// module loaded, the analytics handler among them) as Prometheus reads it:
// `promtool check metrics` (Debian's prometheus package) accepts the page
// with no complaint; the families the operators rely on are there with
// their types (process, event loops, sessions and handles, PeerConnections
// by state, RTP/RTCP counters, RTT and loss histograms, plugin gauges in
// snake_case, the analytics aggregates); no label carries a per-session
// value; and a session and a handle show up in the gauges.
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { HttpJanus } from './lib/janus.mjs';
import { parseMetrics, promtoolCheck } from './lib/promtool.mjs';

const { test } = serverSuite({ config: { parley: { general: { event_loops: 2 } } } });

const FAMILIES = {
	process_cpu_seconds_total: 'counter',
	process_resident_memory_bytes: 'gauge',
	process_open_fds: 'gauge',
	process_max_fds: 'gauge',
	process_start_time_seconds: 'gauge',
	parley_process_threads: 'gauge',
	parley_event_loop_load_ratio: 'gauge',
	parley_event_loop_lag_seconds: 'gauge',
	parley_event_loop_busy_seconds_total: 'counter',
	parley_sessions: 'gauge',
	parley_handles: 'gauge',
	parley_peerconnections: 'gauge',
	parley_rtp_packets_total: 'counter',
	parley_rtp_bytes_total: 'counter',
	parley_rtp_forwarded_packets_total: 'counter',
	parley_rtcp_nacks_total: 'counter',
	parley_rtcp_plis_total: 'counter',
	parley_rtt_seconds: 'histogram',
	parley_rtcp_loss_ratio: 'histogram',
	parley_plugin_packets_forwarded: 'gauge',
	parley_analytics_connections_total: 'counter',
	parley_analytics_duration_seconds: 'histogram',
	parley_analytics_connect_seconds: 'histogram',
	parley_analytics_peerconnections: 'gauge',
};

test('promtool accepts /metrics, with the expected families and bounded labels', async (srv) => {
	const janus = new HttpJanus(srv.httpUrl);
	const session = await janus.createSession();
	await janus.attach(session);
	const r = await fetch(`${srv.httpUrl}/metrics`);
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
	const text = await r.text();
	const { code, output } = await promtoolCheck(text);
	assert.equal(code, 0, `promtool check metrics: ${output}`);
	assert.equal(output.trim(), '', output);
	const { samples, types } = parseMetrics(text);
	for (const [name, type] of Object.entries(FAMILIES))
		assert.equal(types[name], type, `${name}: ${types[name]}`);
	assert.equal(samples.parley_sessions[''], 1);
	assert.equal(samples.parley_handles[''], 1);
	assert.deepEqual(Object.keys(samples.parley_event_loop_lag_seconds).sort(), ['{loop="0"}', '{loop="1"}']);
	assert.deepEqual(Object.keys(samples.parley_peerconnections).sort(),
		['{state="connected"}', '{state="disconnected"}', '{state="new"}']);
	assert.ok(samples.process_cpu_seconds_total[''] > 0);
	assert.ok(samples.process_open_fds[''] > 3);
	assert.ok(samples.parley_process_threads[''] >= 3);
	assert.equal(samples.parley_rtt_seconds_count[''], samples.parley_rtt_seconds_bucket['{le="+Inf"}']);
	// no label value names a session, a handle or anything else unbounded
	for (const [name, series] of Object.entries(samples)) {
		for (const labels of Object.keys(series)) {
			for (const [, value] of labels.matchAll(/="([^"]*)"/g))
				assert.ok(!/^\d{6,}$/.test(value) && value.length <= 64, `${name}${labels}`);
		}
	}
});

test('a second scrape moves the counters forward and nothing else changes shape', async (srv) => {
	const first = parseMetrics(await (await fetch(`${srv.httpUrl}/metrics`)).text());
	await new Promise((r) => setTimeout(r, 1200));
	const second = parseMetrics(await (await fetch(`${srv.httpUrl}/metrics`)).text());
	assert.deepEqual(Object.keys(second.types).sort(), Object.keys(first.types).sort());
	for (const [name, type] of Object.entries(first.types)) {
		if (type !== 'counter') continue;
		for (const [labels, value] of Object.entries(first.samples[name] || {}))
			assert.ok(second.samples[name][labels] >= value, `${name}${labels} went back`);
	}
	assert.ok(second.samples.process_cpu_seconds_total[''] >= first.samples.process_cpu_seconds_total['']);
});
