// echo-browser-lite-ports-netns.test.mjs — echo-browser-netns.test.mjs with parleyd on its own
// ICE-lite transport, each event loop on a UDP port of its own ([media] udp_port_per_loop, see
// lib/server.mjs): the same real clients, the same checks.
process.env.PARLEY_E2E_ICE_LITE = '1';
process.env.PARLEY_E2E_LITE_PORTS = '1';
await import('./echo-browser-netns.test.mjs');
