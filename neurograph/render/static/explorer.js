"use strict";
// One entry point: the page calls it on its document; the live explorer (a notebook
// widget) on the element it draws into, with the frame, view and instance to keep.
function neurographExplorer(root, DATA, start) {
start = start || {};
const box = root.body || root;  // where the test hooks (data-*) go
const D = DATA, L = D.layout, O = D.offsets, P = D.palette, S = D.packed.sizes;
const raw = atob(D.packed.b64), bytes = new Uint8Array(raw.length);
for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
let F = new Float32Array(bytes.buffer);  // update() swaps in a live run's new numbers
const n = O.n, nw = O.nw, NS = "http://www.w3.org/2000/svg";
const st = { k: 0, inst: start.inst || 0, view: start.view || D.view, scale: start.scale || null, sel: null, timer: null };
const $ = (id) => root.querySelector('#' + id);
// Names are data: every name goes into the page as a text node or an attribute value
// (el, textContent, setAttribute), never through innerHTML, so '</b><img onerror=…>' stays text.
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  kids.forEach((k) => { if (k !== null && k !== undefined) e.append(k); });
  return e;
}
const sub = (t) => el('sub', null, t), sup = (t) => el('sup', null, t);
const fm = (...kids) => el('div', { class: 'f' }, ...kids);  // one line of a formula
const row = (...cells) => el('tr', null, ...cells.map((c) => el('td', null, ...[].concat(c))));
const frames = Array.from(root.querySelectorAll('.frame'));

const cache = {};
function layerOffsets(k) {
  if (cache[k]) return cache[k];
  let p = O.frame[k] + 2 * nw;
  const inputs = O.inputs_once ? O.frame[0] + 2 * nw : p;
  if (n && (!O.inputs_once || k === 0)) p += n * S[0];
  const lo = [null];
  for (let l = 1; l < S.length; l++) { lo.push(p); p += 4 * n * S[l]; }
  return (cache[k] = { inputs: inputs, lo: lo, maps: p });
}
const QI = { z: 0, a: 1, d: 2, delta: 2, dg: 3 };
function val(q, l, p, k, inst) {  // l is 1-based as on the slides
  k = (k === undefined) ? st.k : k; inst = (inst === undefined) ? st.inst : inst;
  if (!n) return NaN;
  const o = layerOffsets(k);
  if (l === 1) return q === 'a' ? F[o.inputs + inst * S[0] + p] : NaN;
  const s = S[l - 1];
  return F[o.lo[l - 1] + QI[q] * n * s + inst * s + p];
}
const W = (i, k) => F[O.frame[k === undefined ? st.k : k] + i];
const G = (i, k) => F[O.frame[k === undefined ? st.k : k] + nw + i];
function fmt(v) {
  if (v === null || v === undefined || !isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return (a >= 1e-3 && a < 1e5) ? String(Number(v.toPrecision(5))) : v.toExponential(4);
}
function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }
function interp(stops, t) {
  if (!isFinite(t)) return '#ff00ff';
  t = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(t), stops.length - 2), f = t - i;
  const a = hex(stops[i]), b = hex(stops[i + 1]);
  return 'rgb(' + a.map((x, j) => Math.round(x + (b[j] - x) * f)).join(',') + ')';
}
const div = (v, m) => interp(P.div, m > 0 ? 0.5 + v / (2 * m) : 0.5);

