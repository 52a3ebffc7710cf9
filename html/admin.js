// admin.js — the script of admin.html: logging in with the admin secret
// (kept in sessionStorage only), the error banner (every failed request
// shows there until the same request succeeds), the tabs, the refresh loop
// (every few seconds, pausable), the overview (server info, event loops,
// modules, live counts, traffic rates from /metrics drawn as sparklines)
// and the settings (log level, session timeout, new sessions, stored
// tokens). Sessions, rooms and meetings, chat rooms and analytics are
// their own modules (admin-sessions.js, admin-rooms.js, admin-chat.js,
// admin-analytics.js), each a view with refresh(). The page's state is on window.adminState.
import { AdminClient, metricSum, normalizeServer } from './admin-api.js';
import { RateSeries, sparkline } from './admin-charts.js';
import { $, confirmButton, dl, el, fill, fmtBits, fmtDuration, fmtMs, fmtNumber, fmtPercent, fmtRate, plural, stateBadge, table }
	from './admin-dom.js';
import { createSessionsView } from './admin-sessions.js';
import { createMeetingsView, createRoomsView } from './admin-rooms.js';
import { createChatView } from './admin-chat.js';
import { createAnalyticsView } from './admin-analytics.js';

const STORAGE_KEY = 'parley-admin';
const ROOM = 'parley.plugin.room';
const MEETING = 'parley.plugin.meeting';
const params = new URLSearchParams(location.search);

const state = window.adminState = {
	loggedIn: false, server: null, tab: 'overview', paused: false, intervalS: 3,
	info: null, status: null, loops: [], rooms: null, meetings: null,
	errors: {}, ticks: 0, lastTick: null, metricsAt: null,
};
let admin = null;
let timer = null;
let ticking = null;
let again = false;
const rates = new RateSeries(60);

/* ---- errors: one line per failing source, gone when it succeeds again ---- */

function report(source, err) {
	const message = err?.message || String(err);
	state.errors[source] = message;
	console.warn(`admin: ${source}: ${message}`);
	renderErrors();
}

function clear(source) {
	if (!(source in state.errors)) return;
	delete state.errors[source];
	renderErrors();
}

function renderErrors() {
	const entries = Object.entries(state.errors);
	const list = $('errors');
	list.classList.toggle('hidden', entries.length === 0);
	fill(list, entries.map(([source, message]) => el('li', { dataset: { source } },
		el('time', {}, new Date().toLocaleTimeString('en-GB')), message)));
}

/** Runs `fn` as the request named `source`: its failure goes to the banner. */
async function attempt(source, fn) {
	try {
		const result = await fn();
		clear(source);
		return result;
	} catch (err) {
		report(source, err);
		return undefined;
	}
}

const ctx = {
	get admin() { return admin; },
	state,
	report,
	clear,
	attempt,
	hasPlugin: (pkg) => Boolean(state.info?.plugins?.[pkg]),
	hasHandler: (pkg) => Boolean(state.info?.events?.[pkg]),
	refreshSoon: () => tick(),
	/** Opens the Analytics tab on one room or meeting ({room, plugin}). */
	showAnalytics: (query) => {
		views.analytics.lookupRoom(query);
		showTab('analytics');
	},
};
const roomsView = createRoomsView(ctx), chatView = createChatView(ctx);
const views = {
	sessions: createSessionsView(ctx),
	rooms: {
		refresh: () => Promise.all([roomsView.refresh(), chatView.refresh()]),
		reset() { roomsView.reset(); chatView.reset(); },
	},
	meetings: createMeetingsView(ctx),
	analytics: createAnalyticsView(ctx),
};

/* ---- logging in ---- */

function loginStatus(text, kind = 'muted') {
	$('login-status').textContent = text;
	$('login-status').className = `status ${kind}`;
}

function loginFailure(err) {
	if (err.kind === 'auth')
		return `Wrong admin secret: the server refused it (${err.reply?.error?.code ?? 403} ${err.reply?.error?.reason ?? 'Unauthorized'}).`;
	if (err.kind === 'blocked')
		return `Too many wrong secrets from this address: the server blocks it for a while (429). Try again later.`;
	if (err.kind === 'network')
		return `Cannot reach the admin API: ${err.message}`;
	if (err.kind === 'http' && err.code === 404)
		return `No admin API there (the HTTP transport's admin_enabled and admin_base_path): ${err.message}`;
	return `Login failed: ${err.message}`;
}

