// echo.js — window.runEcho(server, plugin, idleMs): one round of the Janus API through
// janus.js. Resolves with what happened, rejects with the first error.
// Every step is bounded by a timer so a silent server cannot hang the page.
/* global Janus */
'use strict';

function logLine(text) {
	const el = document.getElementById('log');
	if (el) el.textContent += text + '\n';
}

function step(name, ms, fn) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`${name}: no answer within ${ms} ms`)), ms);
		fn((v) => { clearTimeout(t); logLine(`${name}: ok`); resolve(v); },
			(e) => { clearTimeout(t); logLine(`${name}: ${e}`); reject(new Error(`${name}: ${e}`)); });
	});
}

window.runEcho = async function runEcho(server, plugin = 'parley.plugin.echo', idleMs = 0) {
	const result = { server };
	await step('init', 5000, (ok) => Janus.init({ debug: ['warn', 'error'], dependencies: Janus.useDefaultDependencies(), callback: ok }));
	let events = [];
	let eventWaiter = null;
	let janus = null;
	await step('create', 8000, (ok, fail) => {
		janus = new Janus({
			server,
			iceServers: [],
			success: ok,
			error: fail,
			destroyed: () => logLine('destroyed callback'),
		});
	});
	result.sessionId = janus.getSessionId();
	const handle = await step('attach', 8000, (ok, fail) => janus.attach({
		plugin,
		opaqueId: 'janusjs-e2e',
		success: ok,
		error: fail,
		onmessage: (msg, jsep) => {
			events.push({ msg, jsep: jsep || null });
			if (eventWaiter) eventWaiter();
		},
	}));
	result.handleId = handle.getId();
	result.plugin = handle.getPlugin();
	// Idle for a while: the transport must keep the session's long-polls
	// (or the socket) alive meanwhile; janus.js logs an error otherwise.
	if (idleMs > 0) await new Promise((r) => setTimeout(r, idleMs));
	// Synchronous request: the plugin answers at once (success + plugindata).
	result.pong = await step('message ping', 8000, (ok, fail) => handle.send({
		message: { request: 'ping' }, success: ok, error: fail,
	}));
	// Asynchronous request: ack, then an event delivered to onmessage.
	result.ack = await step('message', 8000, (ok, fail) => handle.send({
		message: { audio: true, from: 'janus.js' }, success: (d) => ok(d === undefined ? null : d), error: fail,
	}));
	result.event = await step('event', 8000, (ok) => {
		const check = () => { if (events.length) ok(events[0].msg); };
		eventWaiter = check;
		check();
	});
	await step('destroy', 8000, (ok, fail) => janus.destroy({ success: ok, error: fail }));
	result.destroyed = true;
	return result;
};
