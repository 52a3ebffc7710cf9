#!/usr/bin/env python3
# bench/compare/summarize.py — the arithmetic and the output of
# bench/compare.sh, kept out of the shell:
#   record  one JSON line per (gateway, scenario) run from parley-loadgen's
#           JSON summary and the script's samples of the gateway process
#           (/proc/<pid>/stat CPU ticks, each thread's schedstat time and
#           name, VmRSS, the veth packet counters): with the CPU per thread
#           name, and the share the event bus and handler threads took
#   table   the side-by-side table (markdown) of a results file, with
#           ratio rows per scenario (each Parley gateway over Janus, the
#           ICE-lite one over libnice); --json-out appends the ratio lines
#           for machines
#   sdp     what a -v 3 loadgen log shows of the negotiation: the answer's
#           transport, fingerprint hash, codecs, feedback, and the DTLS-SRTP
#           profile every peer got (it is chosen in the DTLS handshake, not
#           written in the SDP)
#   spread  two or more results files of the same scenarios: min, max and
#           spread of each figure, for the noise paragraph of the README
#   check   exit 1 unless every gateway of a results file forwarded packets,
#           lost none of its peers and did not crash (bench-compare test)
import argparse
import json
import re
import sys

GATEWAYS = ('parley', 'parley-lite', 'parley-lite-ports', 'parley-lite-bare', 'janus')
# the ratio rows of the table: (numerator, denominator); lite over bare is
# what the event handler (analytics) costs the media path
RATIOS = (('parley', 'janus'), ('parley-lite', 'janus'), ('parley-lite-ports', 'janus'), ('parley-lite', 'parley'),
          ('parley-lite', 'parley-lite-bare'))


def load(path):
	out = []
	with open(path, encoding='utf-8') as f:
		for line in f:
			line = line.strip()
			if line:
				out.append(json.loads(line))
	return out


def number(value):
	return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def thread_table(text):
	"""'tid:ns:name,...' (compare.sh's cpu_threads; name optional) -> {tid: (ns, name)}."""
	out = {}
	for item in (text or '').split(','):
		tid, ns, name = (item.split(':', 2) + ['', ''])[:3]
		if tid.isdigit() and ns.isdigit():
			out[tid] = (int(ns), name)
	return out


def thread_times(text):
	"""compare.sh's cpu_threads -> {tid: ns}."""
	return {tid: ns for tid, (ns, _) in thread_table(text).items()}


# The threads that do the event handlers' work: the event bus thread (it
# runs every handler's incoming_event) and the analytics handler's own
# threads (its store, its sinks). A gateway without handlers has only an
# idle bus thread.
HANDLER_THREADS = re.compile(r'^(parley-events|an-)')


def window_cpu_by_thread_us(a):
	"""{thread name: CPU µs in the window} over the threads alive at its end."""
	before, after = thread_table(a.cpu_threads1), thread_table(a.cpu_threads2)
	out = {}
	for tid, (ns, name) in after.items():
		key = name or 'unnamed'
		out[key] = out.get(key, 0) + (ns - before.get(tid, (0, ''))[0]) / 1000
	return {k: round(v) for k, v in sorted(out.items())}


def window_cpu_us(a):
	"""The gateway's CPU time in the window, its source, threads that ended.

	Every thread alive at the end counts its schedstat time since the start
	(all of it when it started in the window). A thread that ended in the
	window takes its time with it: when clock ticks (which keep it) say more
	than 20 ms beyond that, the ticks are used instead."""
	if a.window_s <= 0:
		return 0, 'none', 0
	ticks_us = (a.cpu2 - a.cpu1) * 1e6 / a.clk_tck
	before, after = thread_times(a.cpu_threads1), thread_times(a.cpu_threads2)
	if not before or not after:
		return ticks_us, 'clock ticks', 0
	exited = len(set(before) - set(after))
	ns_us = sum(ns - before.get(tid, 0) for tid, ns in after.items()) / 1000
	if exited and ticks_us > ns_us + 20000:
		return ticks_us, 'clock ticks', exited
	return ns_us, 'schedstat', exited