// --- drawing, made once ---
const svg = $('net');
const units = {}, linkEls = [];
const byTarget = {}, bySource = {};
let maxY = 0;
L.layers.forEach((lay) => lay.units.forEach((u) => { maxY = Math.max(maxY, u.y + u.r); }));
svg.setAttribute('width', L.width + 140); svg.setAttribute('height', maxY + 40);
const big = {};
L.layers.forEach((lay) => { big[lay.l] = lay.big; });
function unitAt(l, p) { return L.layers[l - 1].units[p]; }
L.links.forEach((lk) => {
  const key = lk.t.join(','); (byTarget[key] = byTarget[key] || []).push(lk);
  if (lk.s) { const ks = lk.s.join(','); (bySource[ks] = bySource[ks] || []).push(lk); }
  if (!lk.s || big[lk.s[0]]) return;
  const a = unitAt(lk.s[0], lk.s[1]), b = unitAt(lk.t[0], lk.t[1]);
  const e = document.createElementNS(NS, 'line');
  e.setAttribute('x1', a.x); e.setAttribute('y1', a.y); e.setAttribute('x2', b.x);
  e.setAttribute('y2', b.y); e.setAttribute('class', 'link');
  e.dataset.i = lk.i; lk.el = e; linkEls.push(lk);
  e.addEventListener('mouseenter', () => select({ link: lk }));
  svg.appendChild(e);
});
const unitText = {}, valueLayer = document.createElementNS(NS, 'g');
valueLayer.setAttribute('id', 'values'); svg.appendChild(valueLayer);  // the view's numbers
if (linkEls.length <= 40) linkEls.forEach((lk) => {  // as many as a diagram labels
  const a = unitAt(lk.s[0], lk.s[1]), b = unitAt(lk.t[0], lk.t[1]);
  const t = document.createElementNS(NS, 'text');
  t.setAttribute('x', (a.x + 2 * b.x) / 3); t.setAttribute('y', (a.y + 2 * b.y) / 3 - 3);
  t.setAttribute('class', 'linklabel'); t.dataset.i = lk.i; lk.label = t;
  valueLayer.appendChild(t);
});
const small = L.layers.every((lay) => lay.units.length <= 12);
L.layers.forEach((lay) => lay.units.forEach((u, p) => {
  const c = document.createElementNS(NS, 'circle');
  c.setAttribute('cx', u.x); c.setAttribute('cy', u.y); c.setAttribute('r', u.r);
  c.setAttribute('class', 'unit'); c.setAttribute('tabindex', '0');
  c.setAttribute('id', 'u_' + u.name); c.dataset.l = lay.l; c.dataset.p = p;
  const t = document.createElementNS(NS, 'title'); t.textContent = u.name; c.appendChild(t);
  c.addEventListener('mouseenter', () => select({ l: lay.l, p: p }));
  c.addEventListener('focus', () => select({ l: lay.l, p: p }));
  svg.appendChild(c); units[lay.l + ',' + p] = c;
  let label = small ? u.name : null;
  if (lay.l === L.layers.length && L.classes) label = L.classes[p];
  if (small) {
    const ut = document.createElementNS(NS, 'text');
    ut.setAttribute('x', u.x); ut.setAttribute('y', u.y + u.r + 12);
    ut.setAttribute('class', 'unittext'); ut.dataset.unit = u.name;
    valueLayer.appendChild(ut); unitText[lay.l + ',' + p] = ut;
  }
  if (label !== null) {
    const tx = document.createElementNS(NS, 'text');
    tx.setAttribute('x', u.x + u.r + 4); tx.setAttribute('y', u.y - u.r - 2);
    tx.textContent = label; svg.appendChild(tx);
  }
}));
// heat maps over the input box (two inputs) or weight pictures (image inputs) beside units
const pics = {};
const side = S[0] >= 16 && Math.round(Math.sqrt(S[0])) ** 2 === S[0] ? Math.round(Math.sqrt(S[0])) : 0;
if (D.maps || (side && L.layers.length > 2)) {
  const layers = D.maps ? L.layers.slice(1, -1) : [L.layers[1]];
  layers.forEach((lay) => lay.units.forEach((u, p) => {
    const im = document.createElementNS(NS, 'image');
    const sz = D.maps ? 30 : Math.max(10, Math.min(24, u.r * 2.4));
    im.setAttribute('x', u.x + u.r + 2); im.setAttribute('y', u.y - sz / 2);
    im.setAttribute('width', sz); im.setAttribute('height', sz);
    im.setAttribute('class', D.maps ? 'unitmap' : 'unitpic');
    im.setAttribute('preserveAspectRatio', 'none');
    im.style.imageRendering = 'pixelated';
    svg.appendChild(im); pics[lay.l + ',' + p] = im;
  }));
}
// findings (health view): rings and badges go in one group above units and pictures
const flat = [];  // the units in layer order: a finding names units by this position
L.layers.forEach((lay) => lay.units.forEach((u, p) => flat.push([lay.l, p])));
const ringLayer = document.createElementNS(NS, 'g');
ringLayer.setAttribute('id', 'findings'); svg.appendChild(ringLayer);
const cv = document.createElement('canvas');
function picture(values, w, h, color) {
  cv.width = w; cv.height = h;
  const ctx = cv.getContext('2d'), img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const c = color(values[i]).match(/\d+/g).map(Number);
    img.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  return cv.toDataURL();
}
function mapValues(k, unitIndex) {
  const R = D.maps.res, start = layerOffsets(k).maps + unitIndex * R * R, out = [];
  for (let r = R - 1; r >= 0; r--) for (let c = 0; c < R; c++) out.push(F[start + r * R + c]);
  return out;  // rows flipped: x2 grows upwards
}
let mapCanvas = null;
if (D.maps) {
  const box = $('mapbox');
  box.replaceChildren(el('div', null, 'decision map of ' + L.layers[L.layers.length - 1].units[0].name +
    ' over the input box (points: the instances)'));
  mapCanvas = document.createElement('canvas'); mapCanvas.id = 'map';
  mapCanvas.width = 200; mapCanvas.height = 200; mapCanvas.style.width = '160px'; box.appendChild(mapCanvas);
}
function drawPictures() {
  if (D.maps) {
    let idx = 0;
    const hidden = L.layers.slice(1);
    hidden.forEach((lay) => lay.units.forEach((u, p) => {
      const im = pics[lay.l + ',' + p];
      if (im) im.setAttribute('href', picture(mapValues(st.k, idx), D.maps.res, D.maps.res,
        (v) => interp(P.seq, v)));
      if (lay.l === L.layers.length && p === 0) drawMap(idx);
      idx++;
    }));
  } else if (side) {
    const lay = L.layers[1];
    lay.units.forEach((u, p) => {
      const ws = new Array(S[0]).fill(0);
      (byTarget['2,' + p] || []).forEach((lk) => { if (lk.s && lk.s[0] === 1) ws[lk.s[1]] = W(lk.i); });
      const m = Math.max(...ws.map(Math.abs)) || 1;
      pics['2,' + p].setAttribute('href', picture(ws, side, side, (v) => {
        const g = Math.round(127.5 + 127.5 * v / m); return 'rgb(' + g + ',' + g + ',' + g + ')'; }));
    });
  }
}
function drawMap(idx) {
  const R = D.maps.res, ctx = mapCanvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  const url = picture(mapValues(st.k, idx), R, R, (v) => div(v - 0.5, 0.5));
  const img = new Image();
  img.onload = () => {
    ctx.drawImage(img, 0, 0, 200, 200);
    const [x0, x1, y0, y1] = D.maps.box;
    D.maps.points.forEach((pt, j) => {
      ctx.beginPath();
      ctx.arc((pt[0] - x0) / (x1 - x0) * 200, 200 - (pt[1] - y0) / (y1 - y0) * 200,
        j === st.inst ? 7 : 5, 0, 2 * Math.PI);
      ctx.fillStyle = pt[2] > 0.5 ? '#000000' : '#ffffff'; ctx.fill();
      ctx.lineWidth = j === st.inst ? 3 : 1; ctx.strokeStyle = '#000'; ctx.stroke();
    });
  };
  img.src = url;
}

