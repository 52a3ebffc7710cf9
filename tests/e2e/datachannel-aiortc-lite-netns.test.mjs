// datachannel-aiortc-lite-netns.test.mjs — datachannel-aiortc-netns.test.mjs
// with parleyd on its own ICE-lite transport ([media] ice_lite = true on a
// free udp_port, see lib/server.mjs): the same client, the same checks.
process.env.PARLEY_E2E_ICE_LITE = '1';
await import('./datachannel-aiortc-netns.test.mjs');
