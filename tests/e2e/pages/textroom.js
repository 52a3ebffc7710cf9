// textroom.js — a TextRoom client on janus.js (unchanged), the way Janus's
// own TextRoom demo drives janus.plugin.textroom: attach, {"request":
// "setup"}, answer the plugin's data-only offer with tracks [{type:
// 'data'}] and {"request":"ack"}, then TextRoom requests as JSON text on
// the data channel ({"textroom": ..., "transaction": ...}) matched to
// their answers by transaction, and every other message kept as an event.
//   await window.chatStart(server)           → {opened: label}
//   await window.chatRequest({textroom, ...}) → the answer (a transaction is added)
//   window.chatEvents()                      → every event so far
//   await window.chatWaitEvent(kind, match)  → the first event of that kind with those members
//   await window.chatRestart()               → after the ICE restart's answer went ("ack")
//   await window.chatStop()
// Every step is bounded by a timer; failures reject with what went wrong.
/* global Janus */
'use strict';

const chat = { events: [], waiters: [], pending: {}, handle: null, janus: null, errors: [], acked: null };

function step(name, ms, fn) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`${name}: not done within ${ms} ms`)), ms);
		fn((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(new Error(`${name}: ${e}`)); });
	});
}

function wake() {
	for (const w of chat.waiters.splice(0)) w();
}

function onData(data) {
	let json;
	try {
		json = JSON.parse(data);
	} catch (e) {
		chat.errors.push(`not JSON: ${data}`);
		return;
	}
	const waiting = chat.pending[json.transaction];
	if (waiting) {
		delete chat.pending[json.transaction];
		waiting(json);
		return;
	}
	chat.events.push(json);
	wake();
}

window.chatStart = async function chatStart(server) {
	await step('init', 5000, (ok) => Janus.init({ debug: ['warn', 'error'], dependencies: Janus.useDefaultDependencies(),
		callback: ok }));
	await step('create', 8000, (ok, fail) => {
		chat.janus = new Janus({ server, iceServers: [], success: ok, error: fail });
	});
	let opened = null;
	const open = new Promise((resolve) => { opened = resolve; });
	chat.handle = await step('attach', 8000, (ok, fail) => chat.janus.attach({
		plugin: 'janus.plugin.textroom',
		success: ok,
		error: fail,
		onmessage: (msg, jsep) => {
			if (msg.error) chat.errors.push(`plugin error: ${msg.error}`);
			if (!jsep) return;
			chat.handle.createAnswer({
				jsep,
				tracks: [{ type: 'data' }],
				success: (answer) => chat.handle.send({ message: { request: 'ack' }, jsep: answer,
					success: () => { if (chat.acked) chat.acked(); } }),
				error: (e) => chat.errors.push(`createAnswer: ${e}`),
			});
		},
		ondataopen: (label) => opened(label),
		ondata: (data) => onData(data),
	}));
	await step('setup', 8000, (ok, fail) => chat.handle.send({ message: { request: 'setup' }, success: ok, error: fail }));
	const label = await step('data channel open', 30000, (ok) => open.then(ok));
	return { opened: label };
};

window.chatRequest = function chatRequest(body, ms = 10000) {
	const transaction = Janus.randomString(12);
	return step(`${body.textroom} answer`, ms, (ok) => {
		chat.pending[transaction] = ok;
		chat.handle.data({ text: JSON.stringify({ ...body, transaction }) });
	});
};

window.chatEvents = () => chat.events.slice();
window.chatErrors = () => chat.errors.slice();

window.chatWaitEvent = function chatWaitEvent(kind, match = {}, ms = 15000) {
	const matches = (e) => e.textroom === kind && Object.entries(match).every(([k, v]) => e[k] === v);
	return step(`a "${kind}" event like ${JSON.stringify(match)}`, ms, (ok) => {
		const check = () => {
			const found = chat.events.find(matches);
			if (found) ok(found);
			else chat.waiters.push(check);
		};
		check();
	});
};

window.chatRestart = function chatRestart() {
	return step('ICE restart', 20000, (ok, fail) => {
		chat.acked = () => { chat.acked = null; ok(); };
		chat.handle.send({ message: { request: 'restart' }, error: fail });
	});
};

window.chatStop = function chatStop() {
	return step('destroy', 8000, (ok, fail) => chat.janus.destroy({ success: ok, error: fail }));
};