// --- findings of the frame shown (ng.diagnose of its Trace, packed at build time) ---
const H = D.health, healthCache = {};
const badge = (kind) => H.badges[kind] || ['#000000', kind];
function findings(k) {  // {all, unit: {"l,p": [...]}, link: {i: [...]}} of frame k
  k = (k === undefined) ? st.k : k;
  if (healthCache[k]) return healthCache[k];
  const out = { all: [], unit: {}, link: {} };
  H.frames[k].forEach(([kind, us, ls, summary, advice]) => {
    const f = { kind: kind, units: us.map((u) => flat[u]), links: ls, summary: summary, advice: advice };
    out.all.push(f);
    f.units.forEach(([l, p]) => { (out.unit[l + ',' + p] = out.unit[l + ',' + p] || []).push(f); });
    ls.forEach((i) => { (out.link[i] = out.link[i] || []).push(f); });
  });
  return (healthCache[k] = out);
}
function findingEl(f, who) {
  const [color, mark] = badge(f.kind);
  const names = f.units.map(([l, p]) => unitAt(l, p).name);
  const shown = names.slice(0, 6).join(', ') + (names.length > 6 ? ', … (' + (names.length - 6) + ' more)' : '');
  const them = who && names.length;
  return el('div', { class: 'finding', 'data-kind': f.kind },
    el('span', { class: 'swatch', style: 'background:' + color }), el('b', null, mark + ' ' + f.kind),
    ': ' + f.summary, them ? ' ' : null, them ? el('span', { class: 'who' }, '[' + shown + ']') : null,
    f.advice ? el('div', { class: 'try' }, 'try: ' + f.advice) : null);
}
function drawFindings() {
  ringLayer.replaceChildren();
  if (st.view !== 'health') return;
  const fs = findings();
  Object.keys(fs.unit).forEach((key) => {
    const [l, p] = key.split(',').map(Number), u = unitAt(l, p);
    const kinds = [...new Set(fs.unit[key].map((f) => f.kind))];
    kinds.forEach((kind, j) => {  // one ring per kind, nested outwards
      const c = document.createElementNS(NS, 'circle');
      c.setAttribute('cx', u.x); c.setAttribute('cy', u.y); c.setAttribute('r', u.r + 3 + 3.5 * j);
      c.setAttribute('class', 'ring'); c.setAttribute('stroke', badge(kind)[0]);
      c.dataset.unit = u.name; c.dataset.kind = kind; ringLayer.appendChild(c);
    });
    const t = document.createElementNS(NS, 'text');
    t.setAttribute('x', u.x - u.r - 3); t.setAttribute('y', u.y - u.r - 3);
    t.setAttribute('class', 'badge'); t.dataset.unit = u.name;
    kinds.forEach((kind, j) => {
      const s = document.createElementNS(NS, 'tspan');
      s.setAttribute('fill', badge(kind)[0]); s.textContent = (j ? ' ' : '') + badge(kind)[1];
      t.appendChild(s);
    });
    ringLayer.appendChild(t);
  });
}

