// log-json.test.mjs — parleyd's structured logs: with [general] log_format
// = json (or LOG_FORMAT=json) every line parleyd writes is one JSON object
// with time, level, module and message, and the lines written for a
// request, a plugin message or a room name its session_id, handle_id and
// room; the default stays the text format.
import assert from 'node:assert/strict';
import { ownServerTest } from './lib/harness.mjs';
import { HttpJanus } from './lib/janus.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Joins a room over the Janus API (the room plugin logs the join). */
async function joinRoom(srv, room) {
	const janus = new HttpJanus(srv.httpUrl);
	const session = await janus.createSession();
	const handle = await janus.attach(session, 'parley.plugin.room');
	const r = await janus.request({ janus: 'message', body: { request: 'joinRoom', roomId: room } },
		{ path: `/${session}/${handle}` });
	assert.ok(r.plugindata?.data?.peerId, JSON.stringify(r));
	await janus.request({ janus: 'destroy' }, { path: `/${session}` });
	return { session, handle, peerId: r.plugindata.data.peerId };
}

function jsonLines(text) {
	return text.split('\n').filter((l) => l.length).map((l) => {
		let obj;
		assert.doesNotThrow(() => { obj = JSON.parse(l); }, `not a JSON line: ${l}`);
		return obj;
	});
}

ownServerTest('log_format = json: one JSON object per line, with the ids of what it is about', async (own) => {
	const srv = await own({ config: { parley: { general: { log_format: 'json', log_level: 5 } } } });
	const { session, handle, peerId } = await joinRoom(srv, 'log-room');
	await sleep(300);
	await srv.stop();
	const lines = jsonLines(srv.log());
	assert.ok(lines.length > 10, `only ${lines.length} lines`);
	for (const l of lines) {
		assert.match(l.time, TIME, JSON.stringify(l));
		assert.ok(['fatal', 'error', 'warn', 'info', 'verb', 'debug'].includes(l.level), JSON.stringify(l));
		assert.equal(typeof l.module, 'string');
		assert.equal(typeof l.message, 'string');
		for (const k of Object.keys(l))
			assert.ok(['time', 'level', 'module', 'message', 'session_id', 'handle_id', 'room'].includes(k), k);
	}
	// the plugin's line about the join names the session, the handle and the room
	const joined = lines.find((l) => l.module === 'parley.plugin.room' && l.message.includes(`peer ${peerId} joined`));
	assert.ok(joined, lines.map((l) => l.message).join('\n'));
	assert.equal(joined.session_id, session);
	assert.equal(joined.handle_id, handle);
	assert.equal(joined.room, 'log-room');
	// the core's lines for this session's requests name it too
	const attached = lines.find((l) => l.module === 'session' && l.message.includes(`${handle} attached`));
	assert.ok(attached, 'no attach line');
	assert.equal(attached.session_id, session);
	// lines about nothing in particular name nothing
	const start = lines.find((l) => l.message.startsWith('parleyd ') && l.message.includes('starting'));
	assert.ok(start);
	assert.equal(start.session_id, undefined);
	assert.equal(start.room, undefined);
}, { timeout: 30000 });

ownServerTest('LOG_FORMAT=json from the environment; text stays the default', async (own) => {
	const json = await own({ env: { LOG_FORMAT: 'json' } });
	await json.stop();
	assert.ok(jsonLines(json.log()).length > 3);
	const text = await own({});
	await text.stop();
	const lines = text.log().split('\n').filter((l) => l.length);
	assert.ok(lines.length > 3);
	for (const l of lines)
		assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[[A-Z]+\] \[[^\]]+\] /, l);
}, { timeout: 30000 });

ownServerTest('a wrong log_format is refused at start with a clear line', async (own) => {
	await assert.rejects(own({ config: { parley: { general: { log_format: 'xml' } } }, startTimeoutMs: 5000 }),
		/log_format "xml" is not text or json/);
}, { timeout: 30000 });