def cmd_record(a):
	summary = {}
	failure = None
	try:
		with open(a.loadgen, encoding='utf-8') as f:
			first = f.readline()
		summary = json.loads(first) if first.strip() else {}
	except (OSError, ValueError) as e:
		failure = f'no loadgen summary ({e})'
	if not summary and failure is None:
		failure = 'no loadgen summary'
	failure = a.failure or summary.get('failure') or failure
	received = summary.get('received', {})
	packets = received.get('packets', 0)
	tx_window = max(a.tx2 - a.tx1, 0)
	tx_total = max(a.tx3 - a.tx0, 0)
	# Packets the subscribers received during the measured window: the
	# loadgen counts the whole run (publishers send from the moment they
	# connect), the veth counter tells which share of what the gateway sent
	# fell inside the window.
	forwarded = packets * tx_window / tx_total if tx_total > 0 and a.window_s > 0 else 0
	cpu_us, source, exited = window_cpu_us(a)
	by_thread = window_cpu_by_thread_us(a) if a.window_s > 0 else {}
	handler_us = sum(us for name, us in by_thread.items() if HANDLER_THREADS.match(name))
	rss_delta = max(a.rss_end - a.rss_idle, 0)
	rec = {
		'kind': 'run', 'gateway': a.gateway, 'scenario': a.scenario, 'plugin': summary.get('plugin'),
		'commit': a.commit, 'date': a.date,
		'peers': summary.get('peers', 0), 'peers_connected': summary.get('peers_connected', 0),
		'participants': a.participants, 'srtp_profile': summary.get('srtp_profile', 'none'),
		'window_s': round(a.window_s, 3),
		'server_cpu_window_us': round(cpu_us),
		'server_cpu_source': source, 'server_threads_exited': exited,
		'server_cpu_pct': round(100 * cpu_us / (a.window_s * 1e6), 1) if a.window_s > 0 else None,
		'server_user_share': round((a.user2 - a.user1) / (a.cpu2 - a.cpu1), 2) if a.cpu2 > a.cpu1 else None,
		'server_cpu_setup_us': round((a.cpu1 - a.cpu0) * 1e6 / a.clk_tck),
		'server_cpu_by_thread_us': by_thread,
		'handler_threads_cpu_share': round(handler_us / cpu_us, 4) if cpu_us > 0 and by_thread else None,
		'received_packets': packets,
		'forwarded_window': round(forwarded),
		'gateway_tx_window': tx_window, 'gateway_tx_total': tx_total,
		'cpu_us_per_packet': round(cpu_us / forwarded, 2) if forwarded > 0 else None,
		'rss_idle_kb': a.rss_idle, 'rss_end_kb': a.rss_end,
		'rss_kb_per_participant': round(rss_delta / a.participants, 1) if a.participants > 0 else None,
		'loss_pct': received.get('loss_pct'), 'lost': received.get('lost'),
		'corrupt': received.get('corrupt'), 'undecryptable': received.get('undecryptable'),
		'receivers_without_media': received.get('receivers_without_media'),
		'delay_p50_ms': summary.get('delay_ms', {}).get('p50'),
		'delay_p99_ms': summary.get('delay_ms', {}).get('p99'),
		'join_keyframe_p50_ms': summary.get('join_to_first_keyframe_ms', {}).get('p50'),
		'join_keyframe_p99_ms': summary.get('join_to_first_keyframe_ms', {}).get('p99'),
		'generator_cpu_pct': summary.get('generator', {}).get('cpu_pct_of_core'),
		'udp_rcvbuf_drops': a.udp_drops,
		'crashed': a.crashed, 'gateway_exit': a.gateway_exit,
		'failure': failure,
	}
	print(json.dumps(rec, separators=(',', ':')))


# figure key, column title, format, compared in the ratio row
COLUMNS = (
	('peers_connected', 'peers', '{:d}', False),
	('forwarded_window', 'fwd pkts', '{:d}', False),
	('server_cpu_pct', 'server CPU %', '{:.1f}', True),
	('server_user_share', 'user share', '{:.2f}', False),
	('cpu_us_per_packet', 'CPU-µs/pkt', '{:.2f}', True),
	('rss_kb_per_participant', 'RSS KB/particip.', '{:.0f}', True),
	('loss_pct', 'loss %', '{:.2f}', False),
	('delay_p50_ms', 'delay p50 ms', '{:.2f}', True),
	('delay_p99_ms', 'delay p99 ms', '{:.2f}', True),
	('join_keyframe_p50_ms', 'join→kf p50 ms', '{:.0f}', True),
	('join_keyframe_p99_ms', 'join→kf p99 ms', '{:.0f}', True),
)