// --- values of the view: each view is an entry of Python's table (D.views); the page
// reads the quantities it names and multiplies a link's factors, nothing more ---
const SC = D.scales, SYM = { z: 'z', a: 'a', delta: 'δ' };
const V = () => D.views[st.view];
// a scale's end: one for the run, one per layer or one per frame (the policy picked)
const policy = () => st.scale || SC[st.view].default;
function scaleAt(side, l) {
  const s = SC[st.view][side], p = policy();
  return p === 'layer' ? s.layer[l - 1] : p === 'frame' ? s.frame[st.k] : s.run;
}
function unitColor(l, p) {
  const v = V();
  if (!v.unit || (l === 1 && v.unit !== 'a')) return '#ffffff';  // layer 1 has only a
  const x = val(v.unit, l, p);
  if (v.unit_palette === 'seq') {
    const [lo, hi] = SC[st.view].unit;
    return interp(P.seq, (x - lo) / ((hi - lo) || 1));
  }
  return div(x, scaleAt('unit', l));
}
function factor(f, lk) {  // one factor of a link's value: w, ∂J/∂w, or a quantity at an end
  if (f === 'w') return W(lk.i);
  if (f === 'grad') return G(lk.i);
  const [q, end] = f.split('@'), u = end === 'source' ? lk.s : lk.t;
  return u ? val(q, u[0], u[1]) : 1;  // the bias unit's a is 1
}
const linkValue = (lk) => V().link.reduce((prod, f) => prod * factor(f, lk), 1);
function linkLook(lk) {  // stroke, width, opacity and label of a link in the view shown
  if (st.view === 'health') {  // links a finding names in its colour, the rest greyed
    const fs = findings().link[lk.i];
    return { stroke: fs ? badge(fs[0].kind)[0] : '#d0d0d0', width: fs ? '2.5' : '1',
      opacity: fs ? '0.95' : '0.7', label: '' };
  }
  const v = V(), x = linkValue(lk), m = scaleAt('link', lk.t[0]) || 1;
  const signed = v.link_palette === 'div';
  const col = !isFinite(x) || !v.link.length ? P.none : signed ? div(x, m) : (x >= 0 ? P.exc : P.inh);
  const w = isFinite(x) ? 0.4 + 4 * Math.min(1, Math.abs(x) / m) : 0.5;
  return { stroke: col, width: w.toFixed(2), label: v.link_labels && n ? fmt(x) : '',
    opacity: signed ? 0.9 : 0.35 + 0.6 * Math.min(1, Math.abs(x) / m) };
}
function linkStyle(lk) {
  const k = linkLook(lk);
  lk.el.setAttribute('stroke', k.stroke); lk.el.setAttribute('stroke-width', k.width);
  lk.el.setAttribute('stroke-opacity', k.opacity);
  if (lk.label) lk.label.textContent = k.label;
}
// the Graphviz picture: laid out by dot, coloured and labelled here like the drawing above
const stat = root.querySelector('#static svg'), byIndex = {};
L.links.forEach((lk) => { byIndex[lk.i] = lk; });
function ink(col) {  // black or white text on a fill
  const c = (col.match(/\d+/g) || [255, 255, 255]).map(Number);
  const h = col[0] === '#' ? hex(col) : c;
  return 0.299 * h[0] + 0.587 * h[1] + 0.114 * h[2] < 140 ? '#ffffff' : '#000000';
}
function drawStatic() {
  if (!stat) return;
  const v = V();
  stat.querySelectorAll('g[data-u]').forEach((g) => {
    const [l, p] = g.dataset.u.split(',').map(Number), fill = unitColor(l, p);
    const fs = st.view === 'health' ? findings().unit[l + ',' + p] : null;
    g.querySelectorAll('ellipse, polygon').forEach((e) => {
      e.setAttribute('fill', fill); e.setAttribute('stroke', fs ? badge(fs[0].kind)[0] : 'black');
      e.setAttribute('stroke-width', fs ? '3' : '1'); });
    const parts = fs ? [[null, [...new Set(fs.map((f) => badge(f.kind)[1]))].join(' ')]] :
      (n ? v.unit_text : []).map((q) => [q, val(q, l, p)]).filter(([, x]) => !isNaN(x));
    g.querySelectorAll('text').forEach((t, j) => {
      t.setAttribute('fill', ink(fill));
      if (j === 1) t.textContent = parts.map(([q, x]) => q ? SYM[q] + '=' + fmt(x) : x).join(' ');
      else if (j > 1) t.textContent = '';
    });
  });
  stat.querySelectorAll('g[data-i]').forEach((g) => {
    const k = linkLook(byIndex[g.dataset.i]);
    g.querySelectorAll('path').forEach((e) => { e.setAttribute('stroke', k.stroke);
      e.setAttribute('stroke-width', k.width); e.setAttribute('stroke-opacity', k.opacity); });
    g.querySelectorAll('polygon').forEach((e) => { e.setAttribute('fill', k.stroke); e.setAttribute('stroke', k.stroke); });
    const t = g.querySelector('text');
    if (t) { t.textContent = k.label; t.setAttribute('fill', '#333333'); }
  });
  const title = stat.querySelector('g.graph > text');
  if (title) title.textContent = $('title').textContent;
}
function unitTexts() {  // the quantities the view prints under a unit (small networks)
  const v = V();
  L.layers.forEach((lay) => lay.units.forEach((u, p) => {
    const t = unitText[lay.l + ',' + p];
    if (!t) return;
    const parts = (n ? v.unit_text : []).map((q) => [q, val(q, lay.l, p)]).filter(([, x]) => isFinite(x));
    t.textContent = parts.map(([q, x]) => SYM[q] + '=' + fmt(x)).join(' ');
  }));
}
function bar(stops) { return 'linear-gradient(to right,' + stops.join(',') + ')'; }
function legend() {
  if (st.view === 'health') {
    const fs = findings().all;
    $('legend').replaceChildren(el('b', null, 'findings of this frame (ng.diagnose of its Trace)'),
      ...(fs.length ? fs.map((f) => findingEl(f, true)) :
        [el('div', { class: 'healthy' }, 'healthy: no findings')]));
    return;
  }
  const v = V(), sc = SC[st.view], p = policy();
  // the legend names the scale in force: its ends for the run, this frame, or each layer
  const ends = (side) => p === 'layer' ? Math.max(...sc[side].layer) : scaleAt(side, 1);
  const perLayer = (side) => p !== 'layer' ? '' : '<div class="perlayer" data-which="' + side + '">' +
    sc[side].layer.map((m, l) => m ? 'Layer ' + (l + 1) + ': ±' + fmt(m) : '').filter((t) => t).join('; ') + '</div>';
  const what = { run: 'one scale for the whole run', layer: 'one scale per layer', frame: 'one scale for this frame' }[p];
  let h = '<b id="scalename">' + what + (v.shared ? ', units and links alike' : '') + '</b><br>';
  if (!v.unit) h += '<div>units: not coloured (' + st.view + ' view)</div>';
  else if (v.unit_palette === 'seq') h += '<div>units: ' + v.unit_legend + ' (one scale for the run)</div><div class="bar" style="background:' +
    bar(P.seq) + '"></div><div class="ends" data-which="unit"><span>' + fmt(sc.unit[0]) +
    '</span><span>' + fmt(sc.unit[1]) + '</span></div>';
  else h += '<div>units: ' + v.unit_legend + '</div><div class="bar" style="background:' + bar(P.div) +
    '"></div><div class="ends" data-which="unit"><span>' + fmt(-ends('unit')) + '</span><span>0</span><span>' +
    fmt(ends('unit')) + '</span></div>' + perLayer('unit');
  if (v.link.length) {
    const signed = v.link_palette === 'div', m = ends('link');
    h += '<div>links: ' + sc.lk + (signed ? '' : ' (green > 0, purple < 0; width ∝ |value|)') +
      '</div><div class="bar" style="background:' + (signed ? bar(P.div) : bar([P.inh, '#eeeeee', P.exc])) +
      '"></div><div class="ends" data-which="link"><span>' + fmt(-m) + '</span><span>0</span><span>' +
      fmt(m) + '</span></div>' + perLayer('link');
  }
  $('legend').innerHTML = h;  // numbers and the table's own legend words only, never a name
}

