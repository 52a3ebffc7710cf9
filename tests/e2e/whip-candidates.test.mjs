// whip-candidates.test.mjs — our ICE candidates reach a WHIP or WHEP client
// the only ways RFC 9725 leaves: all of them in the 201 (nothing can follow
// the answer), and the new set in the 200 fragment of an ICE restart.
//
// libnice: parleyd's STUN server is a responder on 127.0.0.1 that answers
// Binding requests with a mapped address of 127.0.0.2 1.2 s late (later
// than [media] gather_wait_ms, sooner than http_gather_wait_ms),
// so the server-reflexive candidate is gathered after the answer would
// have gone out to a Janus API client. The 201 of a WHIP POST, of a WHEP
// player's offer and of a WHEP empty POST (our offer) each carries it and
// a=end-of-candidates; so does the 200 of an ICE restart PATCH. ICE-lite:
// the 201 says a=ice-lite with UDP and passive TCP host candidates and
// end-of-candidates, and the restart's 200 says the same with new
// credentials. No media flows: the offers are captured Chromium ones.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after } from 'node:test';
import { serverSuite } from './lib/harness.mjs';
import { SRCDIR, freePort, freeUdpPort, startServer } from './lib/server.mjs';

/* Binding requests are answered only once their transaction is this old:
 * libnice's discovery (RFC 3489 style: no magic cookie) retransmits at
 * about 0.5 and 1.5 s and gives up after 2 s, so the answer goes to a
 * retransmission, after gather_wait_ms (1000). */
const STUN_HOLD_MS = 1200;
const MAPPED = '127.0.0.2';

/* A STUN server (Binding) that answers late: the test's own, bound before
 * the suite's parleyd is configured. */
const stun = { socket: dgram.createSocket('udp4'), port: 0, requests: 0, answered: 0, firstSeen: new Map() };
stun.socket.on('message', (msg, from) => {
	if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return;
	stun.requests++;
	const key = msg.subarray(4, 20).toString('hex');
	if (!stun.firstSeen.has(key)) stun.firstSeen.set(key, Date.now());
	if (Date.now() - stun.firstSeen.get(key) < STUN_HOLD_MS) return;
	stun.answered++;
	stun.socket.send(bindingSuccess(msg, from.port), from.port, from.address, () => {});
});
await new Promise((resolve) => stun.socket.bind(0, '127.0.0.1', resolve));
stun.port = stun.socket.address().port;
stun.socket.unref();
after(() => stun.socket.close());

/** A Binding success response to `request` that maps it to MAPPED:port:
 * MAPPED-ADDRESS for an RFC 3489 request, XOR-MAPPED-ADDRESS and
 * FINGERPRINT for an RFC 5389 one (magic cookie). */
function bindingSuccess(request, port) {
	const cookie = request.readUInt32BE(4) === 0x2112a442;
	const ip = MAPPED.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
	const mapped = Buffer.alloc(12);
	mapped.writeUInt16BE(cookie ? 0x0020 : 0x0001, 0);
	mapped.writeUInt16BE(8, 2);
	mapped.writeUInt16BE(0x0001, 4);
	mapped.writeUInt16BE(cookie ? port ^ 0x2112 : port, 6);
	mapped.writeUInt32BE(cookie ? (ip ^ 0x2112a442) >>> 0 : ip, 8);
	const header = Buffer.from(request.subarray(0, 20));
	header.writeUInt16BE(0x0101, 0);
	header.writeUInt16BE(mapped.length + (cookie ? 8 : 0), 2);
	const body = Buffer.concat([header, mapped]);
	if (!cookie) return body;
	const fingerprint = Buffer.alloc(8);
	fingerprint.writeUInt16BE(0x8028, 0);
	fingerprint.writeUInt16BE(4, 2);
	fingerprint.writeUInt32BE((zlib.crc32(body) ^ 0x5354554e) >>> 0, 4);
	return Buffer.concat([body, fingerprint]);
}

const { test } = serverSuite({
	config: {
		parley: { media: { interfaces: '127.0.0.1', stun_server: `127.0.0.1:${stun.port}`, ice_lite: 'false' } },
		'parley.plugin.room': { whip: { rate_limit: 0 } },
	},
});

const sender = fs.readFileSync(path.join(SRCDIR, 'tests/unit/data/sdp/chromium-plain.sdp'), 'utf8')
	.replaceAll('a=sendrecv', 'a=sendonly');
const player = fs.readFileSync(path.join(SRCDIR, 'tests/unit/data/sdp/chromium-recvonly.sdp'), 'utf8');
const RESTART = 'a=ice-ufrag:nEwU\r\na=ice-pwd:aNewPasswordOf24CharsXY\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';

async function request(url, init = {}) {
	const r = await fetch(url, { ...init, signal: AbortSignal.timeout(40000) });
	return { status: r.status, headers: r.headers, text: await r.text() };
}

const post = (base, where, body) => request(`${base}${where}`, { method: 'POST', body,
	headers: body ? { 'Content-Type': 'application/sdp' } : {} });

