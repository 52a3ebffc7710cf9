// admin-chat.js — the chat rooms part of admin.html's Rooms tab:
// parley.plugin.chat (Janus TextRoom's requests) through the admin API's
// message_plugin, which runs them without room secrets. Its `list`
// (private rooms too) and one room's `listparticipants`; kick, mute and
// unmute a participant, destroy the room (two clicks for the endings).
import { confirmButton, el, fill, fmtNumber, table } from './admin-dom.js';

const CHAT = 'parley.plugin.chat';

export function createChatView(ctx) {
	let rooms = null;        // the list answer's rooms
	let selected = null;     // a room id (a number)
	let participants = null; // listparticipants' participants
	let gone = null;

	const ask = (request) => ctx.admin.plugin(CHAT, request);

	async function refresh() {
		if (!ctx.hasPlugin(CHAT)) {
			fill('chatrooms', el('p', { class: 'note' }, `${CHAT} is not loaded on this server.`));
			fill('chatroom-info');
			return;
		}
		await ctx.attempt('chat list', async () => { rooms = (await ask({ request: 'list' })).list ?? []; });
		const asked = selected;
		if (asked !== null) {
			try {
				const list = (await ask({ request: 'listparticipants', room: asked })).participants ?? [];
				if (selected === asked) participants = list;
				ctx.clear('chat listparticipants');
			} catch (err) {
				if (selected !== asked) {
					// another room was picked meanwhile
				} else if (/no such room/i.test(err.message) || err.reply?.response?.error_code === 417) {
					gone = `Chat room ${asked} is gone.`;
					selected = participants = null;
					ctx.clear('chat listparticipants');
				} else {
					ctx.report('chat listparticipants', err);
				}
			}
		}
		render();
	}

	async function act(request, fields, done) {
		try {
			await ask({ request, room: selected, ...fields });
			ctx.clear(`chat ${request}`);
			done?.();
		} catch (err) {
			ctx.report(`chat ${request}`, err);
		}
		await ctx.refreshSoon();
	}

	function select(id) {
		selected = id;
		participants = null;
		gone = null;
		render();
		ctx.refreshSoon();
	}

	function render() {
		fill('chatrooms', table([
			{ label: 'Room', cell: (r) => el('span', { class: 'mono' }, r.room) },
			{ label: 'Description', cell: (r) => r.description ?? '' },
			{ label: 'In it', class: 'num', cell: (r) => fmtNumber(r.num_participants) },
			{ label: 'History', class: 'num', cell: (r) => fmtNumber(r.history) },
		], rooms ?? [], {
			empty: rooms ? 'no chat rooms' : 'not read yet',
			rowAttrs: (r) => ({ class: `pick${r.room === selected ? ' selected' : ''}`, id: `chatroom-${r.room}`,
				onclick: () => select(r.room) }),
		}));
		fill('chatroom-of', selected ?? '');
		if (selected === null || participants === null) {
			fill('chatroom-info', el('p', { class: 'muted' }, gone ?? (selected !== null ? 'Reading…' : 'Pick a chat room.')));
			return;
		}
		fill('chatroom-info',
			el('div', { class: 'actions' }, confirmButton('Destroy chat room', () => act('destroy', {}, () => { selected = null; }),
				{ key: `chat-destroy:${selected}` })),
			table([
				{ label: 'Username', cell: (p) => el('span', { class: 'mono' }, p.username) },
				{ label: 'Display name', cell: (p) => p.display ?? '' },
				{ label: '', cell: (p) => el('span', { class: 'row' },
					confirmButton('Kick', () => act('kick', { username: p.username }), { key: `chat-kick:${selected}:${p.username}` }),
					el('button', { type: 'button', onclick: () => act('mute', { username: p.username }) }, 'Mute'),
					el('button', { type: 'button', onclick: () => act('unmute', { username: p.username }) }, 'Unmute')) },
			], participants, { empty: 'nobody in this room' }));
	}

	return {
		refresh,
		reset() { rooms = participants = selected = gone = null; },
	};
}