async function login(serverText, secret) {
	let server;
	try {
		server = normalizeServer(serverText);
	} catch (err) {
		loginStatus(err.message, 'error');
		return false;
	}
	if (!secret) {
		loginStatus('Enter the admin secret.', 'error');
		return false;
	}
	loginStatus(`Checking ${server}/admin …`);
	$('login-button').disabled = true;
	const client = new AdminClient(server, secret);
	try {
		const info = await client.request('info');
		const status = await client.request('get_status'); // the one that checks the secret
		admin = client;
		state.info = info;
		state.status = status.status;
	} catch (err) {
		state.loginError = loginFailure(err);
		loginStatus(state.loginError, 'error');
		$('secret').select();
		return false;
	} finally {
		$('login-button').disabled = false;
	}
	state.loginError = null;
	state.loggedIn = true;
	state.server = server;
	sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ server, secret }));
	loginStatus('');
	$('login').classList.add('hidden');
	$('app').classList.remove('hidden');
	$('logout').classList.remove('hidden');
	$('who').textContent = `${state.info['server-name'] || state.info.name} · ${server}`;
	rates.clear();
	buildSparks();
	showTab(state.tab);
	return true;
}

function logout() {
	sessionStorage.removeItem(STORAGE_KEY);
	clearTimeout(timer);
	timer = null;
	admin = null;
	Object.assign(state, { loggedIn: false, info: null, status: null, rooms: null, meetings: null, errors: {} });
	for (const view of Object.values(views)) view.reset();
	renderErrors();
	$('app').classList.add('hidden');
	$('logout').classList.add('hidden');
	$('login').classList.remove('hidden');
	$('who').textContent = '';
	$('secret').value = '';
	loginStatus('Logged out: the secret is forgotten.');
}

/* ---- tabs and the refresh loop ---- */

function showTab(name) {
	state.tab = name;
	for (const b of document.querySelectorAll('.tabs button'))
		b.classList.toggle('active', b.dataset.tab === name);
	for (const s of document.querySelectorAll('section.tab'))
		s.classList.toggle('hidden', s.id !== `tab-${name}`);
	tick();
}

function schedule() {
	clearTimeout(timer);
	timer = state.paused || !state.loggedIn ? null : setTimeout(tick, state.intervalS * 1000);
}

