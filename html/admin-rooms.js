// admin-rooms.js — admin.html's Rooms and Meetings tabs, through the admin
// API's message_plugin. Rooms (parley.plugin.room): its `list` (read each
// refresh by admin.js for the counts) and one room's `info`: peers with
// their producers and consumers, WHEP viewers, the room's bitrates; kick,
// mute/unmute a peer's audio, destroy the room. Meetings
// (parley.plugin.meeting): its `list` and one meeting's `info`: joined and
// waiting participants, the counters; mute, remove, end. A module that is
// not loaded is said so. Actions take two clicks.
import { confirmButton, dl, el, fill, fmtBits, fmtDuration, fmtNumber, fmtPercent, fmtTime, plural, rawJson, stateBadge, table }
	from './admin-dom.js';

const ROOM = 'parley.plugin.room';
const MEETING = 'parley.plugin.meeting';

const compact = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const nameOf = (metadata) => metadata?.displayName ?? metadata?.name ?? metadata?.userName ?? '';

/** A meeting's settings in words. */
function settingsText(st = {}) {
	const yes = (v) => (v ? 'yes' : 'no');
	return [`at most ${st.maxParticipants ?? '?'}`, `chat ${yes(st.isChatEnabled)}`,
		`screen share ${yes(st.isScreenShareEnabled)}`, `approval ${yes(st.requireApproval)}`,
		`recording ${yes(st.isRecordingEnabled)}`,
		`domains ${st.allowedDomains?.length ? st.allowedDomains.join(', ') : 'any'}`].join(' · ');
}

/** The parts both tabs share: a selected id, its info, an action runner. */
function detailState(ctx, plugin, noun) {
	const s = { selected: null, info: null, gone: null };
	s.load = async () => {
		const id = s.selected;
		if (id === null) return;
		try {
			const info = await ctx.admin.plugin(plugin, { request: 'info', roomId: id });
			if (s.selected === id) s.info = info; // else another was picked meanwhile
			ctx.clear(`${noun} info`);
		} catch (err) {
			if (s.selected !== id) return;
			if (err.code === 404) {
				s.gone = `${noun[0].toUpperCase()}${noun.slice(1)} ${id} is gone.`;
				s.selected = s.info = null;
				ctx.clear(`${noun} info`);
			} else {
				ctx.report(`${noun} info`, err);
			}
		}
	};
	s.act = async (request, fields, done) => {
		try {
			await ctx.admin.plugin(plugin, { request, ...fields });
			ctx.clear(`${noun} ${request}`);
			done?.();
		} catch (err) {
			ctx.report(`${noun} ${request}`, err);
		}
		await ctx.refreshSoon();
	};
	// a row picked: its info is fetched at once
	s.select = (id, render) => {
		s.selected = id;
		s.info = s.gone = null;
		render();
		ctx.refreshSoon();
	};
	// the list (element `listId`) and the picked one's info, or a note
	s.refresh = async (listId, render) => {
		if (!ctx.hasPlugin(plugin)) {
			notLoaded(listId, plugin);
			fill(`${noun}-info`);
			return;
		}
		await s.load();
		render();
	};
	return s;
}

function notLoaded(id, plugin) {
	fill(id, el('p', { class: 'note' }, `${plugin} is not loaded on this server.`));
}