// --- the panel: formulas with the Trace's numbers ---
const sym = (l, p) => unitAt(l, p).name;
const who = () => frames[st.k].dataset.who || D.instances[st.inst] || '(no instance)';
function num(q, v) { return el('b', { 'data-q': q }, fmt(v)); }
function unitPanel(l, p) {
  const name = sym(l, p), inst = who();
  const out = [el('div', null, el('b', null, name), ' (Layer ' + l + ', unit ' + (p + 1) + '), instance ' +
    inst + ', frame ' + (st.k + 1) + ': ' + frames[st.k].dataset.info),
    panelFindings(findings().unit[l + ',' + p])];
  if (!n) return out.concat(el('div', null, 'a History gives weights only: pass Steps for z, a, δ.'));
  if (l === 1) return out.concat(fm('a = x = ', num('a', val('a', 1, p))));
  const ins = byTarget[l + ',' + p] || [];
  const terms = ins.map((lk) => {
    const a = lk.s ? val('a', lk.s[0], lk.s[1]) : 1;
    return { lk: lk, w: W(lk.i), a: a, t: W(lk.i) * a };
  });
  const shown = terms.slice().sort((x, y) => Math.abs(y.t) - Math.abs(x.t)).slice(0, 10);
  const table = el('table', null, row('from', 'Θ', 'a', 'Θ·a'));
  shown.forEach((t) => table.append(row(t.lk.s ? sym(t.lk.s[0], t.lk.s[1]) : '+1 (bias)', fmt(t.w),
    fmt(t.a), fmt(t.t))));
  if (terms.length > shown.length) table.append(el('tr', null, el('td', { colspan: '4' },
    '… and ' + (terms.length - shown.length) + ' smaller terms')));
  const z = val('z', l, p), a = val('a', l, p), dg = val('dg', l, p), d = val('d', l, p);
  out.push(fm('z = Σ', sub('i'), ' Θ', sub('ji'), ' a', sub('i')), table, fm('z = ', num('z', z)),
    fm('a = g(z) = ' + (unitAt(l, p).g || 'g') + '(' + fmt(z) + ') = ', num('a', a)),
    fm('g\'(z) = ', num('dg', dg)));
  if (l === S.length) {
    const y = D.y ? D.y[st.inst][p] : a - d;
    out.push(fm('δ', sup('(L)'), ' = a − y = ' + fmt(a) + ' − ' + fmt(y) + ' = ', num('delta', d)));
    return out;
  }
  const outs = bySource[l + ',' + p] || [];
  const shares = el('table', null, row('to j', ['Θ', sub('ji')], ['δ', sub('j')], 'share Θ·δ'));
  let sum = 0;
  outs.forEach((lk) => {
    const dj = val('d', lk.t[0], lk.t[1]), sh = W(lk.i) * dj; sum += sh;
    shares.append(el('tr', null, el('td', null, sym(lk.t[0], lk.t[1])), el('td', null, fmt(W(lk.i))),
      el('td', null, fmt(dj)), el('td', { 'data-q': 'share' }, fmt(sh))));
  });
  out.push(fm('δ', sub('i'), ' = g\'(z', sub('i'), ')·Σ', sub('j'), ' Θ', sub('ji'), ' δ', sub('j')),
    shares, fm('δ = ' + fmt(dg) + ' × ' + fmt(sum) + ' = ', num('delta', d)));
  return out;
}
function linkPanel(lk) {
  const from = lk.s ? sym(lk.s[0], lk.s[1]) : '+1', to = sym(lk.t[0], lk.t[1]);
  const w = W(lk.i), a = lk.s ? val('a', lk.s[0], lk.s[1]) : 1, dj = val('d', lk.t[0], lk.t[1]);
  return [el('div', null, el('b', null, 'link ' + from + ' → ' + to), ', instance ' + who() +
    ', frame ' + (st.k + 1)), panelFindings(findings().link[lk.i]),
  fm('w = Θ', sub('ji'), ' = ', num('w', w)),
  fm('signal w·a = ' + fmt(w) + ' × ' + fmt(a) + ' = ', num('signal', w * a)),
  fm('blame share Θ', sub('ji'), '·δ', sub('j'), ' = ' + fmt(w) + ' × ' + fmt(dj) + ' = ',
    num('share', w * dj)),
  fm('a·δ (this instance) = ' + fmt(a) + ' × ' + fmt(dj) + ' = ', num('agrad', a * dj)),
  fm('∂J/∂w (the batch) = ', num('grad', G(lk.i)))];
}
// a finding explains the numbers below it (g'(z) ≈ 0, equal δ), so every view lists it
function panelFindings(fs) {
  if (fs && fs.length) return el('div', { class: 'findings' }, ...fs.map((f) => findingEl(f, false)));
  return st.view === 'health' ? el('div', { class: 'findings' }, 'no findings here in this frame') : null;
}
function select(what) {
  if (st.sel && st.sel.el) st.sel.el.classList.remove('on');
  st.sel = what;
  if (what.link) { what.el = what.link.el; }
  else { what.el = units[what.l + ',' + what.p]; }
  if (what.el) what.el.classList.add('on');
  panel();
}
function panel() {
  if (!st.sel) return;
  const parts = st.sel.link ? linkPanel(st.sel.link) : unitPanel(st.sel.l, st.sel.p);
  $('panel').replaceChildren(...parts.filter((x) => x !== null));
}

