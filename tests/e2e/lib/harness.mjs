// tests/e2e/lib/harness.mjs — one shared parleyd per test file, and a test()
// wrapper that prints the part of the server log written during a failing
// test, and fails a test when the server died under it.
//
//   const { test, server } = serverSuite({ config: {...} });
//   test('name', async (srv) => { ... });
//
// A crash does not cascade: the next test starts a fresh server. A server
// that cannot start makes every test of the file fail with the reason.
import { test as nodeTest, after } from 'node:test';
import { startServer } from './server.mjs';

export function serverSuite(opts = {}) {
	let current = null;   // Promise<ParleyServer>
	let startError = null; // a failed start is not retried: every test reports it
	const all = [];
	async function server() {
		if (startError) throw startError;
		if (current) {
			const srv = await current.catch(() => null);
			if (srv && srv.alive()) return srv;
		}
		current = startServer(opts);
		current.then((s) => all.push(s), (e) => { startError = e; });
		return current;
	}
	after(async () => {
		for (const s of all) {
			await s.stop();
			s.cleanup();
		}
	});
	function test(name, fn, { timeout = 30000 } = {}) {
		nodeTest(name, { timeout }, async (t) => {
			const srv = await server();
			const mark = srv.logMark();
			try {
				await fn(srv, t);
				if (!srv.alive()) {
					await srv.exited;
					throw new Error(`parleyd died during the test: ${JSON.stringify(srv.exit)}`);
				}
			} catch (err) {
				printLog(name, srv.logSince(mark));
				throw err;
			}
		});
	}
	return { test, server };
}

/** A test that starts its own server(s): `own(opts)` starts one, stopped
 * and printed on failure automatically. `skip`: node:test's (a reason). */
export function ownServerTest(name, fn, { timeout = 30000, skip = false } = {}) {
	nodeTest(name, { timeout, skip }, async (t) => {
		const started = [];
		const own = async (opts) => {
			const s = await startServer(opts);
			started.push(s);
			return s;
		};
		try {
			await fn(own, t);
		} catch (err) {
			for (const s of started) printLog(name, s.log());
			throw err;
		} finally {
			for (const s of started) {
				await s.stop();
				s.cleanup();
			}
		}
	});
}

export function printLog(name, text) {
	const tail = text.length > 6000 ? '…' + text.slice(-6000) : text;
	process.stderr.write(`\n----- parleyd log during "${name}" -----\n${tail}\n----- end of log -----\n`);
}
