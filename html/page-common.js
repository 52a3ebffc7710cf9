// page-common.js — what the demo pages share and nothing else: the page's
// query parameters and its log and status line (the room pages and
// chat.html), the grid's tiles and the canvas that stands in for a screen
// to share (the two room pages: room.html over the Janus API,
// room-mediasoup.html over the SFU service's Socket.IO events). Each page
// keeps its own state object (window.roomState, window.chatState); the
// helpers here write into the one they are given.

export const $ = (id) => document.getElementById(id);
export const params = new URLSearchParams(location.search);

/** An integer query parameter within [min, max], else `def`. */
export function intParam(name, def, min, max) {
	const v = Number.parseInt(params.get(name) ?? '', 10);
	return Number.isFinite(v) && v >= min && v <= max ? v : def;
}

/** The camera capture the page asks for (?width=&height=&fps=). */
export const capture = {
	width: intParam('width', 320, 16, 1920),
	height: intParam('height', 240, 16, 1080),
	fps: intParam('fps', 15, 1, 60),
};

/** ?screen=canvas shares a drawn canvas instead of getDisplayMedia. */
export const screenMode = params.get('screen') === 'canvas' ? 'canvas' : 'display';

/**
 * The page's log (#log, also the last 300 lines in state.events), status
 * line (#status, also state.status) and error path (state.error).
 */
export function pageLog(state) {
	function log(text) {
		state.events.push(text);
		if (state.events.length > 300) state.events.shift();
		const el = $('log');
		el.textContent += `${new Date().toISOString().slice(11, 23)} ${text}\n`;
		if (el.textContent.length > 60000) el.textContent = el.textContent.slice(-40000);
		el.scrollTop = el.scrollHeight;
	}
	function setStatus(text, kind = 'muted') {
		state.status = text;
		$('status').textContent = text;
		$('status').className = `status ${kind}`;
	}
	function fail(err) {
		state.error = err?.message || String(err);
		log(`error: ${state.error}`);
		setStatus(state.error, 'error');
	}
	return { log, setStatus, fail };
}

/* ---- the grid: one tile per remote camera (with its audio) or screen ---- */

export function tileId(peerId, source) {
	return `tile-${peerId}-${source === 'screen' ? 'screen' : 'camera'}`;
}

/**
 * The tile of a peer's camera or screen, made on first use: a muted video
 * (the camera tile's audio plays through its own <audio>), the name, a
 * badges slot and a meta line.
 */
export function tileFor(peerId, source, name) {
	let tile = document.getElementById(tileId(peerId, source));
	if (tile) return tile;
	tile = document.createElement('div');
	tile.id = tileId(peerId, source);
	tile.className = source === 'screen' ? 'tile screen' : 'tile';
	tile.dataset.peerId = peerId;
	const video = document.createElement('video');
	video.autoplay = video.playsInline = video.muted = true;
	const label = Object.assign(document.createElement('span'), { className: 'name',
		textContent: source === 'screen' ? `${name} (screen)` : name });
	const badges = Object.assign(document.createElement('span'), { className: 'badges' });
	const meta = Object.assign(document.createElement('span'), { className: 'meta' });
	tile.append(video, label, badges, meta);
	if (source !== 'screen') tile.append(Object.assign(document.createElement('audio'), { autoplay: true }));
	$('grid').append(tile);
	return tile;
}

/** Removes a peer's tile for `source`, or both of its tiles. */
export function removeTiles(peerId, source) {
	for (const s of source ? [source] : ['camera', 'screen']) document.getElementById(tileId(peerId, s))?.remove();
}

/**
 * A 480x270 canvas that looks like a shared slide: a still background with
 * `label`, and a small square and a counter that move five times a second
 * (a screen changes little between frames; repainting all of it would make
 * every frame as costly to encode as a keyframe). Returns the stream and the
 * interval that draws it (clear it when the share stops).
 */
export function canvasScreen(label) {
	const canvas = Object.assign(document.createElement('canvas'), { width: 480, height: 270 });
	const ctx = canvas.getContext('2d');
	ctx.fillStyle = 'hsl(210 40% 25%)';
	ctx.fillRect(0, 0, canvas.width, canvas.height);
	ctx.fillStyle = '#fff';
	ctx.font = '28px sans-serif';
	ctx.fillText(`${label} screen`, 20, 60);
	let n = 0;
	const timer = setInterval(() => {
		n++;
		ctx.fillStyle = 'hsl(210 40% 25%)';
		ctx.fillRect(0, 180, canvas.width, 90);
		ctx.fillStyle = `hsl(${(n * 37) % 360} 70% 55%)`;
		ctx.fillRect(20 + (n * 12) % 400, 200, 40, 40);
		ctx.fillStyle = '#fff';
		ctx.font = '20px sans-serif';
		ctx.fillText(String(n), 20, 260);
	}, 200);
	return { stream: canvas.captureStream(5), timer };
}