/** Our candidates in a description or fragment: lines without "a=". */
const candidatesOf = (text) => text.split('\r\n').filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2));
const srflx = (c) => new RegExp(`^candidate:\\S+ 1 udp \\d+ ${MAPPED.replaceAll('.', '\\.')} \\d+ typ srflx raddr 127\\.0\\.0\\.1 rport \\d+`, 'i').test(c);

/** An ICE restart of `location`: the 200's fragment. */
async function restart(base, location) {
	const r = await request(`${base}${location}`, { method: 'PATCH', body: RESTART,
		headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': '*' } });
	assert.equal(r.status, 200, `restart of ${location}: ${r.text}`);
	assert.equal(r.headers.get('content-type'), 'application/trickle-ice-sdpfrag');
	assert.match(r.headers.get('etag'), /^"[A-Za-z0-9]+"$/);
	return r.text;
}

test('libnice: a late server-reflexive candidate is in every 201 and in the restart\'s 200', async (srv) => {
	const base = srv.httpUrl;
	const whip = await post(base, '/whip/late', sender);
	assert.equal(whip.status, 201, whip.text);
	assert.ok(stun.answered > 0, `the STUN server answered (${stun.requests} requests)`);
	const ours = candidatesOf(whip.text);
	assert.ok(ours.some(srflx), `the answer has the server-reflexive candidate:\n${whip.text}`);
	assert.ok(ours.some((c) => / 127\.0\.0\.1 \d+ typ host/.test(c)), 'and the host one');
	assert.match(whip.text, /a=end-of-candidates/);
	assert.doesNotMatch(whip.text, /a=ice-lite/);
	const frag = await restart(base, whip.headers.get('location'));
	assert.match(frag, /^a=ice-ufrag:\S+\r\na=ice-pwd:\S+\r\nm=audio \d+ UDP\/TLS\/RTP\/SAVPF [\d ]+\r\na=mid:0\r\n/);
	assert.ok(!frag.includes(whip.text.match(/a=ice-ufrag:(\S+)/)[0] + '\r\n'), 'new credentials');
	assert.ok(candidatesOf(frag).some(srflx), `the restart's fragment has it too:\n${frag}`);
	assert.match(frag, /a=end-of-candidates\r\n$/);
	// a WHEP player's offer, and the empty POST (our offer)
	const watched = await post(base, '/whep/late', player);
	assert.equal(watched.status, 201, watched.text);
	assert.ok(candidatesOf(watched.text).some(srflx), `WHEP answer:\n${watched.text}`);
	assert.match(watched.text, /a=end-of-candidates/);
	const offered = await post(base, '/whep/late', null);
	assert.equal(offered.status, 201, offered.text);
	assert.match(offered.text, /a=setup:actpass/);
	assert.ok(candidatesOf(offered.text).some(srflx), `WHEP offer:\n${offered.text}`);
	assert.match(offered.text, /a=end-of-candidates/);
	for (const r of [whip, watched, offered]) {
		const d = await request(`${base}${r.headers.get('location')}`, { method: 'DELETE' });
		assert.equal(d.status, 200, d.text);
	}
	assert.doesNotMatch(srv.log(), /goes out before candidate gathering ended/);
}, { timeout: 90000 });

test('ICE-lite: a=ice-lite and every candidate in the 201 and in the restart\'s 200', async () => {
	const lite = await startServer({ config: {
		parley: { media: { interfaces: '127.0.0.1', ice_lite: 'true', udp_port: await freeUdpPort(),
			tcp_port: await freePort() } },
		'parley.plugin.room': { whip: { rate_limit: 0 } },
	} });
	try {
		const base = lite.httpUrl;
		for (const [what, where, body] of [['WHIP', '/whip/lite', sender], ['WHEP', '/whep/lite', player]]) {
			const r = await post(base, where, body);
			assert.equal(r.status, 201, `${what}: ${r.text}`);
			assert.match(r.text, /\r\na=ice-lite\r\n[^]*\r\nm=/, `${what}: a=ice-lite at the session level`);
			const ours = [...new Set(candidatesOf(r.text))];   /* the same on every m-line */
			assert.ok(ours.some((c) => / udp \d+ 127\.0\.0\.1 \d+ typ host/i.test(c)), `${what} UDP host:\n${r.text}`);
			assert.ok(ours.some((c) => / tcp \d+ 127\.0\.0\.1 \d+ typ host tcptype passive/i.test(c)), `${what} TCP host`);
			assert.match(r.text, /a=end-of-candidates/);
			const frag = await restart(base, r.headers.get('location'));
			assert.match(frag, /^a=ice-lite\r\na=ice-ufrag:\S+\r\na=ice-pwd:\S+\r\nm=\S+ /, `${what}:\n${frag}`);
			assert.deepEqual(candidatesOf(frag).sort(), ours.sort(), `${what}: the same candidates, new credentials`);
			assert.match(frag, /a=end-of-candidates\r\n$/);
		}
	} finally {
		await lite.stop();
		lite.cleanup();
	}
}, { timeout: 60000 });