/** One refresh of what every tab needs plus the open tab's own figures. */
function tick() {
	if (!state.loggedIn) return Promise.resolve();
	if (ticking) {
		again = true; // asked for while one runs: one more right after it
		return ticking;
	}
	ticking = (async () => {
		clearTimeout(timer);
		await Promise.all([refreshServer(), refreshMetrics(), refreshCounts()]);
		renderOverview();
		if (views[state.tab]) await views[state.tab].refresh();
		if (state.tab === 'settings') await refreshSettings();
		state.ticks++;
		state.lastTick = Date.now();
		$('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`;
	})().finally(() => {
		ticking = null;
		if (again && state.loggedIn) {
			again = false;
			tick();
		} else {
			schedule();
		}
	});
	return ticking;
}

async function refreshServer() {
	await Promise.all([
		attempt('info', async () => { state.info = await admin.request('info'); }),
		attempt('get_status', async () => { state.status = (await admin.request('get_status')).status; }),
		attempt('loops_info', async () => { state.loops = (await admin.request('loops_info')).loops ?? []; }),
	]);
}

/** Counters of /metrics → per-second rates; a gauge or two as they are. */
async function refreshMetrics() {
	await attempt('/metrics', async () => {
		const m = await admin.metrics();
		const now = Date.now();
		const sum = (name, labels) => metricSum(m, name, labels);
		rates.add(now, {
			packetsIn: sum('parley_rtp_packets_total', { direction: 'in' }),
			packetsOut: sum('parley_rtp_packets_total', { direction: 'out' }),
			forwarded: sum('parley_rtp_forwarded_packets_total'),
			bitsIn: scale(sum('parley_rtp_bytes_total', { direction: 'in' }), 8),
			bitsOut: scale(sum('parley_rtp_bytes_total', { direction: 'out' }), 8),
			nacksIn: sum('parley_rtcp_nacks_total', { direction: 'in' }),
			nacksOut: sum('parley_rtcp_nacks_total', { direction: 'out' }),
			plisIn: sum('parley_rtcp_plis_total', { direction: 'in' }),
			plisOut: sum('parley_rtcp_plis_total', { direction: 'out' }),
			cpu: sum('process_cpu_seconds_total'),
		});
		const loads = (m.get('parley_event_loop_load_ratio') ?? []).map((s) => s.value);
		if (loads.length) rates.push('loopLoad', now, Math.max(...loads));
		state.metricsAt = now;
		state.metrics = {
			sessions: sum('parley_sessions'), handles: sum('parley_handles'),
			pcs: {
				new: sum('parley_peerconnections', { state: 'new' }),
				connected: sum('parley_peerconnections', { state: 'connected' }),
				disconnected: sum('parley_peerconnections', { state: 'disconnected' }),
			},
		};
	});
}

const scale = (v, k) => (v === null ? null : v * k);

/** The room and meeting plugins' lists: the counts here, the lists for their tabs. */
async function refreshCounts() {
	const jobs = [];
	if (ctx.hasPlugin(ROOM))
		jobs.push(attempt('rooms', async () => { state.rooms = await admin.plugin(ROOM, { request: 'list' }); }));
	else state.rooms = null;
	if (ctx.hasPlugin(MEETING))
		jobs.push(attempt('meetings', async () => { state.meetings = await admin.plugin(MEETING, { request: 'list', limit: 1000 }); }));
	else state.meetings = null;
	await Promise.all(jobs);
}

/* ---- overview ---- */

const SPARKS = [
	{ key: 'packetsIn', label: 'RTP packets in', fmt: (v) => fmtRate(v) },
	{ key: 'packetsOut', label: 'RTP packets out', fmt: (v) => fmtRate(v) },
	{ key: 'forwarded', label: 'Packets forwarded', fmt: (v) => fmtRate(v) },
	{ key: 'bitsIn', label: 'Bitrate in', fmt: fmtBits },
	{ key: 'bitsOut', label: 'Bitrate out', fmt: fmtBits },
	{ key: 'nacksIn', label: 'NACKs received', fmt: (v) => fmtRate(v) },
	{ key: 'nacksOut', label: 'NACKs sent', fmt: (v) => fmtRate(v) },
	{ key: 'plisIn', label: 'PLIs received', fmt: (v) => fmtRate(v) },
	{ key: 'plisOut', label: 'PLIs sent', fmt: (v) => fmtRate(v) },
	{ key: 'cpu', label: 'CPU (share of one core)', fmt: (v) => fmtPercent(v) },
	{ key: 'loopLoad', label: 'Busiest event loop', fmt: (v) => fmtPercent(v) },
];
const sparks = new Map();

function buildSparks() {
	sparks.clear();
	fill('sparks', SPARKS.map((s) => {
		const spark = sparkline(s.label, s.fmt, { id: `spark-${s.key}` });
		sparks.set(s.key, spark);
		return spark.el;
	}));
}

function tile(id, what, n, more) {
	return el('div', { class: 'tile-count', id: `tile-${id}` }, el('span', { class: 'n' }, n), el('span', { class: 'what' }, what),
		more ? el('span', { class: 'more' }, more) : null);
}

function renderOverview() {
	for (const [key, spark] of sparks) spark.draw(rates.series(key));
	if (state.tab !== 'overview') return;
	const st = state.status ?? {};
	const pcs = st.peerconnections_connected !== undefined
		? { new: st.peerconnections_new, connected: st.peerconnections_connected, disconnected: st.peerconnections_disconnected }
		: state.metrics?.pcs ?? {};
	const rooms = state.rooms, meetings = state.meetings;
	const sessions = st.active_sessions ?? state.metrics?.sessions, handles = st.active_handles ?? state.metrics?.handles;
	const word = (n, one) => (n === 1 ? one : `${one}s`);
	fill('tiles',
		tile('sessions', word(sessions, 'session'), fmtNumber(sessions)),
		tile('handles', word(handles, 'handle'), fmtNumber(handles)),
		tile('pcs', word(pcs.connected, 'PeerConnection') + ' up', fmtNumber(pcs.connected),
			`${fmtNumber(pcs.new)} new · ${fmtNumber(pcs.disconnected)} disconnected`),
		tile('rooms', word(rooms?.roomCount, 'room'), rooms ? fmtNumber(rooms.roomCount) : '–',
			rooms ? plural(rooms.peerCount, 'participant') : 'room plugin not loaded'),
		tile('meetings', word(meetings?.meetingCount, 'meeting'), meetings ? fmtNumber(meetings.meetingCount) : '–',
			meetings ? `${plural(meetings.participantCount, 'participant')} · ${fmtNumber(meetings.waitingCount)} waiting`
				: 'meeting plugin not loaded'));
	renderServerInfo(st);
	renderLoops();
	renderModules();
}

/** get_status's limits (0 = none). */
const LIMITS = ['max_sessions', 'max_sessions_per_connection', 'max_handles_per_session', 'max_candidates_per_handle'];

function renderServerInfo(st) {
	const info = state.info ?? {};
	fill('server-info', dl([
		['Name', info['server-name'] ?? info.name],
		['Version', info.version_string ?? info.version],
		['Uptime', fmtDuration(st.uptime)],
		['Accepting sessions', stateBadge(st.accepting_new_sessions ? 'yes' : 'no')],
		['Session timeout', st.session_timeout !== undefined ? `${st.session_timeout} s` : undefined],
		['Log level', st.log_level !== undefined ? `${st.log_level} (${st.log_level_name})` : undefined],
		['Authentication', [st.api_secret ? 'API secret' : null, st.token_auth ? 'stored tokens' : null,
			st.signed_tokens ? 'signed tokens' : null].filter(Boolean).join(', ') || 'none (open API)'],
		['Plugin workers', st.workers],
		['Events', st.events_emitted !== undefined ? `${fmtNumber(st.events_emitted)} emitted · ${fmtNumber(st.events_dropped)} dropped` : undefined],
		['Limits', LIMITS.some((k) => st[k] !== undefined)
			? LIMITS.map((k) => `${k.replace(/_/g, ' ')} ${st[k] || '∞'}`).join(' · ') : undefined],
	], { id: 'server-dl' }));
}

function loadBar(ratio) {
	const pct = Math.max(0, Math.min(1, ratio ?? 0)) * 100;
	return el('span', { class: `load ${pct >= 80 ? 'hot' : pct >= 50 ? 'warm' : ''}` }, el('span', { style: `width:${pct}%` }));
}

function renderLoops() {
	fill('loops', table([
		{ label: 'Loop', cell: (l) => l.id },
		{ label: 'Thread', cell: (l) => el('span', { class: 'mono' }, `${l.thread} (${l.tid})`) },
		{ label: 'Handles', class: 'num', cell: (l) => fmtNumber(l.handles) },
		{ label: 'Load', cell: (l) => [loadBar(l.load), fmtPercent(l.load, 0)] },
		{ label: 'Lag', class: 'num', cell: (l) => fmtMs(l.lag_ms) },
	], state.loops ?? [], { empty: 'no event loops' }));
}

function moduleList(title, modules) {
	const entries = Object.entries(modules ?? {});
	return el('div', {}, el('h3', {}, `${title} (${entries.length})`), el('ul', {}, entries.map(([pkg, m]) =>
		el('li', {}, el('strong', {}, pkg), ' ', el('span', { class: 'muted' }, m.version_string ?? ''), el('br'),
			el('span', { class: 'muted' }, m.description ?? '')))));
}

function renderModules() {
	const info = state.info ?? {};
	fill('modules', moduleList('Plugins', info.plugins), moduleList('Transports', info.transports),
		moduleList('Event handlers', info.events));
}

/* ---- settings: log level, session timeout, new sessions, tokens ---- */

function settingsStatus(text, kind = 'ok') {
	$('settings-status').textContent = text;
	$('settings-status').className = `status ${kind}`;
}

async function settingsAction(source, fn, done) {
	try {
		await fn();
		clear(source);
		settingsStatus(done);
	} catch (err) {
		report(source, err);
		settingsStatus(err.message, 'error');
	}
	await tick();
}

async function refreshSettings() {
	const st = state.status ?? {};
	$('log-level-now').textContent = st.log_level !== undefined ? `now ${st.log_level} (${st.log_level_name})` : '';
	// a value the user changed and has not set yet stays as it is
	if (!$('log-level').dataset.edited && st.log_level !== undefined) $('log-level').value = String(st.log_level);
	if (!$('session-timeout').dataset.edited && document.activeElement !== $('session-timeout') &&
	    st.session_timeout !== undefined)
		$('session-timeout').value = String(st.session_timeout);
	$('accepting').textContent = st.accepting_new_sessions ? 'accepted' : 'refused (create answers 472)';
	$('accepting-toggle').textContent = st.accepting_new_sessions ? 'Refuse new sessions' : 'Accept new sessions';
	if (!st.token_auth) {
		fill('tokens', el('p', { class: 'note' }, 'Stored-token authentication is off ([auth] token_auth in parley.conf): ',
			'add_token, list_tokens and remove_token answer with an error until it is on.'));
		clear('list_tokens');
		return;
	}
	const reply = await attempt('list_tokens', () => admin.request('list_tokens'));
	if (!reply) return;
	const plugins = Object.keys(state.info?.plugins ?? {});
	const tokenInput = el('input', { type: 'text', id: 'token-new', placeholder: 'new token' });
	const choices = plugins.map((p) => el('label', { class: 'small' }, el('input', { type: 'checkbox', value: p }), ` ${p}`));
	fill('tokens',
		table([
			{ label: 'Token', cell: (t) => el('span', { class: 'mono' }, t.token) },
			{ label: 'Plugins', cell: (t) => (t.allowed_plugins ?? t.plugins ?? []).join(', ') || 'all' },
			{ label: '', cell: (t) => confirmButton('Remove', () => settingsAction('remove_token',
				() => admin.request('remove_token', { token: t.token }), `Token ${t.token} removed.`), { key: `token:${t.token}` }) },
		], reply.data?.tokens ?? [], { empty: 'no stored tokens' }),
		el('form', { class: 'row', id: 'token-form', onsubmit: (e) => {
			e.preventDefault();
			const token = tokenInput.value.trim();
			if (!token) { settingsStatus('Enter a token.', 'error'); return; }
			const chosen = choices.map((c) => c.firstChild).filter((c) => c.checked).map((c) => c.value);
			settingsAction('add_token', () => admin.request('add_token', chosen.length ? { token, plugins: chosen } : { token }),
				`Token ${token} added.`);
		} }, tokenInput, choices, el('button', { type: 'submit' }, 'Add token')),
		el('p', { class: 'muted small' }, 'No plugin ticked: the token may attach to every plugin.'));
}

/* ---- wiring ---- */

function start() {
	const stored = (() => {
		try { return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null'); } catch { return null; }
	})();
	const interval = Number.parseInt(params.get('interval') ?? '', 10);
	if (interval >= 2 && interval <= 60) {
		state.intervalS = interval;
		const select = $('interval');
		if (![...select.options].some((o) => o.value === String(interval)))
			select.append(el('option', { value: String(interval) }, `${interval} s`));
		select.value = String(interval);
	}
	$('server').value = params.get('server') || stored?.server || window.location.origin;
	$('login-form').addEventListener('submit', (e) => {
		e.preventDefault();
		login($('server').value, $('secret').value);
	});
	$('logout').addEventListener('click', logout);
	for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
	$('interval').addEventListener('change', () => {
		state.intervalS = Number($('interval').value);
		schedule();
	});
	$('pause').addEventListener('click', () => {
		state.paused = !state.paused;
		$('pause').textContent = state.paused ? 'Resume' : 'Pause';
		$('pause').classList.toggle('paused', state.paused);
		if (state.paused) clearTimeout(timer);
		else tick();
	});
	$('refresh').addEventListener('click', () => tick());
	$('log-level').addEventListener('change', () => { $('log-level').dataset.edited = '1'; });
	$('session-timeout').addEventListener('input', () => { $('session-timeout').dataset.edited = '1'; });
	$('log-level-set').addEventListener('click', () => {
		delete $('log-level').dataset.edited;
		const level = Number($('log-level').value);
		settingsAction('set_log_level', () => admin.request('set_log_level', { level }), `Log level set to ${level}.`);
	});
	$('session-timeout-set').addEventListener('click', () => {
		delete $('session-timeout').dataset.edited;
		const timeout = Number.parseInt($('session-timeout').value, 10);
		if (!Number.isInteger(timeout) || timeout < 0) { settingsStatus('The timeout is a whole number of seconds.', 'error'); return; }
		settingsAction('set_session_timeout', () => admin.request('set_session_timeout', { timeout }),
			`Session timeout set to ${timeout} s.`);
	});
	$('accepting-toggle').addEventListener('click', () => {
		const accept = !state.status?.accepting_new_sessions;
		settingsAction('accept_new_sessions', () => admin.request('accept_new_sessions', { accept }),
			accept ? 'New sessions are accepted.' : 'New sessions are refused.');
	});
	window.addEventListener('resize', () => { for (const [key, spark] of sparks) spark.draw(rates.series(key)); });
	if (stored?.secret) {
		$('secret').value = stored.secret;
		login($('server').value, stored.secret);
	} else {
		$('secret').focus();
	}
}

start();