// --- frames, instances, views ---
const marker = $('marker');
function redraw() {
  const t0 = performance.now();
  L.layers.forEach((lay) => lay.units.forEach((u, p) =>
    units[lay.l + ',' + p].setAttribute('fill', unitColor(lay.l, p))));
  linkEls.forEach(linkStyle);
  unitTexts();
  drawFindings();
  legend();
  drawPictures();
  panel();
  frames.forEach((f, k) => { f.style.display = (k === st.k) ? 'block' : 'none'; });
  $('slider').value = st.k;
  $('info').textContent = frames[st.k].dataset.info;
  const J = frames[st.k].dataset.j;
  $('title').textContent = 's = ' + $('title').dataset.s + ', show = ' + st.view + ', instance ' +
    who() + (J ? ', ' + J : '');
  if (marker) { marker.setAttribute('cx', D.marker.x[st.k]); marker.setAttribute('cy', D.marker.y[st.k]); }
  drawStatic();
  box.dataset.frame = String(st.k);
  box.dataset.instance = String(st.inst);
  box.dataset.view = st.view;
  box.dataset.redrawMs = (performance.now() - t0).toFixed(2);
}
function go(k) { st.k = Math.max(0, Math.min(frames.length - 1, k)); redraw(); }
function play() {
  const b = $('play');
  if (st.timer) { clearInterval(st.timer); st.timer = null; b.textContent = '▶ play'; return; }
  if (st.k >= frames.length - 1) go(0);
  b.textContent = '❚❚ pause';
  st.timer = setInterval(() => { if (st.k >= frames.length - 1) play(); else go(st.k + 1); }, 400);
}
// The live explorer's run grows while it is shown: swap in the frames' numbers (U.F,
// U.offsets: every frame, as pack lays them), their entries (U.frames: render's markup,
// names escaped there), findings, scales, J curve and marker, then redraw in place — the
// drawing, its listeners and the view, instance and scale picked stay. Shows frame
// U.frame (default: the last, the network as it is now).
function update(U) {
  F = U.F;
  Object.assign(O, U.offsets);
  Object.keys(cache).forEach((k) => delete cache[k]);
  Object.keys(healthCache).forEach((k) => delete healthCache[k]);
  Object.assign(SC, U.scales);
  H.frames = U.health;
  D.marker = U.marker;
  $('frames').innerHTML = U.frames;
  frames.splice(0, frames.length, ...root.querySelectorAll('.frame'));
  if (U.curve && cur) {  // the new curve's axes and line around the same marker element
    const fresh = new DOMParser().parseFromString(U.curve, 'image/svg+xml').documentElement;
    fresh.querySelector('#marker').replaceWith(marker);
    ['width', 'height', 'data-n'].forEach((a) => cur.setAttribute(a, fresh.getAttribute(a)));
    cur.replaceChildren(...fresh.childNodes);
  }
  $('slider').max = String(frames.length - 1);
  go(U.frame === undefined ? frames.length - 1 : U.frame);
}
$('slider').addEventListener('input', () => go(parseInt($('slider').value, 10)));
$('prev').addEventListener('click', () => go(st.k - 1));
$('next').addEventListener('click', () => go(st.k + 1));
$('play').addEventListener('click', play);
$('view').addEventListener('change', () => { st.view = $('view').value; redraw(); });
$('scale').addEventListener('change', () => { st.scale = $('scale').value || null; redraw(); });
$('instance').addEventListener('change', () => { st.inst = parseInt($('instance').value, 10) || 0; redraw(); });
root.addEventListener('keydown', (e) => {
  const tag = e.target.tagName;
  if (tag === 'SELECT' || tag === 'INPUT' || tag === 'BUTTON' && e.key === ' ') return;
  const keys = { ArrowRight: () => go(st.k + 1), ArrowLeft: () => go(st.k - 1), ' ': play,
    Home: () => go(0), End: () => go(frames.length - 1) };
  if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
});
const cur = $('curve');
if (cur && D.marker.x.length) cur.addEventListener('click', (e) => {
  const r = cur.getBoundingClientRect(), x = e.clientX - r.left;
  let best = 0;
  D.marker.x.forEach((mx, k) => { if (Math.abs(mx - x) < Math.abs(D.marker.x[best] - x)) best = k; });
  go(best);
});
$('view').value = st.view; $('instance').value = String(st.inst); $('scale').value = st.scale || '';
go(start.frame === undefined ? 0 : start.frame);
box.dataset.openMs = performance.now().toFixed(1);
box.dataset.ready = '1';
return { state: st, go: go, update: update, stop: () => { if (st.timer) play(); } };
}
if (typeof DATA !== 'undefined') neurographExplorer(document, DATA);