def fmt(value, pattern):
	if number(value) is None:
		return '–'
	if pattern == '{:d}':
		return str(int(round(value)))
	return pattern.format(value)


def ratio(p, j):
	p, j = number(p), number(j)
	if p is None or j is None or j <= 0:
		return None
	return p / j


def cmd_table(a):
	records = [r for r in load(a.results) if r.get('kind') == 'run']
	order = []
	for r in records:
		if r['scenario'] not in order:
			order.append(r['scenario'])
	head = ['scenario', 'gateway'] + [c[1] for c in COLUMNS] + ['SRTP', 'crashed']
	lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
	ratio_lines = []
	for scenario in order:
		by_gw = {r['gateway']: r for r in records if r['scenario'] == scenario}
		for gw in GATEWAYS:
			r = by_gw.get(gw)
			if r is None:
				continue
			ok = not r.get('failure')
			cells = [scenario, gw] + [fmt(r.get(k) if ok or k == 'peers_connected' else None, f) for k, _, f, _ in COLUMNS]
			cells += [r.get('srtp_profile') or '–', str(r.get('crashed', 0))]
			if r.get('failure'):
				cells[-1] += ' (FAILED: ' + str(r['failure'])[:60] + ')'
			lines.append('| ' + ' | '.join(cells) + ' |')
		for mine, theirs in RATIOS:
			if mine not in by_gw or theirs not in by_gw:
				continue
			p, j = by_gw[mine], by_gw[theirs]
			if p.get('failure') or j.get('failure'):
				continue
			cells = [scenario, f'**{mine}/{theirs}**']
			ratios = {}
			for k, _, _, compared in COLUMNS:
				q = ratio(p.get(k), j.get(k)) if compared else None
				ratios[k] = round(q, 3) if q is not None else None
				cells.append(f'**{q:.2f}**' if q is not None else '')
			same = p.get('srtp_profile') == j.get('srtp_profile')
			cells += ['same' if same else 'DIFFERENT', '']
			lines.append('| ' + ' | '.join(cells) + ' |')
			ratio_lines.append({'kind': 'ratio', 'scenario': scenario,
			                    f"{mine.replace('-', '_')}_over_{theirs}": ratios,
			                    'srtp_profile': p.get('srtp_profile') if same else None})
	print('\n'.join(lines))
	shares = [f"{r['scenario']} {r['gateway']} {100 * r['handler_threads_cpu_share']:.2f} %"
	          for r in records if r['gateway'].startswith('parley') and not r.get('failure')
	          and number(r.get('handler_threads_cpu_share')) is not None]
	if shares:
		print('\nEvent bus and handler threads (parley-events, an-*), share of the gateway\'s CPU in the window: ' +
		      ', '.join(shares))
	if a.json_out:
		with open(a.json_out, 'a', encoding='utf-8') as f:
			for r in ratio_lines:
				f.write(json.dumps(r, separators=(',', ':')) + '\n')


def cmd_sdp(a):
	with open(a.log, encoding='utf-8', errors='replace') as f:
		text = f.read()
	answers = re.findall(r'remote (?:answer|offer):\n(.*?)(?:\n\n|\n\[loadgen\])', text, re.S)
	protos, hashes, codecs, fb = set(), set(), set(), set()
	for sdp in answers:
		protos.update(re.findall(r'^m=\w+ \d+ (\S+)', sdp, re.M))
		hashes.update(re.findall(r'^a=fingerprint:(\S+)', sdp, re.M))
		codecs.update(re.findall(r'^a=rtpmap:\d+ (\S+)', sdp, re.M))
		fb.update(re.findall(r'^a=rtcp-fb:\d+ (.+)$', sdp, re.M))
	profiles = re.findall(r'connected \(\d+/\d+, SRTP (\S+)\)', text)
	out = {
		'kind': 'sdp', 'gateway': a.gateway, 'descriptions': len(answers),
		'transport': sorted(protos), 'fingerprint': sorted(hashes), 'codecs': sorted(codecs),
		'rtcp_fb': sorted(fb), 'srtp_profiles': sorted(set(profiles)), 'peers_connected': len(profiles),
	}
	print(json.dumps(out, separators=(',', ':')))
	if not answers or not profiles:
		sys.exit(1)