export function createRoomsView(ctx) {
	const d = detailState(ctx, ROOM, 'room');

	const select = (id) => d.select(id, render);
	const refresh = () => d.refresh('rooms', render);

	function render() {
		const list = ctx.state.rooms?.rooms ?? [];
		fill('rooms', table([
			{ label: 'Room', cell: (r) => el('span', { class: 'mono' }, r.roomId) },
			{ label: 'Peers', class: 'num', cell: (r) => `${r.peerCount} / ${r.maxParticipants}` },
			{ label: 'Metadata', cell: (r) => el('span', { class: 'small muted' }, compact(r.metadata)) },
		], list, {
			empty: ctx.state.rooms ? 'no rooms' : 'not read yet',
			rowAttrs: (r) => ({ class: `pick${r.roomId === d.selected ? ' selected' : ''}`, id: `room-${r.roomId}`,
				onclick: () => select(r.roomId) }),
		}), ctx.state.rooms ? el('p', { class: 'muted small' },
			`${plural(ctx.state.rooms.roomCount, 'room')}, ${plural(ctx.state.rooms.peerCount, 'participant')}, `,
			`${fmtNumber(ctx.state.rooms.packetsForwarded)} packets forwarded since start`) : null);
		fill('room-of', d.selected ?? '');
		if (!d.info) {
			fill('room-info', el('p', { class: 'muted' }, d.gone ?? (d.selected ? 'Reading…' : 'Pick a room.')));
			return;
		}
		const room = d.info;
		const peers = room.peers ?? [];
		const producers = peers.flatMap((p) => (p.producers ?? []).map((x) => ({ ...x, peer: p })));
		const consumers = peers.flatMap((p) => (p.consumers ?? []).map((x) => ({ ...x, peer: p })));
		fill('room-info',
			el('div', { class: 'actions' },
				confirmButton('Destroy room', () => d.act('destroy', { roomId: room.roomId }, () => { d.selected = d.info = null; }),
					{ id: 'room-destroy', key: `room-destroy:${room.roomId}` }),
				el('button', { type: 'button', onclick: () => ctx.showAnalytics({ room: room.roomId, plugin: ROOM }) },
					'Analytics of this room')),
			dl([
				['Participants', `${room.peerCount} / ${room.maxParticipants}`],
				['WHEP viewers', room.viewerCount],
				['Bitrate in / out', room.stats ? `${fmtBits(room.stats.bitrateIn)} / ${fmtBits(room.stats.bitrateOut)}` : undefined],
				['Producers / consumers', room.stats ? `${room.stats.producers} / ${room.stats.consumers}` : undefined],
				['Active speaker', room.activeSpeaker ?? undefined],
				['Metadata', compact(room.metadata) || '–'],
			], { id: 'room-dl' }),
			el('h3', {}, `Participants (${peers.length})`),
			table([
				{ label: 'Peer', cell: (p) => el('span', { class: 'mono' }, p.peerId) },
				{ label: 'Name', cell: (p) => nameOf(p.metadata) },
				{ label: 'Connected', cell: (p) => stateBadge(p.connected ? 'yes' : 'no') },
				{ label: 'PeerConnections up / down', cell: (p) => [stateBadge(p.connection?.publisher?.state ?? '–'), ' ',
					stateBadge(p.connection?.subscriber?.state ?? '–')] },
				{ label: 'In room', cell: (p) => fmtDuration(p.joinedFor) },
				{ label: 'Seen', cell: (p) => (p.lastSeen !== undefined ? `${fmtDuration(p.lastSeen)} ago` : '–') },
				{ label: 'Up / down', class: 'num', cell: (p) => `${(p.producers ?? []).length} / ${(p.consumers ?? []).length}` },
				{ label: '', cell: (p) => el('span', { class: 'row' },
					confirmButton('Kick', () => d.act('kick', { roomId: room.roomId, peerId: p.peerId }),
						{ key: `kick:${room.roomId}:${p.peerId}` }),
					el('button', { type: 'button', onclick: () => d.act('mute', { roomId: room.roomId, peerId: p.peerId }) }, 'Mute'),
					el('button', { type: 'button', onclick: () => d.act('unmute', { roomId: room.roomId, peerId: p.peerId }) }, 'Unmute')) },
			], peers, { empty: 'nobody in this room', rowAttrs: (p) => ({ id: `peer-${p.peerId}` }) }),
			el('h3', {}, `Producers (${producers.length})`),
			table([
				{ label: 'Peer', cell: (x) => el('span', { class: 'mono' }, x.peer.peerId) },
				{ label: 'Kind', cell: (x) => `${x.kind} (${x.metadata?.source ?? '?'})` },
				{ label: 'Codec', cell: (x) => x.codec },
				{ label: 'Paused', cell: (x) => stateBadge(x.paused ? 'yes' : 'no') },
				{ label: 'Bitrate', class: 'num', cell: (x) => fmtBits(x.bitrate) },
				{ label: 'Packets', class: 'num', cell: (x) => fmtNumber(x.packets) },
				{ label: 'Layers', class: 'num', cell: (x) => x.layers },
				{ label: 'PLIs', class: 'num', cell: (x) => fmtNumber(x.plis) },
			], producers, { empty: 'nothing published' }),
			el('h3', {}, `Consumers (${consumers.length})`),
			table([
				{ label: 'Peer', cell: (x) => el('span', { class: 'mono' }, x.peer.peerId) },
				{ label: 'From', cell: (x) => el('span', { class: 'mono' }, x.peerId) },
				{ label: 'Kind', cell: (x) => x.kind },
				{ label: 'Paused', cell: (x) => stateBadge(x.paused ? 'yes' : 'no') },
				{ label: 'Layer', class: 'num', cell: (x) => `${x.layer} (wants ${x.preferredLayer})` },
				{ label: 'Bitrate', class: 'num', cell: (x) => fmtBits(x.bitrate) },
				{ label: 'Loss', class: 'num', cell: (x) => fmtPercent(x.loss) },
				{ label: 'Packets / dropped', class: 'num', cell: (x) => `${fmtNumber(x.packets)} / ${fmtNumber(x.dropped)}` },
			], consumers, { empty: 'nothing received' }),
			el('details', {}, el('summary', {}, 'info as JSON'), rawJson(room)));
	}

	return {
		refresh,
		reset() { d.selected = d.info = d.gone = null; },
	};
}

