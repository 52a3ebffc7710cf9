// admin-charts.js — admin.html's live figures: per-second rates computed
// from the counters of successive /metrics pages, kept as bounded series,
// and drawn by the page itself on <canvas> (sparklines for the rates, bars
// for the analytics handler's hourly or daily series). No library.
//
//   const rates = new RateSeries(60);           // at most 60 points per series
//   rates.add(Date.now(), { packetsIn: 1234, ... });   // counter values
//   rates.series('packetsIn')                   // [{t, v}] per-second rates
//   const spark = sparkline('Packets in', fmtRate); container.append(spark.el);
//   spark.draw(rates.series('packetsIn'));
//   drawBars(canvas, points, 'participants_joined', { label: (p) => ... });
//
// Each sparkline's element carries data-points (how many), data-last and
// data-max (the latest and highest value), so a test or a user agent can
// read what is drawn.

/** Per-second rates of named counters between successive samples. A counter
 * that went down (a restart of the server) starts again without a point. */
export class RateSeries {
	constructor(capacity = 60) {
		this.capacity = capacity;
		this.previous = null; // {t, values}
		this.points = new Map(); // name -> [{t, v}]
	}

	add(t, values) {
		const prev = this.previous;
		this.previous = { t, values };
		if (!prev || t <= prev.t) return;
		const seconds = (t - prev.t) / 1000;
		for (const [name, value] of Object.entries(values)) {
			const before = prev.values[name];
			if (typeof value !== 'number' || typeof before !== 'number' || value < before) continue;
			this.push(name, t, (value - before) / seconds);
		}
	}

	/** Adds a point as is (a gauge, such as a load ratio). */
	push(name, t, v) {
		if (!this.points.has(name)) this.points.set(name, []);
		const list = this.points.get(name);
		list.push({ t, v });
		if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
	}

	series(name) {
		return this.points.get(name) ?? [];
	}

	clear() {
		this.previous = null;
		this.points.clear();
	}
}

/** Sizes a canvas's backing store to its CSS box (sharp on HiDPI); its 2D context. */
function prepare(canvas) {
	const ratio = window.devicePixelRatio || 1;
	const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
	const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
	if (canvas.width !== width || canvas.height !== height) {
		canvas.width = width;
		canvas.height = height;
	}
	const ctx = canvas.getContext('2d');
	ctx.setTransform(1, 0, 0, 1, 0, 0);
	ctx.clearRect(0, 0, width, height);
	return { ctx, width, height, ratio };
}

function cssVar(name, fallback) {
	return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * A sparkline card: a label, the latest value (formatted by `format`) and a
 * canvas. draw(points) redraws it from [{t, v}].
 */
export function sparkline(label, format, { id } = {}) {
	const value = document.createElement('span');
	value.className = 'spark-value';
	value.textContent = '–';
	const canvas = document.createElement('canvas');
	canvas.className = 'spark-canvas';
	const title = document.createElement('span');
	title.className = 'spark-label';
	title.textContent = label;
	const el = document.createElement('div');
	el.className = 'spark';
	if (id) el.id = id;
	el.dataset.points = '0';
	el.append(title, value, canvas);
	let last = [];
	const draw = (points = last) => {
		last = points;
		const values = points.map((p) => p.v);
		const max = values.length ? Math.max(...values) : 0;
		el.dataset.points = String(values.length);
		el.dataset.last = values.length ? String(values[values.length - 1]) : '';
		el.dataset.max = String(max);
		value.textContent = values.length ? format(values[values.length - 1]) : '–';
		el.title = values.length ? `${label}: max ${format(max)} over the last ${values.length} samples` : label;
		if (!canvas.isConnected || canvas.clientWidth === 0) return;
		const { ctx, width, height, ratio } = prepare(canvas);
		const pad = 2 * ratio;
		const top = max > 0 ? max * 1.1 : 1;
		const x = (i) => values.length < 2 ? width - pad : pad + (i * (width - 2 * pad)) / (values.length - 1);
		const y = (v) => height - pad - (v / top) * (height - 2 * pad);
		const accent = cssVar('--accent', '#2f6fde');
		ctx.strokeStyle = cssVar('--line', '#dde1e8');
		ctx.lineWidth = ratio;
		ctx.beginPath();
		ctx.moveTo(0, height - pad + 0.5);
		ctx.lineTo(width, height - pad + 0.5);
		ctx.stroke();
		if (!values.length) return;
		ctx.beginPath();
		values.forEach((v, i) => (i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v))));
		ctx.lineTo(x(values.length - 1), height - pad);
		ctx.lineTo(x(0), height - pad);
		ctx.closePath();
		ctx.fillStyle = `${accent}22`;
		ctx.fill();
		ctx.beginPath();
		values.forEach((v, i) => (i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v))));
		ctx.strokeStyle = accent;
		ctx.lineWidth = 1.5 * ratio;
		ctx.stroke();
		ctx.fillStyle = accent;
		ctx.beginPath();
		ctx.arc(x(values.length - 1), y(values[values.length - 1]), 2.2 * ratio, 0, 2 * Math.PI);
		ctx.fill();
	};
	return { el, draw };
}

/**
 * Bars of `key` over `points` (the analytics handler's series: [{start,
 * ...counters}]) on `canvas`, with the highest value and the first and last
 * period written in. Sets data-points and data-max on the canvas.
 */
export function drawBars(canvas, points, key, { label = (p) => String(p.start), format = String } = {}) {
	const values = points.map((p) => (typeof p[key] === 'number' ? p[key] : 0));
	const max = values.length ? Math.max(...values) : 0;
	canvas.dataset.points = String(values.length);
	canvas.dataset.max = String(max);
	if (!canvas.isConnected || canvas.clientWidth === 0) return;
	const { ctx, width, height, ratio } = prepare(canvas);
	const font = 11 * ratio;
	ctx.font = `${font}px system-ui, sans-serif`;
	const bottom = height - font * 1.6, top = font * 1.6;
	const ink = cssVar('--muted', '#687084');
	ctx.strokeStyle = cssVar('--line', '#dde1e8');
	ctx.lineWidth = ratio;
	ctx.beginPath();
	ctx.moveTo(0, bottom + 0.5);
	ctx.lineTo(width, bottom + 0.5);
	ctx.stroke();
	ctx.fillStyle = ink;
	if (!values.length) {
		ctx.fillText('no data in this period', 4 * ratio, top);
		return;
	}
	const slot = width / values.length;
	const bar = Math.max(1, slot * 0.7);
	ctx.fillStyle = cssVar('--accent', '#2f6fde');
	values.forEach((v, i) => {
		const h = max > 0 ? ((bottom - top) * v) / max : 0;
		ctx.fillRect(i * slot + (slot - bar) / 2, bottom - h, bar, Math.max(h, v > 0 ? ratio : 0));
	});
	ctx.fillStyle = ink;
	ctx.fillText(`max ${format(max)}`, 4 * ratio, font * 1.1);
	ctx.fillText(label(points[0]), 2 * ratio, height - font * 0.3);
	const end = label(points[points.length - 1]);
	ctx.fillText(end, width - ctx.measureText(end).width - 2 * ratio, height - font * 0.3);
}
