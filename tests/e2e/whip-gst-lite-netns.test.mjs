// whip-gst-lite-netns.test.mjs — whip-gst-netns.test.mjs with parleyd on its own ICE-lite
// transport ([media] ice_lite = true on a free udp_port, see lib/server.mjs).
process.env.PARLEY_E2E_ICE_LITE = '1';
await import('./whip-gst-netns.test.mjs');
