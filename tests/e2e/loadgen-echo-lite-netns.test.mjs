// loadgen-echo-lite-netns.test.mjs — loadgen-echo-netns.test.mjs with parleyd on its own ICE-lite
// transport ([media] ice_lite = true on a free udp_port, see lib/server.mjs).
process.env.PARLEY_E2E_ICE_LITE = '1';
await import('./loadgen-echo-netns.test.mjs');
