// admin-sessions.js — admin.html's Sessions tab: list_sessions, a
// session's handles (list_handles, and handle_info of each for its plugin
// and PeerConnection state), and one handle's handle_info in full: plugin,
// ICE (state, role, selected pair and candidate types), DTLS (state, role,
// SRTP profile), the connection's history, per-stream statistics, data
// channels and the plugin's own view. Actions: hangup_webrtc,
// detach_handle, destroy_session (two clicks each). Selections are kept by
// id across refreshes; a session or handle that went away says so.
import { confirmButton, dl, el, fill, fmtBytes, fmtDuration, fmtMs, fmtNumber, rawJson, stateBadge, table }
	from './admin-dom.js';

const MAX_SESSIONS_SHOWN = 200;
const MAX_HANDLES_DETAILED = 32;

/** "127.0.0.1:40000 [host]" (Parley) or "… [host,udp]" (Janus) → candidate type. */
function candidateType(text) {
	const m = /\[([a-z]+)/.exec(text ?? '');
	return m ? m[1] : null;
}

/** handle_info's webrtc section in one shape (Janus's "ice" and "dtls" objects, or strings). */
export function webrtcFacts(w) {
	if (!w) return null;
	const ice = w.ice && typeof w.ice === 'object' ? w.ice : { state: w.ice };
	const dtls = w.dtls && typeof w.dtls === 'object' ? w.dtls : { state: w.dtls };
	const pair = typeof ice['selected-pair'] === 'string' ? ice['selected-pair'].split(' <-> ') : [];
	const local = w['selected-local'] ?? pair[0] ?? null;
	const remote = w['selected-remote'] ?? pair[1] ?? null;
	return {
		ice: ice.state ?? null,
		iceRole: w['ice-role'] ?? null,
		local, remote,
		localType: candidateType(local), remoteType: candidateType(remote),
		dtls: dtls['dtls-state'] ?? dtls.state ?? null,
		dtlsRole: w['dtls-role'] ?? dtls['dtls-role'] ?? null,
		srtp: w['srtp-profile'] ?? dtls['srtp-profile'] ?? null,
		connection: w.connection?.state ?? null,
		history: w.connection ?? null,
		streams: Array.isArray(w.streams) ? w.streams : [],
		data: w.data ?? null,
		lite: w['ice-lite'] ?? null,
	};
}

const secondsBetween = (later, earlier) =>
	typeof later === 'number' && typeof earlier === 'number' ? (later - earlier) / 1e6 : null;

export function createSessionsView(ctx) {
	let sessions = [];
	let session = null;        // selected session id
	let handles = [];          // [{id, info|null}]
	let handle = null;         // selected handle id
	let gone = null;           // a note when the selection went away
	const open = new Set();    // <details> kept open across refreshes

	async function refresh() {
		const r = await ctx.attempt('list_sessions', () => ctx.admin.request('list_sessions'));
		if (r) sessions = (r.sessions ?? []).slice().sort((a, b) => a - b);
		if (session !== null && r && !sessions.includes(session)) {
			gone = `Session ${session} is gone.`;
			session = handle = null;
			handles = [];
			ctx.clear('list_handles');
		}
		if (session !== null) await refreshHandles();
		render();
	}

	async function refreshHandles() {
		const asked = session;
		const lh = await ctx.attempt('list_handles', () => ctx.admin.request('list_handles', {}, { session: asked }));
		if (!lh || session !== asked) return;
		const ids = (lh.handles ?? []).slice().sort((a, b) => a - b);
		const detailed = ids.slice(0, MAX_HANDLES_DETAILED);
		let failed = null;
		const infos = await Promise.all(detailed.map((id) => ctx.admin.request('handle_info', {}, { session: asked, handle: id })
			.then((reply) => reply.info, (err) => {
				if (err.code !== 459) failed = err; // 459: detached meanwhile
				return null;
			})));
		if (failed) ctx.report('handle_info', failed);
		else ctx.clear('handle_info');
		if (session !== asked) return; // another session was picked meanwhile
		handles = ids.map((id, i) => ({ id, info: infos[i] ?? null }));
		if (handle !== null && !ids.includes(handle)) {
			gone = `Handle ${handle} is gone.`;
			handle = null;
		}
	}

	function select(which, id) {
		gone = null;
		if (which === 'session') {
			session = id;
			handle = null;
			handles = [];
		} else {
			handle = id;
		}
		render();
		ctx.refreshSoon();
	}

	async function act(verb, ids, after) {
		try {
			await ctx.admin.request(verb, {}, ids);
			ctx.clear(verb);
			after?.();
		} catch (err) {
			ctx.report(verb, err);
		}
		await ctx.refreshSoon();
	}

	function render() {
		const filter = document.getElementById('sessions-filter').value.trim();
		const shown = sessions.filter((id) => !filter || String(id).includes(filter));
		fill('sessions-count', `(${sessions.length})`);
		fill('sessions', table([
			{ label: 'Session', cell: (id) => el('span', { class: 'mono' }, id) },
		], shown.slice(0, MAX_SESSIONS_SHOWN), {
			empty: filter ? 'no session matches' : 'no sessions',
			rowAttrs: (id) => ({ class: `pick${id === session ? ' selected' : ''}`, id: `session-${id}`,
				onclick: () => select('session', id) }),
		}), shown.length > MAX_SESSIONS_SHOWN ? el('p', { class: 'muted small' },
			`and ${shown.length - MAX_SESSIONS_SHOWN} more: filter by id`) : null);
		renderHandles();
		renderHandle();
	}

	function renderHandles() {
		fill('handles-of', session !== null ? `of session ${session}` : '');
		if (session === null) {
			fill('handles', el('p', { class: 'muted' }, gone ?? 'Pick a session.'));
			return;
		}
		fill('handles',
			el('div', { class: 'actions' }, confirmButton('Destroy session', () => act('destroy_session', { session },
				() => { session = handle = null; handles = []; }), { id: 'destroy-session', key: `destroy:${session}` })),
			table([
				{ label: 'Handle', cell: (h) => el('span', { class: 'mono' }, h.id) },
				{ label: 'Plugin', cell: (h) => h.info?.plugin ?? '–' },
				{ label: 'Opaque id', cell: (h) => h.info?.opaque_id ?? '' },
				{ label: 'PeerConnection', cell: (h) => stateBadge(webrtcFacts(h.info?.webrtc)?.connection ?? 'none') },
				{ label: 'ICE', cell: (h) => stateBadge(webrtcFacts(h.info?.webrtc)?.ice ?? '–') },
				{ label: 'DTLS', cell: (h) => stateBadge(webrtcFacts(h.info?.webrtc)?.dtls ?? '–') },
			], handles, {
				empty: 'no handles',
				rowAttrs: (h) => ({ class: `pick${h.id === handle ? ' selected' : ''}`, id: `handle-${h.id}`,
					onclick: () => select('handle', h.id) }),
			}),
			handles.length > MAX_HANDLES_DETAILED ? el('p', { class: 'muted small' },
				`Details of the first ${MAX_HANDLES_DETAILED} handles only.`) : null);
	}

	function details(name, ...content) {
		const d = el('details', { open: open.has(name) }, el('summary', {}, name), ...content);
		d.addEventListener('toggle', () => (d.open ? open.add(name) : open.delete(name)));
		return d;
	}

	function renderHandle() {
		fill('handle-of', handle !== null ? String(handle) : '');
		const h = handles.find((x) => x.id === handle);
		if (handle === null || !h) {
			fill('handle-info', el('p', { class: 'muted' }, handle === null && gone?.startsWith('Handle') ? gone : 'Pick a handle.'));
			return;
		}
		const info = h.info;
		if (!info) {
			fill('handle-info', el('p', { class: 'muted' }, 'handle_info gave nothing for this handle (see the errors above).'));
			return;
		}
		const w = webrtcFacts(info.webrtc);
		const ids = { session, handle };
		fill('handle-info',
			el('div', { class: 'actions' },
				w ? confirmButton('Hang up PeerConnection', () => act('hangup_webrtc', ids), { id: 'hangup', key: `hangup:${handle}` }) : null,
				confirmButton('Detach handle', () => act('detach_handle', ids, () => { handle = null; }), { id: 'detach', key: `detach:${handle}` })),
			dl([
				['Plugin', info.plugin],
				['Opaque id', info.opaque_id ?? '–'],
				['Age', fmtDuration(secondsBetween(info.current_time, info.created))],
				['Session idle', fmtDuration(secondsBetween(info.current_time, info.session_last_activity))],
				['Event loop', info['loop-id'] ?? '–'],
				['PeerConnection active', stateBadge(info['pc-active'] ? 'yes' : 'no')],
				['Trickles waiting', info['pending-trickles'] ?? '–'],
			], { id: 'handle-general' }),
			w ? webrtcSection(w) : el('p', { class: 'note', id: 'handle-webrtc' }, 'No PeerConnection on this handle.'),
			pluginSection(info.plugin_specific),
			details('handle_info as JSON', rawJson(info)));
	}

	function webrtcSection(w) {
		const pair = (text, type) => (text ? [el('span', { class: 'mono' }, text), ' ', type ? stateBadge(type) : null] : '–');
		return el('div', { id: 'handle-webrtc' },
			el('h3', {}, 'WebRTC'),
			dl([
				['Connection', stateBadge(w.connection ?? '–')],
				['ICE', stateBadge(w.ice ?? '–')],
				['ICE role', w.iceRole ?? '–'],
				['Selected local', pair(w.local, w.localType)],
				['Selected remote', pair(w.remote, w.remoteType)],
				['DTLS', stateBadge(w.dtls ?? '–')],
				['DTLS role', w.dtlsRole ?? '–'],
				['SRTP profile', w.srtp ?? '–'],
				['Disconnects / recoveries', w.history ? `${w.history.disconnects ?? 0} / ${w.history.recoveries ?? 0}` : undefined],
				['ICE restarts', w.history?.['ice-restarts']],
				['Data channels', w.data ? (w.data.up ? 'up' : 'negotiated, not up') : undefined],
			], { id: 'webrtc-dl' }),
			el('h3', {}, `Streams (${w.streams.length})`),
			table([
				{ label: 'mid', cell: (s) => s.mid },
				{ label: 'Kind', cell: (s) => s.type },
				{ label: 'Packets in', class: 'num', cell: (s) => fmtNumber(s['packets-in']) },
				{ label: 'Bytes in', class: 'num', cell: (s) => fmtBytes(s['bytes-in']) },
				{ label: 'Packets out', class: 'num', cell: (s) => fmtNumber(s['packets-out']) },
				{ label: 'Bytes out', class: 'num', cell: (s) => fmtBytes(s['bytes-out']) },
				{ label: 'Lost', class: 'num', cell: (s) => fmtNumber(s.lost) },
				{ label: 'Jitter', class: 'num', cell: (s) => fmtMs(s['jitter-ms']) },
				{ label: 'RTT', class: 'num', cell: (s) => fmtMs(s['rtt-ms']) },
				{ label: 'NACK in/out', class: 'num', cell: (s) => `${s['nacks-in'] ?? 0} / ${s['nacks-out'] ?? 0}` },
				{ label: 'PLI in/out', class: 'num', cell: (s) => `${s['plis-in'] ?? 0} / ${s['plis-out'] ?? 0}` },
				{ label: 'Receiving', cell: (s) => stateBadge(s.receiving ? 'yes' : 'no') },
			], w.streams, { empty: 'no active streams' }));
	}

	function pluginSection(specific) {
		if (!specific || typeof specific !== 'object' || !Object.keys(specific).length)
			return el('p', { class: 'muted small' }, 'The plugin says nothing about this handle.');
		const scalars = Object.entries(specific).filter(([, v]) => v === null || typeof v !== 'object');
		return el('div', {}, el('h3', {}, 'Plugin'),
			scalars.length ? dl(scalars.map(([k, v]) => [k, String(v)])) : null,
			details('plugin_specific as JSON', rawJson(specific)));
	}

	document.getElementById('sessions-filter').addEventListener('input', render);

	return {
		refresh,
		reset() {
			sessions = [];
			session = handle = null;
			handles = [];
			gone = null;
		},
	};
}