def cmd_spread(a):
	runs = [[r for r in load(p) if r.get('kind') == 'run'] for p in a.results]
	keys = ('cpu_us_per_packet', 'server_cpu_pct', 'rss_kb_per_participant', 'delay_p50_ms', 'delay_p99_ms',
	        'join_keyframe_p50_ms', 'join_keyframe_p99_ms')
	print('| scenario | gateway | figure | ' + ' | '.join(f'run {i + 1}' for i in range(len(runs))) + ' | spread |')
	print('|---|---|---|' + '---|' * (len(runs) + 1))
	seen = []
	for r in runs[0]:
		seen.append((r['scenario'], r['gateway']))
	for scenario, gw in seen:
		for k in keys:
			vals = []
			for run in runs:
				match = [r for r in run if r['scenario'] == scenario and r['gateway'] == gw]
				vals.append(number(match[0].get(k)) if match else None)
			ok = [v for v in vals if v is not None]
			if len(ok) < 2:
				continue
			lo, hi = min(ok), max(ok)
			mid = (lo + hi) / 2
			spread = f'±{100 * (hi - lo) / 2 / mid:.0f} %' if mid > 0 else '–'
			print(f'| {scenario} | {gw} | {k} | ' + ' | '.join('–' if v is None else f'{v:g}' for v in vals) +
			      f' | {spread} |')


def cmd_check(a):
	records = [r for r in load(a.results) if r.get('kind') == 'run']
	problems = []
	for gw in a.gateways.split(','):
		mine = [r for r in records if r['gateway'] == gw]
		if not mine:
			problems.append(f'{gw}: no run')
		for r in mine:
			where = f"{gw} {r['scenario']}"
			if r.get('failure'):
				problems.append(f"{where}: failed: {r['failure']}")
			if r.get('crashed'):
				problems.append(f'{where}: the gateway crashed (exit {r.get("gateway_exit")})')
			if not (r.get('received_packets') or 0) > 0 or not (r.get('forwarded_window') or 0) > 0:
				problems.append(f'{where}: no packets forwarded')
			if r.get('peers_connected') != r.get('peers'):
				problems.append(f"{where}: {r.get('peers_connected')} of {r.get('peers')} peers connected")
	for p in problems:
		print(p, file=sys.stderr)
	sys.exit(1 if problems else 0)


def main():
	ap = argparse.ArgumentParser(description=__doc__)
	sub = ap.add_subparsers(dest='cmd', required=True)
	r = sub.add_parser('record')
	r.add_argument('--gateway', required=True, choices=GATEWAYS)
	r.add_argument('--scenario', required=True)
	r.add_argument('--loadgen', required=True)
	r.add_argument('--participants', type=int, required=True)
	r.add_argument('--clk-tck', type=int, default=100)
	r.add_argument('--cpu-threads1', default='none')
	r.add_argument('--cpu-threads2', default='none')
	for k in ('cpu0', 'cpu1', 'cpu2', 'user1', 'user2', 'udp-drops', 'tx0', 'tx1', 'tx2', 'tx3', 'rss-idle', 'rss-end', 'crashed', 'gateway-exit'):
		r.add_argument('--' + k, type=int, default=0)
	r.add_argument('--window-s', type=float, default=0)
	r.add_argument('--commit', default='')
	r.add_argument('--date', default='')
	r.add_argument('--failure', default='')
	t = sub.add_parser('table')
	t.add_argument('results')
	t.add_argument('--json-out')
	s = sub.add_parser('sdp')
	s.add_argument('--gateway', required=True)
	s.add_argument('log')
	sp = sub.add_parser('spread')
	sp.add_argument('results', nargs='+')
	c = sub.add_parser('check')
	c.add_argument('results')
	c.add_argument('--gateways', default=','.join(GATEWAYS))
	a = ap.parse_args()
	{'record': cmd_record, 'table': cmd_table, 'sdp': cmd_sdp, 'spread': cmd_spread, 'check': cmd_check}[a.cmd](a)


if __name__ == '__main__':
	main()
