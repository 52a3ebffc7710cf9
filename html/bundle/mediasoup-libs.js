// mediasoup-libs.js — the entry of mediasoup-client.bundle.js: the two npm
// libraries room-mediasoup.js uses, exactly as the SFU service's frontends
// import them. html/bundle/build.mjs bundles it (and what it imports) into
// one ES module at build time; the versions are pinned in html/package.json.
export { Device, version as mediasoupClientVersion } from 'mediasoup-client';
export { io } from 'socket.io-client';
