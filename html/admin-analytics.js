// admin-analytics.js — admin.html's Analytics tab: parley.handler.analytics
// through the admin API's query_eventhandler. The summary (live rooms,
// participants and PeerConnections; figures since start by kind; failure
// reasons; the store and the event sinks) every refresh; the hourly or
// daily series (drawn as bars) and the live and finished rooms every 15 s
// or when asked; one room or meeting, and one participant, looked up by
// id. Without the handler the tab says it is not loaded and asks nothing.
import { drawBars } from './admin-charts.js';
import { $, dl, el, fill, fmtBits, fmtBytes, fmtDuration, fmtMs, fmtNumber, fmtPercent, fmtTime, plural, stateBadge, table }
	from './admin-dom.js';

export const ANALYTICS = 'parley.handler.analytics';
const SLOW_EVERY_MS = 15000;

/** Figures of a rollup worth a row (key, label, format). */
const ROLLUP_ROWS = [
	['rooms_started', 'Rooms / meetings started', fmtNumber],
	['participants_joined', 'Participants joined', fmtNumber],
	['peak_participants', 'Most participants at once', fmtNumber],
	['pcs_connected', 'PeerConnections connected', fmtNumber],
	['pcs_failed', 'PeerConnections failed', fmtNumber],
	['success_ratio', 'Connection success', (v) => fmtPercent(v)],
	['turn_share', 'Relayed (TURN)', (v) => fmtPercent(v)],
	['avg_connect_ms', 'Time to connect (avg)', fmtMs],
	['avg_first_media_ms', 'Time to first media (avg)', fmtMs],
	['avg_room_seconds', 'Room / meeting duration (avg)', fmtDuration],
	['avg_participant_seconds', 'Time in a room (avg)', fmtDuration],
	['avg_rtt_ms', 'RTT (avg)', fmtMs],
	['loss_in_ratio', 'Loss in', (v) => fmtPercent(v, 2)],
	['bytes_in', 'Bytes in', fmtBytes],
	['bytes_out', 'Bytes out', fmtBytes],
	['nacks', 'NACKs', fmtNumber],
	['plis', 'PLIs', fmtNumber],
	['slow_links', 'Slow links', fmtNumber],
];
const KINDS = ['room', 'meeting', 'other', 'all'];

const PARTICIPANT_COLUMNS = [
	{ label: 'Participant', cell: (p) => el('span', { class: 'mono' }, p.participant) },
	{ label: 'Name', cell: (p) => p.name ?? '' },
	{ label: 'Room', cell: (p) => el('span', { class: 'mono' }, p.room ?? '') },
	{ label: 'Outcome', cell: (p) => stateBadge(p.outcome) },
	{ label: 'In room', class: 'num', cell: (p) => fmtDuration(p.duration_seconds) },
	{ label: 'Connect', class: 'num', cell: (p) => fmtMs(p.time_to_connect_ms) },
	{ label: 'First media', class: 'num', cell: (p) => fmtMs(p.time_to_media_ms) },
	{ label: 'Bitrate in / out', class: 'num', cell: (p) => `${fmtBits(p.bitrate_in)} / ${fmtBits(p.bitrate_out)}` },
	{ label: 'Bytes in / out', class: 'num', cell: (p) => `${fmtBytes(p.bytes_in)} / ${fmtBytes(p.bytes_out)}` },
	{ label: 'Loss', class: 'num', cell: (p) => fmtPercent(p.loss_in_ratio, 2) },
	{ label: 'RTT', class: 'num', cell: (p) => fmtMs(p.rtt_ms) },
	{ label: 'TURN', cell: (p) => stateBadge(p.relay ? 'yes' : 'no') },
	{ label: 'Reason', cell: (p) => p.failure_reason ?? p.reason ?? '' },
];

