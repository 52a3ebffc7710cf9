// chat-janusjs-lite-netns.test.mjs — chat-janusjs-netns.test.mjs with
// parleyd on its own ICE-lite transport ([media] ice_lite = true on a free
// udp_port, see lib/server.mjs): the same pages, the same checks, the ICE
// restart included.
process.env.PARLEY_E2E_ICE_LITE = '1';
await import('./chat-janusjs-netns.test.mjs');
