// room-large-lite-ports-netns.test.mjs — room-large-netns.test.mjs with parleyd on its own ICE-lite
// transport, each event loop on a UDP port of its own ([media] udp_port_per_loop, see
// lib/server.mjs), two loops: the room's PeerConnections all on one loop ([media] loop_per_room);
// room-large-lite-spread spreads them over both.
process.env.PARLEY_E2E_ICE_LITE = '1';
process.env.PARLEY_E2E_LITE_PORTS = '1';
await import('./room-large-netns.test.mjs');