export function createAnalyticsView(ctx) {
	const st = ctx.state.analytics = { summary: null, series: null, rooms: null, room: null, participant: null };
	let slowAt = 0;
	let roomQuery = null;        // {room, plugin?}
	let participantQuery = null; // {participant}

	const ask = (source, request) => ctx.attempt(source, () => ctx.admin.handler(ANALYTICS, request));

	async function refresh() {
		const loaded = ctx.hasHandler(ANALYTICS);
		$('analytics-off').classList.toggle('hidden', loaded);
		$('analytics-on').classList.toggle('hidden', !loaded);
		if (!loaded) {
			fill('analytics-off', el('h2', {}, 'Analytics'), el('p', { class: 'note', id: 'analytics-not-loaded' },
				`${ANALYTICS} is not loaded on this server, so there are no analytics to show. It loads from `,
				el('code', {}, 'handlers_folder'), ' unless ', el('code', {}, '[handlers] disable'),
				' in parley.conf names it; see handlers/analytics/README.md.'));
			return;
		}
		const jobs = [ask('analytics summary', { request: 'summary' }).then((s) => { if (s) st.summary = s; })];
		if (Date.now() - slowAt >= SLOW_EVERY_MS) {
			slowAt = Date.now();
			jobs.push(loadSeries(), ask('analytics rooms', { request: 'rooms', limit: 50 }).then((r) => { if (r) st.rooms = r; }));
		}
		// an answer to a query replaced meanwhile is dropped
		const rq = roomQuery, pq = participantQuery;
		if (rq) jobs.push(ask('analytics room', { request: 'room', ...rq }).then((r) => { if (r && rq === roomQuery) st.room = r; }));
		if (pq)
			jobs.push(ask('analytics participant', { request: 'participant', ...pq })
				.then((r) => { if (r && pq === participantQuery) st.participant = r; }));
		await Promise.all(jobs);
		render();
	}

	async function loadSeries() {
		const r = await ask('analytics series', { request: 'series', period: $('series-period').value, kind: $('series-kind').value });
		if (r) st.series = r;
	}

	function render() {
		renderSummary();
		renderSeries();
		renderRoom();
		renderParticipant();
	}

	function renderSummary() {
		const s = st.summary;
		if (!s) {
			fill('analytics-summary', el('p', { class: 'muted' }, 'Reading…'));
			return;
		}
		const live = s.live ?? {};
		const since = s.since_start ?? {};
		const reasons = Object.entries(s.failure_reasons ?? {});
		fill('analytics-summary',
			el('div', { class: 'tiles' },
				el('div', { class: 'tile-count', id: 'an-live-rooms' }, el('span', { class: 'n' }, fmtNumber(live.rooms?.room)),
					el('span', { class: 'what' }, 'rooms live'), el('span', { class: 'more' }, plural(live.participants?.room, 'participant'))),
				el('div', { class: 'tile-count', id: 'an-live-meetings' }, el('span', { class: 'n' }, fmtNumber(live.rooms?.meeting)),
					el('span', { class: 'what' }, 'meetings live'), el('span', { class: 'more' }, plural(live.participants?.meeting, 'participant'))),
				el('div', { class: 'tile-count', id: 'an-live-pcs' }, el('span', { class: 'n' }, fmtNumber(live.peerconnections?.connected)),
					el('span', { class: 'what' }, 'PeerConnections up'),
					el('span', { class: 'more' }, `${fmtNumber(live.peerconnections?.new)} new · ${fmtNumber(live.peerconnections?.disconnected)} disconnected`)),
				el('div', { class: 'tile-count', id: 'an-success' }, el('span', { class: 'n' }, fmtPercent(since.all?.success_ratio, 0)),
					el('span', { class: 'what' }, 'connection success'), el('span', { class: 'more' }, `TURN ${fmtPercent(since.all?.turn_share)}`))),
			table([{ label: 'Since start', cell: (r) => r[1] },
				...KINDS.map((k) => ({ label: k, class: 'num', cell: (r) => r[2](since[k]?.[r[0]]) }))],
			ROLLUP_ROWS, { rowAttrs: (r) => ({ id: `an-row-${r[0]}` }) }),
			el('div', { class: 'grid2' },
				el('div', {}, el('h3', {}, 'Failure reasons'), table([
					{ label: 'Reason', cell: (r) => r[0] },
					{ label: 'PeerConnections', class: 'num', cell: (r) => fmtNumber(r[1]) },
				], reasons, { empty: 'no failed connection' })),
				el('div', {}, el('h3', {}, 'Store'), dl([
					['SQLite', el('span', { class: 'mono small' }, s.store?.path ?? '–')],
					['Writes / failed', `${fmtNumber(s.store?.flushes)} / ${fmtNumber(s.store?.flush_errors)}`],
					['Records waiting / dropped', `${fmtNumber(s.store?.records_waiting)} / ${fmtNumber(s.store?.records_dropped)}`],
					['Running since', fmtTime(s.started_at)],
					['Events not understood / untracked', `${fmtNumber(s.events?.not_understood)} / ${fmtNumber(s.events?.untracked)}`],
				]))),
			el('h3', {}, 'Event sinks'),
			table([
				{ label: 'Sink', cell: (k) => k.sink },
				{ label: 'Delivered', class: 'num', cell: (k) => fmtNumber(k.delivered) },
				{ label: 'Queued', class: 'num', cell: (k) => `${fmtNumber(k.depth)} / ${fmtNumber(k.capacity)}` },
				{ label: 'Dropped', class: 'num', cell: (k) => fmtNumber(k.dropped) },
				{ label: 'Refused', class: 'num', cell: (k) => fmtNumber(k.rejected) },
				{ label: 'Failures', class: 'num', cell: (k) => fmtNumber(k.failures) },
				{ label: 'Last error', cell: (k) => k.last_error ?? '' },
			], s.sinks ?? [], { empty: 'no webhook or Redis stream configured' }),
			liveRooms());
	}

	function liveRooms() {
		const r = st.rooms;
		if (!r) return null;
		const pick = (x) => ({ class: 'pick', onclick: () => lookupRoom({ room: x.room, plugin: x.plugin }) });
		return el('div', { class: 'grid2' },
			el('div', {}, el('h3', {}, 'Live rooms and meetings'), table([
				{ label: 'Room', cell: (x) => el('span', { class: 'mono' }, x.room) },
				{ label: 'Kind', cell: (x) => x.kind },
				{ label: 'Participants', class: 'num', cell: (x) => fmtNumber(x.participants) },
				{ label: 'For', class: 'num', cell: (x) => fmtDuration(x.duration_seconds) },
			], r.live ?? [], { empty: 'none', rowAttrs: pick })),
			el('div', {}, el('h3', {}, 'Finished lately'), table([
				{ label: 'Room', cell: (x) => el('span', { class: 'mono' }, x.room) },
				{ label: 'Kind', cell: (x) => x.kind },
				{ label: 'Ended', cell: (x) => fmtTime(x.ended_at) },
				{ label: 'Lasted', class: 'num', cell: (x) => fmtDuration(x.duration_seconds) },
				{ label: 'Peak', class: 'num', cell: (x) => fmtNumber(x.peak_participants) },
			], (r.finished ?? []).slice(0, 10), { empty: 'none', rowAttrs: pick })));
	}

	/** The answer's points on every period from `from` to `to`, the
	 * missing ones (nothing happened) as zeros: a timeline. */
	function timeline(s) {
		if (!s) return [];
		const step = s.period === 'day' ? 86400 : 3600;
		const byStart = new Map((s.points ?? []).map((p) => [p.start, p]));
		const out = [];
		for (let t = s.from; t <= s.to && out.length < 2000; t += step) out.push(byStart.get(t) ?? { start: t });
		return out;
	}

	function renderSeries() {
		const s = st.series;
		const key = $('series-key').value;
		const points = timeline(s);
		const label = (p) => {
			const d = new Date(p.start * 1000);
			const day = d.toLocaleDateString('en-CA');
			return s?.period === 'day' ? day : `${day.slice(5)} ${String(d.getHours()).padStart(2, '0')}:00`;
		};
		const format = key.startsWith('bytes') ? fmtBytes : key === 'participant_seconds' ? fmtDuration : fmtNumber;
		drawBars($('series-chart'), points, key, { label, format });
		const shown = points.filter((p) => p.rooms_started || p.participants_joined || p.pcs_connected || p.pcs_failed).slice(-12);
		fill('series-table', table([
			{ label: s?.period === 'day' ? 'Day' : 'Hour', cell: (p) => fmtTime(p.start) },
			{ label: 'Started', class: 'num', cell: (p) => fmtNumber(p.rooms_started) },
			{ label: 'Joined', class: 'num', cell: (p) => fmtNumber(p.participants_joined) },
			{ label: 'Connected / failed', class: 'num', cell: (p) => `${fmtNumber(p.pcs_connected)} / ${fmtNumber(p.pcs_failed)}` },
			{ label: 'Success', class: 'num', cell: (p) => fmtPercent(p.success_ratio) },
			{ label: 'Connect (avg)', class: 'num', cell: (p) => fmtMs(p.avg_connect_ms) },
			{ label: 'Bytes in / out', class: 'num', cell: (p) => `${fmtBytes(p.bytes_in)} / ${fmtBytes(p.bytes_out)}` },
		], shown, { empty: s ? 'no activity in this period' : 'reading…', caption: 'Periods with activity (latest 12)' }));
	}

	function roomFigures(r) {
		return dl([
			['Kind', `${r.kind} (${r.plugin})`],
			['Started', fmtTime(r.started_at)],
			['Ended', r.ended_at ? `${fmtTime(r.ended_at)} (${r.reason ?? ''})` : undefined],
			['Duration', fmtDuration(r.duration_seconds)],
			['Participants now / peak / distinct', `${fmtNumber(r.participants)} / ${fmtNumber(r.peak_participants)} / ${fmtNumber(r.distinct_participants)}`],
			['Joins / leaves', `${fmtNumber(r.joins)} / ${fmtNumber(r.leaves)}`],
			['PeerConnections connected / failed / relayed', `${fmtNumber(r.pcs_connected)} / ${fmtNumber(r.pcs_failed)} / ${fmtNumber(r.pcs_relay)}`],
			['Connection success', fmtPercent(r.success_ratio)],
			['Time to connect / first media (avg)', `${fmtMs(r.avg_time_to_connect_ms)} / ${fmtMs(r.avg_time_to_media_ms)}`],
			['Bitrate in / out', `${fmtBits(r.bitrate_in)} / ${fmtBits(r.bitrate_out)}`],
			['Tracks live / published', `${fmtNumber(r.tracks_live)} / ${fmtNumber(r.tracks_published)}`],
		], { class: 'stats', id: 'an-room-dl' });
	}

	function renderRoom() {
		const r = st.room;
		if (!roomQuery) return;
		if (!r) {
			fill('an-room-out', el('p', { class: 'muted' }, 'Reading…'));
			return;
		}
		if (!r.found) {
			fill('an-room-out', el('p', { class: 'note' }, `The handler knows no room or meeting "${r.room}".`));
			return;
		}
		const pick = (p) => ({ class: 'pick', onclick: () => lookupParticipant(p.participant) });
		fill('an-room-out',
			r.live ? [el('h3', {}, 'Live'), roomFigures(r.live),
				table(PARTICIPANT_COLUMNS, r.live.present ?? [], { empty: 'nobody present', caption: 'Present', rowAttrs: pick })]
				: el('p', { class: 'muted' }, 'Not in progress.'),
			table(PARTICIPANT_COLUMNS, (r.left ?? []).slice(0, 50), { empty: 'nobody left yet', caption: 'Left', rowAttrs: pick }),
			(r.history ?? []).length ? [el('h3', {}, 'Finished'), r.history.slice(0, 3).map(roomFigures)] : null);
	}

	function renderParticipant() {
		const r = st.participant;
		if (!participantQuery) return;
		if (!r) {
			fill('an-participant-out', el('p', { class: 'muted' }, 'Reading…'));
			return;
		}
		if (!r.found) {
			fill('an-participant-out', el('p', { class: 'note' }, `The handler knows no participant "${r.participant}".`));
			return;
		}
		fill('an-participant-out',
			table(PARTICIPANT_COLUMNS, r.live ?? [], { empty: 'in no room now', caption: 'Live' }),
			table(PARTICIPANT_COLUMNS, r.history ?? [], { empty: 'no finished stay', caption: 'Earlier' }));
	}

	function lookupRoom(q) {
		roomQuery = q.plugin ? { room: q.room, plugin: q.plugin } : { room: q.room };
		st.room = null;
		$('an-room').value = q.room;
		$('an-room-plugin').value = q.plugin ?? '';
		renderRoom();
		ctx.refreshSoon();
	}

	function lookupParticipant(id) {
		participantQuery = { participant: id };
		st.participant = null;
		$('an-participant').value = id;
		renderParticipant();
		ctx.refreshSoon();
	}

	$('an-room-form').addEventListener('submit', (e) => {
		e.preventDefault();
		const room = $('an-room').value.trim();
		if (room) lookupRoom({ room, plugin: $('an-room-plugin').value || null });
	});
	$('an-participant-form').addEventListener('submit', (e) => {
		e.preventDefault();
		const id = $('an-participant').value.trim();
		if (id) lookupParticipant(id);
	});
	for (const id of ['series-period', 'series-kind'])
		$(id).addEventListener('change', async () => {
			await loadSeries();
			renderSeries();
		});
	$('series-key').addEventListener('change', renderSeries);
	window.addEventListener('resize', () => { if (ctx.state.tab === 'analytics') renderSeries(); });

	return {
		refresh,
		lookupRoom,
		reset() {
			Object.assign(st, { summary: null, series: null, rooms: null, room: null, participant: null });
			roomQuery = participantQuery = null;
			slowAt = 0;
		},
	};
}
