// The growth figures as an SVG chart: two panels (token API, connection list), p50 latency in ms
// against the number of connections on a log scale, with /health as the floor in both. Plain
// SVG text, no dependency: the README shows the copy in docs/bench/.

const W = 360;
const H = 240;
const PAD = { left: 48, right: 28, top: 36, bottom: 44 };
const COLORS = { health: '#8a8f98', one: '#2563eb', many: '#d97706', list: '#059669' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Nice upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
function ceiling(max) {
  const power = 10 ** Math.floor(Math.log10(max || 1));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max);
}

function panel(offsetX, title, levels, series) {
  const top = Math.max(...series.flatMap((s) => s.values)) * 1.1;
  const yMax = ceiling(top);
  const [lo, hi] = [Math.log10(levels[0]), Math.log10(levels[levels.length - 1])];
  const x = (n) => offsetX + PAD.left + ((Math.log10(n) - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
  const y = (v) => PAD.top + (1 - v / yMax) * (H - PAD.top - PAD.bottom);
  const out = [`<text x="${offsetX + W / 2}" y="18" text-anchor="middle" font-weight="600">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i += 1) {
    const v = (yMax / 4) * i;
    out.push(`<line x1="${offsetX + PAD.left}" x2="${offsetX + W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${offsetX + PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(1)}</text>`);
  }
  for (const n of levels) {
    out.push(`<text x="${x(n)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${n.toLocaleString('en-US')}</text>`);
  }
  out.push(`<text x="${offsetX + W / 2}" y="${H - 8}" text-anchor="middle">connections (log scale)</text>`);
  out.push(`<text transform="translate(${offsetX + 12} ${H / 2}) rotate(-90)" text-anchor="middle">p50 ms</text>`);
  series.forEach((s, i) => {
    const points = levels.map((n, j) => `${x(n).toFixed(1)},${y(s.values[j]).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="4 3"' : '';
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${points}"/>`);
    levels.forEach((n, j) => out.push(`<circle cx="${x(n).toFixed(1)}" cy="${y(s.values[j]).toFixed(1)}" r="3" fill="${s.color}"/>`));
    const ly = PAD.top + 4 + i * 14;
    out.push(`<line x1="${offsetX + PAD.left + 8}" x2="${offsetX + PAD.left + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${offsetX + PAD.left + 28}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

/** The chart for `growth` as `measureGrowth` returned it. */
export function growthSvg(growth, when) {
  const levels = growth.rows.map((r) => r.connections);
  const col = (key) => growth.rows.map((r) => r[key]);
  const health = { label: '/health', values: col('health_p50'), color: COLORS.health, dashed: true };
  const left = panel(0, 'Token API p50 (c=8)', levels, [
    health,
    { label: '1 bot key', values: col('token_1_key_p50'), color: COLORS.one },
    { label: `${growth.keys.toLocaleString('en-US')} bot keys in turn`, values: col('token_1000_keys_p50'), color: COLORS.many },
  ]);
  const right = panel(W, 'Connection list, first page p50 (c=8)', levels, [
    health,
    { label: 'list (admin session)', values: col('list_p50'), color: COLORS.list },
  ]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 14}" viewBox="0 0 ${2 * W} ${H + 14}" font-family="system-ui, sans-serif" font-size="11" fill="#111827">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    left,
    right,
    `<text x="${W}" y="${H + 10}" text-anchor="middle" fill="#6b7280">cargo xtask bench, ${esc(when)}, wrangler dev on a shared 2-core machine</text>`,
    '</svg>',
    '',
  ].join('\n');
}
