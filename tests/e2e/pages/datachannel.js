// datachannel.js — window.runData(server): janus.js data channels with
// parley.plugin.echo, as Janus's own echo test demo uses them: an offer of
// a data channel only ({type: 'data'}: janus.js's "JanusDataChannel"
// label), handle.data() to send, ondata() to receive, a second label made
// on first use. Resolves with what came back, rejects with the first
// error; every step is bounded by a timer.
/* global Janus */
'use strict';

function dataStep(name, ms, fn) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`${name}: not done within ${ms} ms`)), ms);
		fn((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(new Error(`${name}: ${e}`)); });
	});
}

window.runData = async function runData(server) {
	const result = { opened: [], received: [] };
	const waiters = [];
	const wake = () => { for (const w of waiters.splice(0)) w(); };
	const until = (name, ms, check) => dataStep(name, ms, (ok) => {
		const test = () => (check() ? ok() : waiters.push(test));
		test();
	});
	await dataStep('init', 5000, (ok) => Janus.init({ debug: ['warn', 'error'], dependencies: Janus.useDefaultDependencies(), callback: ok }));
	let janus = null;
	await dataStep('create', 8000, (ok, fail) => {
		janus = new Janus({ server, iceServers: [], success: ok, error: fail });
	});
	const handle = await dataStep('attach', 8000, (ok, fail) => janus.attach({
		plugin: 'parley.plugin.echo',
		success: ok,
		error: fail,
		onmessage: (msg, jsep) => {
			if (jsep) handle.handleRemoteJsep({ jsep, error: (e) => result.received.push(`jsep error ${e}`) });
		},
		ondataopen: (label) => { result.opened.push(label); wake(); },
		ondata: (data, label) => { result.received.push(`${label}: ${data}`); wake(); },
	}));
	await dataStep('offer', 8000, (ok, fail) => handle.createOffer({
		tracks: [{ type: 'data' }],
		success: (jsep) => handle.send({ message: { audio: false, video: false }, jsep, success: ok, error: fail }),
		error: fail,
	}));
	await until('data channel open', 20000, () => result.opened.includes(Janus.dataChanDefaultLabel));
	handle.data({ text: 'hello from janus.js' });
	await until('echo', 10000, () => result.received.length >= 1);
	handle.data({ text: 'on a second label', label: 'second' });
	await until('echo on the second label', 20000, () => result.received.length >= 2);
	result.remote = handle.webrtcStuff.pc.remoteDescription.sdp;
	await dataStep('destroy', 8000, (ok, fail) => janus.destroy({ success: ok, error: fail }));
	return result;
};
