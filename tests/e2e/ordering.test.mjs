// ordering.test.mjs — a handle's plugin messages are handled one at a time,
// in the order the client sent them: a burst of messages sent without
// waiting gets its answers and its plugin events back in sending order, on
// both transports' shared core path (here over WebSocket, with the echo
// plugin, whose event carries back what the client sent).
import assert from 'node:assert/strict';
import { serverSuite } from './lib/harness.mjs';
import { WsJanus, tx } from './lib/janus.mjs';

const { test } = serverSuite({ config: { parley: { general: { workers: 4 } } } });

test('ws: a burst of 200 messages to one handle is answered and echoed in order', async (srv) => {
	const c = await WsJanus.connect(srv.wsUrl, 'janus-protocol');
	try {
		const session = await c.createSession();
		const handle = await c.attach(session);
		const count = 200;
		const sent = [];
		for (let i = 0; i < count; i++) {
			const t = tx();
			sent.push(t);
			c.send({ janus: 'message', session_id: session, handle_id: handle, transaction: t,
				body: { audio: i % 2 === 0 } });
		}
		const events = [];
		const answers = [];
		await c.waitFor(() => {
			for (const m of c.inbox.splice(0)) (m.janus === 'event' ? events : answers).push(m);
			return events.length >= count && answers.length >= count;
		}, 20000, `${count} answers and ${count} events`).catch((e) => {
			throw new Error(`${e.message}; got ${answers.length} answers, ${events.length} events`);
		});
		const answered = answers.filter((m) => sent.includes(m.transaction)).map((m) => m.transaction);
		assert.deepEqual(answered, sent, 'answers come back in sending order');
		const echoed = events.map((m) => m.transaction);
		assert.deepEqual(echoed, sent, 'plugin events come back in sending order');
	} finally {
		await c.close();
	}
});
