// room-large-lite-spread-netns.test.mjs — room-large-netns.test.mjs on the ICE-lite transport with
// two event loops, each on a UDP port of its own, and the room's handles spread over both
// ([media] loop_per_room = false): media is relayed from a publisher's loop into subscriber
// PeerConnections on the other loop.
process.env.PARLEY_E2E_ICE_LITE = '1';
process.env.PARLEY_E2E_LITE_PORTS = '1';
process.env.PARLEY_E2E_ROOM_SPREAD = '1';
await import('./room-large-netns.test.mjs');