export function createMeetingsView(ctx) {
	const d = detailState(ctx, MEETING, 'meeting');

	const select = (id) => d.select(id, render);
	const refresh = () => d.refresh('meetings', render);

	function render() {
		const all = ctx.state.meetings;
		fill('meetings', table([
			{ label: 'Meeting', cell: (m) => [el('span', { class: 'mono' }, m.roomId), el('br'), el('span', { class: 'small' }, m.title)] },
			{ label: 'Status', cell: (m) => stateBadge(m.status) },
			{ label: 'In / waiting', class: 'num', cell: (m) => `${m.participantCount} / ${m.waitingCount}` },
			{ label: 'Host', cell: (m) => m.hostName ?? m.hostId },
		], all?.meetings ?? [], {
			empty: all ? 'no meetings in progress or waiting' : 'not read yet',
			rowAttrs: (m) => ({ class: `pick${m.roomId === d.selected ? ' selected' : ''}`, id: `meeting-${m.roomId}`,
				onclick: () => select(m.roomId) }),
		}), all?.truncated ? el('p', { class: 'muted small' }, `${all.meetingCount} meetings; the first 1000 are listed.`) : null);
		fill('meeting-of', d.selected ?? '');
		if (!d.info) {
			fill('meeting-info', el('p', { class: 'muted' }, d.gone ?? (d.selected ? 'Reading…' : 'Pick a meeting.')));
			return;
		}
		const { meeting, participants = [], waiting = [], stats = {} } = d.info;
		const roomId = meeting.roomId;
		fill('meeting-info',
			el('div', { class: 'actions' },
				meeting.status !== 'ended' ? confirmButton('End meeting', () => d.act('end', { roomId }),
					{ id: 'meeting-end', key: `meeting-end:${roomId}` }) : null,
				el('button', { type: 'button', onclick: () => ctx.showAnalytics({ room: roomId, plugin: MEETING }) },
					'Analytics of this meeting')),
			dl([
				['Title', meeting.title],
				['Status', stateBadge(meeting.status)],
				['Host', `${meeting.hostName} (${meeting.hostId})`],
				['Created', fmtTime(meeting.createdAt)],
				['Started', fmtTime(meeting.startedAt)],
				['Expires', fmtTime(meeting.expiresAt)],
				['Duration', fmtDuration(stats.duration)],
				['Participants now / peak / distinct', `${stats.currentParticipants} / ${stats.peakParticipants} / ${stats.totalParticipants}`],
				['Joins / leaves', `${stats.joins} / ${stats.leaves}`],
				['Chat messages', stats.chatMessages],
				['Settings', settingsText(meeting.settings)],
			], { id: 'meeting-dl' }),
			el('p', { class: 'note' }, 'Meetings are mesh calls: media goes from peer to peer and the gateway relays only the ',
				'signaling, so a meeting has no producers or consumers here (its participants\' PeerConnections are ',
				'between their browsers).'),
			el('h3', {}, `Participants (${participants.length})`),
			table([
				{ label: 'User', cell: (p) => el('span', { class: 'mono' }, p.userId) },
				{ label: 'Name', cell: (p) => p.userName },
				{ label: 'Peer', cell: (p) => el('span', { class: 'mono small' }, p.peerId) },
				{ label: 'Audio / video / screen', cell: (p) => [stateBadge(p.isAudioEnabled ? 'yes' : 'no'), ' ',
					stateBadge(p.isVideoEnabled ? 'yes' : 'no'), ' ', stateBadge(p.isScreenSharing ? 'yes' : 'no')] },
				{ label: 'Joined', cell: (p) => fmtTime(p.joinedAt) },
				{ label: '', cell: (p) => el('span', { class: 'row' },
					el('button', { type: 'button', onclick: () => d.act('mute', { roomId, userId: p.userId }) }, 'Mute'),
					confirmButton('Remove', () => d.act('remove', { roomId, userId: p.userId }),
						{ key: `remove:${roomId}:${p.userId}` })) },
			], participants, { empty: 'nobody joined', rowAttrs: (p) => ({ id: `participant-${p.userId}` }) }),
			el('h3', {}, `Waiting for approval (${waiting.length})`),
			table([
				{ label: 'User', cell: (p) => el('span', { class: 'mono' }, p.userId) },
				{ label: 'Name', cell: (p) => p.userName },
				{ label: '', cell: (p) => confirmButton('Reject', () => d.act('remove', { roomId, userId: p.userId }),
					{ key: `reject:${roomId}:${p.userId}` }) },
			], waiting, { empty: 'nobody waiting' }),
			el('details', {}, el('summary', {}, 'info as JSON'), rawJson(d.info)));
	}

	return {
		refresh,
		reset() { d.selected = d.info = d.gone = null; },
	};
}
