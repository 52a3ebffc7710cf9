// admin-dom.js — the small DOM and formatting helpers of admin.html's
// scripts: building elements and tables, definition lists, two-click
// danger buttons, and the units an operator reads (bytes, bit rates,
// durations, times). No state.

export const $ = (id) => document.getElementById(id);

/**
 * el('tr', {class: 'x', text: 'y', dataset: {k: v}, onclick: fn, title}, ...children):
 * children are nodes, strings or numbers (as text), arrays of those, or
 * null/undefined/false (skipped).
 */
export function el(tag, attrs = {}, ...children) {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k === 'class') node.className = v;
		else if (k === 'text') node.textContent = v;
		else if (k === 'dataset') Object.assign(node.dataset, v);
		else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
		else if (k in node && typeof v !== 'string') node[k] = v;
		else node.setAttribute(k, v === true ? '' : v);
	}
	append(node, children);
	return node;
}

function append(node, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false) continue;
		node.append(c instanceof Node ? c : String(c));
	}
}

/** Replaces the children of `node` (an element or an id). */
export function fill(node, ...children) {
	const target = typeof node === 'string' ? $(node) : node;
	target.replaceChildren();
	append(target, children);
	return target;
}

/**
 * A table: columns [{label, cell: (row) => child, class?}], rows; `empty`
 * is shown in one cell when there are no rows. `rowAttrs(row)` adds
 * attributes to each <tr> (class, dataset, onclick).
 */
export function table(columns, rows, { empty = 'none', rowAttrs = null, caption = null } = {}) {
	const head = el('tr', {}, columns.map((c) => el('th', { class: c.class }, c.label)));
	const body = rows.length
		? rows.map((row) => el('tr', rowAttrs ? rowAttrs(row) : {},
			columns.map((c) => el('td', { class: c.class }, c.cell(row)))))
		: [el('tr', { class: 'empty' }, el('td', { colspan: String(columns.length), class: 'muted' }, empty))];
	return el('table', { class: 'data' }, caption ? el('caption', {}, caption) : null,
		el('thead', {}, head), el('tbody', {}, body));
}

/** A <dl class="stats"> of [term, value] pairs (pairs whose value is undefined are skipped). */
export function dl(pairs, attrs = {}) {
	return el('dl', { class: 'stats', ...attrs },
		pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v ?? '–')]));
}

/* Armed danger buttons by key, with the time they disarm: the tables are
 * drawn again at every refresh, and a button drawn again stays armed. */
const armed = new Map();
const ARMED_MS = 4000;

/**
 * A danger button that acts on the second click within 4 s (the first
 * turns it into "Confirm …"); `action` may be async: the button is
 * disabled while it runs. `key` names what it acts on (default: id or
 * label), so that the same button drawn again by a refresh keeps its state.
 */
export function confirmButton(label, action, { confirmLabel = `Confirm: ${label.toLowerCase()}`, id, key, cls = 'danger' } = {}) {
	const name = key ?? id ?? label;
	const button = el('button', { type: 'button', class: cls, id, text: label, dataset: { confirm: name } });
	const show = (on) => {
		button.textContent = on ? confirmLabel : label;
		button.classList.toggle('armed', on);
	};
	const isArmed = () => (armed.get(name) ?? 0) > Date.now();
	show(isArmed());
	if (isArmed()) setTimeout(() => { if (button.isConnected) show(isArmed()); }, armed.get(name) - Date.now() + 10);
	button.addEventListener('click', async () => {
		if (!isArmed()) {
			armed.set(name, Date.now() + ARMED_MS);
			show(true);
			setTimeout(() => { if (!isArmed()) show(false); }, ARMED_MS + 10);
			return;
		}
		armed.delete(name);
		show(false);
		button.disabled = true;
		try {
			await action();
		} finally {
			button.disabled = false;
		}
	});
	return button;
}

/** A state word as a badge: ok / warn / bad / plain by the word. */
export function stateBadge(word) {
	const text = word === undefined || word === null ? '–' : String(word);
	const good = ['connected', 'ready', 'completed', 'active', 'joined', 'yes', 'up', 'true', 'loaded'];
	const bad = ['failed', 'closed', 'disconnected', 'no', 'false', 'ended', 'error'];
	const kind = good.includes(text) ? 'ok' : bad.includes(text) ? 'bad' : 'plain';
	return el('span', { class: `pill ${kind}` }, text);
}

/* ---- units ---- */

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

export function fmtNumber(v, digits = 0) {
	if (!isNum(v)) return '–';
	return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** "1 participant", "3 participants", "– participants". */
export function plural(n, word) {
	return `${fmtNumber(n)} ${word}${n === 1 ? '' : 's'}`;
}

export function fmtBytes(v) {
	if (!isNum(v)) return '–';
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let i = 0;
	while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
	return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function fmtBits(bitsPerSecond) {
	if (!isNum(bitsPerSecond)) return '–';
	const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
	let v = bitsPerSecond, i = 0;
	while (Math.abs(v) >= 1000 && i < units.length - 1) { v /= 1000; i++; }
	return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function fmtRate(perSecond, unit = '/s') {
	if (!isNum(perSecond)) return '–';
	return `${perSecond >= 100 ? fmtNumber(perSecond) : fmtNumber(perSecond, 1)}${unit}`;
}

export function fmtPercent(ratio, digits = 1) {
	return isNum(ratio) ? `${(ratio * 100).toFixed(digits)} %` : '–';
}

export function fmtMs(ms) {
	return isNum(ms) ? `${fmtNumber(ms, ms < 10 ? 1 : 0)} ms` : '–';
}

/** Seconds as "3 d 04 h", "2 h 05 min", "4 min 09 s", "12 s". */
export function fmtDuration(seconds) {
	if (!isNum(seconds)) return '–';
	const s = Math.max(0, Math.floor(seconds));
	const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
	const pad = (n) => String(n).padStart(2, '0');
	if (d) return `${d} d ${pad(h)} h`;
	if (h) return `${h} h ${pad(m)} min`;
	if (m) return `${m} min ${pad(s % 60)} s`;
	return `${s} s`;
}

/** A time given as unix ms, unix seconds (< 1e11) or ISO text, in local time. */
export function fmtTime(t) {
	if (t === null || t === undefined || t === '') return '–';
	const ms = typeof t === 'number' ? (t < 1e11 ? t * 1000 : t) : Date.parse(t);
	if (!Number.isFinite(ms)) return String(t);
	const d = new Date(ms);
	return `${d.toLocaleDateString('en-CA')} ${d.toLocaleTimeString('en-GB')}`;
}

/** A JSON value as indented text in a <pre> (for "raw" views). */
export function rawJson(value) {
	return el('pre', { class: 'log raw' }, JSON.stringify(value, null, 2));
}
