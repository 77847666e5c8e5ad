"use strict";
// One entry point: the page calls it on its document; the live explorer (a notebook
// widget) on the element it draws into, with the frame, view and instance to keep.
function neurographExplorer(root, DATA, start) {
start = start || {};
const box = root.body || root;  // where the test hooks (data-*) go
const D = DATA, L = D.layout, O = D.offsets, P = D.palette, S = D.packed.sizes;
const raw = atob(D.packed.b64), bytes = new Uint8Array(raw.length);
for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
// float32 where the values fit; those beyond its range come exactly, beside (Python's pack)
const exact = D.packed.exact || [], f32 = D.packed.dtype === 'f8' ? null : new Float32Array(bytes.buffer);
let F = f32 ? (exact.length ? Float64Array.from(f32) : f32) : new Float64Array(bytes.buffer);
exact.forEach(([i, v]) => { F[i] = v; });  // update() swaps in a live run's new numbers
const n = O.n, nw = O.nw, NS = "http://www.w3.org/2000/svg";
const st = { k: 0, inst: start.inst || 0, view: start.view || D.view, scale: start.scale || null, sel: null, timer: null, pic: start.pic !== false };
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
const QI = { z: 0, a: 1, d: 2, delta: 2, dg: 3 }, R = D.rules;
// what a Trace does not hold is undefined ('—'); a NaN the run computed stays NaN ('NaN')
const gone = new Set((O.missing || []).map(([k, q, l]) => k + ',' + q + ',' + l));
function val(q, l, p, k, inst) {  // l is 1-based as on the slides
  k = (k === undefined) ? st.k : k; inst = (inst === undefined) ? st.inst : inst;
  if (!n) return undefined;
  const o = layerOffsets(k);
  if (l === 1) return q === 'a' ? F[o.inputs + inst * S[0] + p] : undefined;
  if (gone.has(k + ',' + (q === 'delta' ? 'd' : q) + ',' + l)) return undefined;
  if (q === 'dg' && R.g[l - 1][p] === 'layerwise') return undefined;
  const s = S[l - 1];
  return F[o.lo[l - 1] + QI[q] * n * s + inst * s + p];
}
const W = (i, k) => F[O.frame[k === undefined ? st.k : k] + i];
const G = (i, k) => (gone.has((k === undefined ? st.k : k) + ',grad,0') ? undefined :
  F[O.frame[k === undefined ? st.k : k] + nw + i]);
function fmt(v) {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!isFinite(v)) return v > 0 ? 'inf' : '−inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return (a >= 1e-3 && a < 1e5) ? String(Number(v.toPrecision(5))) : v.toExponential(4);
}
// arithmetic on what a Trace lacks stays lacking ('—'), never a NaN the run did not compute
const known = (...xs) => xs.every((x) => x !== undefined);
const mul = (x, y) => (known(x, y) ? x * y : undefined);
function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }
function interp(stops, t) {
  if (Number.isNaN(t)) return '#ff00ff';  // NaN; ±inf is the scale's end, as far as it goes
  t = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(t), stops.length - 2), f = t - i;
  const a = hex(stops[i]), b = hex(stops[i + 1]);
  return 'rgb(' + a.map((x, j) => Math.round(x + (b[j] - x) * f)).join(',') + ')';
}
const div = (v, m) => interp(P.div, m > 0 ? 0.5 + v / (2 * m) : 0.5);

// --- drawing, made once; place() puts it where the pane's width allows (again on resize) ---
const svg = $('net');
svg.setAttribute('role', 'group');
svg.setAttribute('aria-label', 'the network: Tab into it; ↑ ↓ move within a layer or among ' +
  'links, → ← follow links');
const units = {}, linkEls = [], placers = [];
const byTarget = {}, bySource = {};
// an image input: x(i) drawn as its picture, or as units (start.pic false: as it was)
const IMG = L.image, pic = { on: !!IMG && start.pic !== false };
const big = {}, GL = {};  // GL: the grid layers (drawn as their feature maps), by l
L.layers.forEach((lay) => {
  big[lay.l] = lay.big;
  if (lay.grid) GL[lay.l] = lay.grid;
  [lay.bias].concat(lay.units).forEach((u) => { if (u) { u.x0 = u.x; u.y0 = u.y; } });
});
function unitAt(l, p) { return p < 0 ? L.layers[l - 1].bias : L.layers[l - 1].units[p]; }
const srcOf = (lk) => lk.s || [lk.b, -1];  // a bias link comes from its layer's "+1" (p = -1)
const svgEl = (tag, attrs, parent) => {
  const e = document.createElementNS(NS, tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  (parent || svg).appendChild(e);
  return e;
};
const at = (e, attrs) => Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
// x(i) as its picture: an image input while pic.on, an input grid's maps always
const onPicture = (l) => l === 1 && (pic.on || !!GL[1]);
function place() {  // the layers spread over the pane's width; positions are the layout's
  const m = $('main'), pn = $('panel');
  const pane = m && m.clientWidth ? m.clientWidth - (pn ? pn.offsetWidth : 0) - 24 : 0;
  const gaps = Math.max(1, L.layers.length - 1);
  const extra = Math.max(0, Math.min(400, (pane - L.width) / gaps));
  L.layers.forEach((lay, j) => { lay.dx = j * extra; });
  L.layers.forEach((lay, j) => [lay.bias].concat(lay.units).forEach((u) => {
    if (!u) return;
    u.x = (onPicture(lay.l) && u.gx !== undefined ? u.gx : u.x0) + j * extra;
    u.y = onPicture(lay.l) && u.gy !== undefined ? u.gy : u.y0;
  }));
  svg.classList.toggle('picture', pic.on);
  svg.setAttribute('width', Math.round(L.width + gaps * extra));
  svg.setAttribute('height', Math.round(L.height));
  placers.forEach((f) => f());
}
// bias links go under the others: where lines cross, a hover or click finds the unit's link
const underneath = svgEl('g', { id: 'biaslinks' });
L.links.forEach((lk) => {
  const key = lk.t.join(','); (byTarget[key] = byTarget[key] || []).push(lk);
  const ks = srcOf(lk).join(','); (bySource[ks] = bySource[ks] || []).push(lk);
  if (lk.s && big[lk.s[0]]) return;  // a bias link is drawn even from a large layer
  if (GL[lk.t[0]] && (!lk.s || GL[lk.s[0]])) return;  // into a map: one line per pair of maps
  const e = svgEl('line', { class: lk.s ? 'link' : 'biaslink', tabindex: '-1',
    role: 'graphics-symbol' }, lk.s ? svg : underneath);
  e.dataset.i = lk.i; lk.el = e; linkEls.push(lk);
  placers.push(() => { const a = unitAt(...srcOf(lk)), b = unitAt(lk.t[0], lk.t[1]);
    at(e, { x1: a.x, y1: a.y, x2: b.x, y2: b.y }); });
  e.addEventListener('mouseenter', () => select({ link: lk }));
  e.addEventListener('focus', () => select({ link: lk }, true));
});
// the formula's order: bias first, then by layer and position (not the links' own order)
const order = (a, b) => (a[0] - b[0]) || (a[1] - b[1]);
Object.values(byTarget).forEach((ls) => ls.sort((x, y) => order(srcOf(x), srcOf(y))));
Object.values(bySource).forEach((ls) => ls.sort((x, y) => order(x.t, y.t)));
// links into a map are many (a kernel's entries at every position): one line per pair of
// maps they join stands for them, under the cells; a link's numbers are a kernel entry's panel
const mapLines = svgEl('g', { id: 'maplines' });
// a map's box, its kernel pictures counted in: a line leaves a conv map right of them
const mapBox = (l, m) => { const g = GL[l], [x, y] = g.at[m];
  return { x: x + L.layers[l - 1].dx, y: y, w: g.w * g.cell + (g.kernels ? g.kernels.width : 0),
    h: g.h * g.cell }; };
(L.maplinks || []).forEach(([ls, ms, lt, mt]) => {
  const e = svgEl('line', { class: 'maplink' }, mapLines);
  e.dataset.from = ls + ',' + ms; e.dataset.to = lt + ',' + mt;
  placers.push(() => { const a = mapBox(ls, ms), b = mapBox(lt, mt);
    at(e, { x1: a.x + a.w, y1: a.y + a.h / 2, x2: b.x, y2: b.y + b.h / 2 }); });
});
const unitText = {}, valueLayer = svgEl('g', { id: 'values' });  // the view's numbers
if (linkEls.length <= 40) linkEls.forEach((lk) => {  // as many as a diagram labels
  const t = svgEl('text', { class: 'linklabel' }, valueLayer); t.dataset.i = lk.i; lk.label = t;
  placers.push(() => { const a = unitAt(...srcOf(lk)), b = unitAt(lk.t[0], lk.t[1]);
    at(t, { x: (a.x + 2 * b.x) / 3, y: (a.y + 2 * b.y) / 3 - 3 }); });
});
const small = L.layers.every((lay) => lay.units.length <= 12);
const ones = svgEl('g', { id: 'bias' });  // the "+1" units of layers 1 … L−1
function focusable(e, l, p) {
  e.setAttribute('tabindex', '-1'); e.setAttribute('role', 'graphics-symbol');
  e.dataset.l = l; e.dataset.p = p;
  e.addEventListener('mouseenter', () => select({ l: l, p: p }));
  e.addEventListener('focus', () => select({ l: l, p: p }, true));
  units[l + ',' + p] = e;
}
L.layers.forEach((lay) => {
  const b = lay.bias;
  if (b) {
    const c = svgEl('circle', { class: 'bias', id: 'b_' + b.name }, ones);
    const t = svgEl('text', { class: 'one' }, ones); t.textContent = '+1';
    focusable(c, lay.l, -1);
    placers.push(() => { at(c, { cx: b.x, cy: b.y, r: b.r }); at(t, { x: b.x, y: b.y + 3.5 }); });
  }
  lay.units.forEach((u, p) => {
    const rect = (IMG && lay.l === 1) || !!lay.grid;  // a pixel, a map's cell, or a round unit
    const c = svgEl(rect ? 'rect' : 'circle', { class: lay.grid ? 'unit cell' : 'unit', id: 'u_' + u.name });
    const t = document.createElementNS(NS, 'title'); t.textContent = u.name; c.appendChild(t);
    focusable(c, lay.l, p);
    placers.push(() => {
      if (!rect) at(c, { cx: u.x, cy: u.y, r: u.r });
      else if (lay.grid) { const s = lay.grid.cell; at(c, { x: u.x - s / 2, y: u.y - s / 2, width: s, height: s }); }
      else { const s = pic.on ? IMG.cell : 2 * u.r;
        at(c, { x: u.x - s / 2, y: u.y - s / 2, width: s, height: s, rx: pic.on ? 0 : u.r }); }
    });
    if (small) {
      const ut = svgEl('text', { class: 'unittext' }, valueLayer); ut.dataset.unit = u.name;
      unitText[lay.l + ',' + p] = ut;
      placers.push(() => at(ut, { x: u.x, y: u.y + u.r + 12 }));
    }
    const out = lay.l === L.layers.length && L.classes;
    // one output unit stands for two classes: a → 1 is the second, a → 0 the first
    const names = out ? (lay.units.length === 1 ? [L.classes[1], L.classes[0]] : [L.classes[p]]) :
      small ? [u.name] : [];
    names.forEach((name, j) => {
      const tx = svgEl('text', { class: out ? 'classname' : 'unitname' }); tx.textContent = name;
      const hint = out && names.length > 1 ? svgEl('text', { class: 'hint' }, ones) : null;
      if (hint) hint.textContent = j ? 'a → 0:' : 'a → 1:';
      placers.push(() => {
        if (!out) { at(tx, { x: u.x, y: u.y - u.r - 5 }); return; }  // above: links come in level
        const y = u.y + 4 + (names.length > 1 ? (j ? 9 : -7) : 0);
        at(tx, { x: u.x + u.r + (hint ? 42 : 5), y: y });
        if (hint) at(hint, { x: u.x + u.r + 5, y: y });
      });
    });
  });
});
// --- a grid layer's furniture: its heading, each map's name, and a conv map's kernels
// (one picture per input map read, its values printed) with ∂J/∂K of the frame beside ---
const gridLayer = svgEl('g', { id: 'grids' }), kcells = [], kbias = [];
const gtext = (cls, txt, place) => {
  const t = svgEl('text', { class: cls }, gridLayer); t.textContent = txt; placers.push(() => place(t)); return t;
};
let byTheta = null;  // a θ index's links (a shared weight has many)
function linkOf(i) {
  if (!byTheta) { byTheta = {}; L.links.forEach((k) => { (byTheta[k.i] = byTheta[k.i] || []).push(k); }); }
  return (byTheta[i] || [])[0];
}
const paramName = (i) => { const lk = linkOf(i); return lk && lk.p !== undefined ? lk.p : 'θ[' + i + ']'; };
function kernelCell(lay, m, i, grad, x, y, w, h, shows) {
  const e = svgEl('rect', { class: 'kcell', tabindex: '-1', role: 'graphics-symbol', width: w, height: h }, gridLayer);
  e.dataset.k = i; e.dataset.grad = grad ? '1' : '0';  // k: the θ index (data-i is a link's)
  e.dataset.n = kcells.length;  // its place in the keyboard's walk
  const t = shows ? svgEl('text', { class: 'kval' }, gridLayer) : null;
  placers.push(() => { at(e, { x: x + lay.dx, y: y }); if (t) at(t, { x: x + lay.dx + w / 2, y: y + h / 2 + 3 }); });
  const pick = (focused) => select({ kernel: { l: lay.l, i: i, grad: grad, el: e }, el: e }, focused);
  e.addEventListener('mouseenter', () => pick(false));
  e.addEventListener('focus', () => pick(true));
  kcells.push({ el: e, text: t, i: i, grad: grad, l: lay.l, m: m });
}
// a map's shared bias "b = …" beside its kernel's heading: a parameter like a kernel entry
// (same panel, same walk: the map's last entry), printed but not coloured
function biasTarget(lay, m, i, head, x, y) {
  const e = svgEl('text', { class: 'kbias', tabindex: '-1', role: 'graphics-symbol' }, gridLayer);
  e.dataset.k = i; e.dataset.bias = '1'; e.dataset.n = kcells.length;
  placers.push(() => at(e, { x: x + lay.dx + head.getComputedTextLength() + 5, y: y }));
  const pick = (focused) => select({ kernel: { l: lay.l, i: i, grad: false, bias: true, el: e }, el: e }, focused);
  e.addEventListener('mouseenter', () => pick(false));
  e.addEventListener('focus', () => pick(true));
  kcells.push({ el: e, text: null, i: i, grad: false, bias: true, l: lay.l, m: m });
  kbias.push({ el: e, i: i });
}
L.layers.forEach((lay) => {
  const g = lay.grid;
  if (!g) return;
  const [x0, y0] = g.at[0];
  // two short lines: a narrow block's heading must not reach the next layer's "+1"
  gtext('gridhead', g.name + ': ' + g.kind, (t) => at(t, { x: x0 + lay.dx, y: y0 - 28 }));
  gtext('gridsize', g.maps + (g.maps === 1 ? ' map ' : ' maps ') + g.h + '×' + g.w,
    (t) => at(t, { x: x0 + lay.dx, y: y0 - 16 }));
  g.at.forEach(([x, y], m) => {
    if (g.maps > 1) gtext('mapname', g.name + '[' + m + ']', (t) => at(t, { x: x + lay.dx, y: y - 3 }));
    const K = g.kernels;
    if (!K) return;
    const [C, kh, kw] = K.shape, step = kw * K.cw + 6;
    let kHead = null;  // K's heading: the bias is printed after it
    for (let c = 0; c < K.shown; c++) [false, true].forEach((grad, j) => {
      const left = x + g.w * g.cell + 6 + (j * K.shown + c) * step;
      const head = (grad ? '∂J/∂K' : 'K') + (C > 1 ? '[' + c + ']' : '');
      const t = gtext('khead', head, (e) => at(e, { x: left + lay.dx, y: y - 3 }));
      if (!grad && c === 0) kHead = { t: t, x: left };
      for (let r = 0; r < kh; r++) for (let q = 0; q < kw; q++) {
        kernelCell(lay, m, K.i[((m * C + c) * kh + r) * kw + q], grad, left + q * K.cw, y + r * K.ch,
          K.cw, K.ch, K.values);
      }
    });
    // the map's shared bias, per frame, where the picture is wide enough (else: the +1 row
    // of each of its units' panels)
    if (kHead && K.bias && K.values) biasTarget(lay, m, K.bias[m], kHead.t, kHead.x, y - 3);
    if (C > K.shown) gtext('khead', '+ ' + (C - K.shown) + ' more', (t) => at(t, { x: x + lay.dx, y: y + g.h * g.cell + 10 }));
  });
});
const fieldLayer = svgEl('g', { id: 'field' });  // a map unit's receptive field, over the cells
placers.push(() => { if (st.sel) drawField(st.sel); });  // the pane widened: the cells moved
function drawField(what) {
  fieldLayer.replaceChildren();
  if (what.kernel || what.link || !GL[what.l] || what.p < 0) return;
  (byTarget[what.l + ',' + what.p] || []).forEach((lk) => {
    if (!lk.s || !GL[lk.s[0]]) return;
    const u = unitAt(lk.s[0], lk.s[1]), s = GL[lk.s[0]].cell;
    const e = svgEl('rect', { class: 'field', x: u.x - s / 2, y: u.y - s / 2, width: s, height: s }, fieldLayer);
    e.dataset.unit = u.name;
  });
}
function short(v) {  // a kernel cell's value in at most 5 characters, as the diagrams print it
  if (v === undefined) return '—';
  if (v === 0 || !isFinite(v)) return fmt(v);
  const a = Math.abs(v);
  return a >= 0.01 && a < 100 ? String(Number(v.toPrecision(2))) : v.toExponential(0).replace('+', '');
}
function drawGrids() {  // cells: the view's quantity (data-v); kernels: w by sign, ∂J/∂K red/blue
  const q = V().unit;
  Object.keys(GL).forEach((l) => L.layers[l - 1].units.forEach((u, p) => {
    const x = +l === 1 ? val('a', 1, p) : q ? val(q, +l, p) : undefined;
    units[l + ',' + p].dataset.v = x === undefined ? '' : String(x);
  }));
  const top = {};
  kcells.forEach((c) => { if (c.bias) return; const v = c.grad ? G(c.i) : W(c.i), k = c.l + ',' + c.grad;
    c.v = v; top[k] = Math.max(top[k] || 0, known(v) && isFinite(v) ? Math.abs(v) : 0); });
  kcells.forEach((c) => {
    if (c.bias) return;  // b is printed in its label (kbias below), not a picture's cell
    const m = top[c.l + ',' + c.grad] || 1;
    const fill = c.v === undefined ? '#ffffff' : c.grad ? div(c.v, m) :
      interp(['#ffffff', c.v >= 0 ? P.exc : P.inh], Math.abs(c.v) / m);
    c.el.setAttribute('fill', fill);
    c.el.dataset.v = c.v === undefined ? '' : String(c.v);
    if (c.text) { c.text.textContent = short(c.v); c.text.setAttribute('fill', ink(fill)); }
  });
  kbias.forEach((b) => {
    const v = W(b.i);
    b.el.textContent = 'b = ' + short(v); b.el.dataset.v = v === undefined ? '' : String(v);
  });
}
// heat maps over the input box (two inputs) or weight pictures (image inputs) beside units,
// never over a label (names sit above a unit, class names right of the output layer)
const pics = {};
// the weights into Layer 2 as pictures of x's shape: an image input's, or an input grid's
// of one map feeding dense units (a conv layer's weights are its kernels)
const PICW = IMG || (GL[1] && GL[1].maps === 1 && !GL[2] ? GL[1] : null);
if (D.maps || (PICW && L.layers.length > 2)) {
  const layers = D.maps ? L.layers.slice(1, -1) : [L.layers[1]];
  layers.forEach((lay) => lay.units.forEach((u, p) => {
    const step = lay.units.length > 1 ? Math.abs(lay.units[1].y0 - lay.units[0].y0) : 40;
    const sz = Math.max(8, Math.min(D.maps ? 30 : 26, step - 2));
    const im = svgEl('image', { width: sz, height: sz, class: D.maps ? 'unitmap' : 'unitpic',
      preserveAspectRatio: 'none' });
    im.style.imageRendering = 'pixelated';
    // its bottom at the unit's: the numbers printed under a unit stay clear of it
    placers.push(() => at(im, { x: u.x + u.r + 3, y: u.y + u.r - sz }));
    pics[lay.l + ',' + p] = im;
  }));
}
let caption = null;  // what the picture is: x(i), h×w
if (IMG) {
  caption = svgEl('text', { class: 'caption' }, ones);
  placers.push(() => {
    const us = L.layers[0].units, ys = us.map((u) => u.y), xs = us.map((u) => u.x);
    at(caption, { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: Math.max(...ys) + IMG.cell + 8 });
  });
  const b = el('button', { id: 'inputs', type: 'button', 'aria-pressed': 'false' });
  const label = () => { b.textContent = pic.on ? 'x as units' : 'x as a picture';
    b.setAttribute('aria-pressed', String(!pic.on)); };
  b.addEventListener('click', () => { pic.on = st.pic = !pic.on; label(); place(); redraw(); });
  label();
  if ($('controls')) $('controls').insertBefore(b, $('info'));
}
place();
const onResize = () => place();
window.addEventListener('resize', onResize);
// the pane also narrows without a window resize: a scroll bar appears once the page below
// the network (maps, the plane, the static frame) grows taller than the window
let paneWidth = $('main') ? $('main').clientWidth : 0;
const watcher = typeof ResizeObserver === 'undefined' || !$('main') ? null : new ResizeObserver(() => {
  const w = $('main').clientWidth;
  if (w !== paneWidth) { paneWidth = w; place(); }
});
if (watcher) watcher.observe($('main'));
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
  } else if (PICW && pics['2,0']) {
    const lay = L.layers[1];
    lay.units.forEach((u, p) => {
      const ws = new Array(S[0]).fill(0);
      (byTarget['2,' + p] || []).forEach((lk) => { if (lk.s && lk.s[0] === 1) ws[lk.s[1]] = W(lk.i); });
      const m = Math.max(...ws.map(Math.abs)) || 1;
      pics['2,' + p].setAttribute('href', picture(ws, PICW.w, PICW.h, (v) => {
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
      ctx.fillStyle = P.classes[pt[2] % P.classes.length]; ctx.fill();  // as the plane's points
      ctx.lineWidth = j === st.inst ? 3 : 1; ctx.strokeStyle = '#000'; ctx.stroke();
    });
  };
  img.src = url;
}

// --- the transformed plane: the input box's grid lines and the points carried through a
// hidden layer (Python's numbers: each unit's a at every grid point), drawn over two units ---
const PL = D.plane, PSIZE = 220;
const plane = PL ? { j: PL.layers.indexOf(PL.start[0]), u: [PL.start[1], PL.start[2]] } : null;
let planeSvg = null;
if (PL) {
  const layerPick = el('select', { id: 'plane-layer', 'aria-label': 'hidden layer of the plane' });
  PL.layers.forEach((l, j) => layerPick.append(el('option', { value: String(j) }, 'Layer ' + l)));
  const picks = ['horizontal', 'vertical'].map((axis, i) => el('select', { id: 'plane-u' + (i + 1),
    'aria-label': 'unit on the ' + axis + ' axis' }));
  const unitOptions = () => picks.forEach((s, i) => {
    s.replaceChildren(...PL.names[plane.j].map((nm, p) => el('option', { value: String(p) }, nm)));
    s.value = String(plane.u[i]);
  });
  layerPick.value = String(plane.j); unitOptions();
  layerPick.addEventListener('change', () => {
    plane.j = parseInt(layerPick.value, 10); plane.u = [0, Math.min(1, PL.names[plane.j].length - 1)];
    unitOptions(); drawPlane();
  });
  picks.forEach((s, i) => s.addEventListener('change', () => { plane.u[i] = parseInt(s.value, 10); drawPlane(); }));
  const ins = L.layers[0].units;
  planeSvg = document.createElementNS(NS, 'svg'); planeSvg.setAttribute('id', 'plane');
  planeSvg.setAttribute('width', PSIZE); planeSvg.setAttribute('height', PSIZE);
  $('planebox').replaceChildren(el('div', null, 'the input plane as a hidden layer sees it'),
    el('div', null, layerPick, ' across ', picks[0], ' up ', picks[1]), planeSvg,
    el('div', { class: 'planekey' }, el('span', { class: 'rowkey' }, '— ' + ins[1].name + ' fixed'), ' ',
      el('span', { class: 'colkey' }, '— ' + ins[0].name + ' fixed'), ', points: the instances'));
}
function planeEl(tag, attrs) {  // an SVG element of the plane, not yet placed
  const e = document.createElementNS(NS, tag);
  Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
  return e;
}
function drawPlane() {
  if (!PL) return;
  const R = PL.res, m = PL.points, per = R * R + m, j = plane.j, [u, v] = plane.u;
  let base = O.plane[st.k];
  for (let i = 0; i < j; i++) base += PL.names[i].length * per;
  const [x0, x1] = PL.ranges[st.k][j][u], [y0, y1] = PL.ranges[st.k][j][v], pad = 10;
  const sx = (x) => pad + (x - x0) / (x1 - x0) * (PSIZE - 2 * pad);
  const sy = (y) => PSIZE - pad - (y - y0) / (y1 - y0) * (PSIZE - 2 * pad);
  const at = (i) => [F[base + u * per + i], F[base + v * per + i]];
  const line = (idx, cls) => planeEl('polyline', { class: cls, fill: 'none', points: idx.map(at)
    .filter(([x, y]) => isFinite(x) && isFinite(y)).map(([x, y]) => sx(x).toFixed(1) + ',' + sy(y).toFixed(1)).join(' ') });
  const kids = [planeEl('rect', { x: 0.5, y: 0.5, width: PSIZE - 1, height: PSIZE - 1, fill: '#fafafa', stroke: '#999' })];
  const span = [...Array(R).keys()];
  for (let r = 0; r < R; r += PL.every) kids.push(line(span.map((c) => r * R + c), 'rowline'));
  for (let c = 0; c < R; c += PL.every) kids.push(line(span.map((r) => r * R + c), 'colline'));
  const mine = D.rows ? D.rows[st.inst] : -1;
  for (let i = 0; i < m; i++) {
    const [x, y] = at(R * R + i);
    if (!isFinite(x) || !isFinite(y)) continue;
    kids.push(planeEl('circle', { class: 'planept', cx: sx(x).toFixed(1), cy: sy(y).toFixed(1), r: i === mine ? 6 : 4,
      fill: P.classes[PL.classes[i] % P.classes.length] || '#999', stroke: '#000', 'stroke-width': i === mine ? 2.5 : 1,
      'data-row': i }));
  }
  const axis = (x, y, txt, anchor) => { const t = planeEl('text', { x: x, y: y, class: 'planeaxis', 'text-anchor': anchor }); t.textContent = txt; return t; };
  kids.push(axis(PSIZE - 3, PSIZE - 2, PL.names[j][u] + ' ' + fmt(x0) + '…' + fmt(x1), 'end'),
    axis(3, 11, PL.names[j][v] + ' ' + fmt(y0) + '…' + fmt(y1), 'start'));
  planeSvg.replaceChildren(...kids);
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
  const fs = findings(), onMaps = {};
  Object.keys(fs.unit).forEach((key) => {
    const [l, p] = key.split(',').map(Number), u = unitAt(l, p);
    const kinds = [...new Set(fs.unit[key].map((f) => f.kind))];
    if (GL[l]) {  // a map's cell: a square ring per kind; the badges once per map, below
      const s = GL[l].cell;
      kinds.forEach((kind, j) => {
        const c = document.createElementNS(NS, 'rect'), e = s / 2 + 1 + 2 * j;
        at(c, { x: u.x - e, y: u.y - e, width: 2 * e, height: 2 * e, class: 'ring', stroke: badge(kind)[0] });
        c.dataset.unit = u.name; c.dataset.kind = kind; ringLayer.appendChild(c);
        const m = onMaps[l + ',' + u.m] = onMaps[l + ',' + u.m] || new Set();
        m.add(kind);
      });
      return;
    }
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
  Object.entries(onMaps).forEach(([key, kinds]) => {  // left of the map: its cells' kinds
    const [l, m] = key.split(',').map(Number), b = mapBox(l, m);
    const t = document.createElementNS(NS, 'text');
    at(t, { x: b.x - 4, y: b.y + 9, class: 'badge' }); t.dataset.map = key;
    [...kinds].forEach((kind, j) => {
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
// a sequential scale's [lo, hi]: the run's, or the layer's or frame's as the picker says
function seqEnds(l) {
  const sc = SC[st.view], p = policy(), by = sc.unit_by;
  return by && p === 'layer' ? by.layer[l - 1] : by && p === 'frame' ? by.frame[st.k] : sc.unit;
}
let ink0 = [0, 1];  // the ends of x(i)'s grey scale, as it is drawn as its picture
function unitColor(l, p, drawn) {
  const v = V();
  if (drawn && onPicture(l)) {  // the picture of x(i): white at its smallest value, black at its largest
    const g = Math.round(255 * (1 - (val('a', 1, p) - ink0[0]) / ((ink0[1] - ink0[0]) || 1)));
    return isFinite(g) ? 'rgb(' + g + ',' + g + ',' + g + ')' : '#ffffff';
  }
  if (!v.unit || (l === 1 && v.unit !== 'a')) return '#ffffff';  // layer 1 has only a
  const x = val(v.unit, l, p);
  if (x === undefined) return '#ffffff';  // not in this frame's Trace
  if (v.unit_palette === 'seq') {
    const [lo, hi] = seqEnds(l);
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
  const col = Number.isNaN(x) || !v.link.length ? P.none : signed ? div(x, m) : (x >= 0 ? P.exc : P.inh);
  const w = Number.isNaN(x) ? 0.5 : 0.4 + 4 * Math.min(1, Math.abs(x) / m);  // inf: the widest
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
      (n ? v.unit_text : []).map((q) => [q, val(q, l, p)]).filter(([, x]) => x !== undefined);
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
    // a value the Trace holds is written, inf and NaN by name; one it lacks is left out
    const parts = (n ? v.unit_text : []).map((q) => [q, val(q, lay.l, p)]).filter(([, x]) => x !== undefined);
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
  else if (v.unit_palette === 'seq') {
    const se = p === 'frame' && sc.unit_by ? sc.unit_by.frame[st.k] : sc.unit;  // per layer: each below
    h += '<div>units: ' + v.unit_legend + '</div><div class="bar" style="background:' +
    bar(P.seq) + '"></div><div class="ends" data-which="unit"><span>' + fmt(se[0]) +
    '</span><span>' + fmt(se[1]) + '</span></div>' + (p !== 'layer' || !sc.unit_by ? '' :
      '<div class="perlayer" data-which="unit">' + sc.unit_by.layer.slice(1).map((e, l) =>
        'Layer ' + (l + 2) + ': ' + fmt(e[0]) + '…' + fmt(e[1])).join('; ') + '</div>');
  }
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
  const cls = l === S.length && L.classes ? (S[l - 1] === 1 ? ', a → 1: ' + L.classes[1] + ', a → 0: ' +
    L.classes[0] : ', class ' + L.classes[p]) : '';  // what the output stands for
  const out = [el('div', null, el('b', null, name), ' (Layer ' + l + ', unit ' + (p + 1) + cls + '), instance ' +
    inst + ', frame ' + (st.k + 1) + ': ' + frames[st.k].dataset.info),
    panelFindings(findings().unit[l + ',' + p])];
  if (!n) return out.concat(el('div', null, 'a History gives weights only: pass Steps for z, a, δ.'));
  if (l === 1) return out.concat(fm('a = x = ', num('a', val('a', 1, p))));
  const z = val('z', l, p), a = val('a', l, p), dg = val('dg', l, p), d = val('d', l, p);
  if (pooled(l, p)) {  // a pooling unit: z is the max or the mean of its window's a
    const f = R.f[l - 1][p], win = windowOf(l, p), cells = el('table', null, row('from', 'a'));
    const first = f === 'max' ? win.find((lk) => dzda(lk) === 1) : null;
    win.forEach((lk) => cells.append(row(sym(lk.s[0], lk.s[1]) + (lk === first ? ' (won)' : ''),
      fmt(val('a', lk.s[0], lk.s[1])))));
    out.push(fm('z = ' + f, sub('i'), ' a', sub('i'), ' over its window of ' + win.length + ' units'),
      el('div', { class: 'terms' }, cells), fm('z = ', num('z', z)));
    return out.concat(activationLines(l, p, z, a, dg), deltaLines(l, p, a, dg, d));
  }
  // every term in the formula's order (bias first, byTarget is sorted so), scrolled when long
  const table = el('table', null, row('from', 'Θ', 'a', 'Θ·a'));
  (byTarget[l + ',' + p] || []).forEach((lk) => {
    const a = lk.s ? val('a', lk.s[0], lk.s[1]) : 1;
    table.append(row(lk.s ? sym(lk.s[0], lk.s[1]) : '+1 (bias)', fmt(W(lk.i)), fmt(a), fmt(mul(W(lk.i), a))));
  });
  out.push(fm('z = Σ', sub('i'), ' Θ', sub('ji'), ' a', sub('i')), el('div', { class: 'terms' }, table),
    fm('z = ', num('z', z)));
  return out.concat(activationLines(l, p, z, a, dg), deltaLines(l, p, a, dg, d));
}
// a and δ as the unit's rule writes them (D.rules: its activation's facts and the run's loss)
const gname = (l, p) => unitAt(l, p).g || 'g';
function activationLines(l, p, z, a, dg) {
  if (R.g[l - 1][p] !== 'layerwise') return [fm('a = g(z) = ' + gname(l, p) + '(' + fmt(z) + ') = ',
    num('a', a)), fm('g\'(z) = ', num('dg', dg))];
  const e = (i) => el('sup', null, 'z', sub(i));  // e^(z_i)
  return [fm('a = ' + gname(l, p) + '(z)', sub('k'), ' = e', e('k'), ' / Σ', sub('j'), ' e', e('j'),
    ' (over Layer ' + l + ') = ', num('a', a)),
  el('div', { class: 'note' }, 'each a', sub('k'), ' depends on every z of its layer: no g\'(z) of one unit')];
}
const sumBy = (list, f) => list.reduce((acc, x, i) => { const v = f(x, i); return known(acc, v) ? acc + v : undefined; }, 0);
// how a unit makes z (R.f, its input function's facts): 'sum' Σ Θa, or a pool's 'max' or
// 'mean' of its window; ∂z_j/∂a_i is then Θ_ji, 1 for the window's first largest a and 0
// for the rest (the engines' order: by layer and position, as byTarget is sorted), or 1/k
const pooled = (l, p) => R.f[l - 1][p] !== 'sum';
const windowOf = (l, p) => (byTarget[l + ',' + p] || []).filter((lk) => lk.s);
function dzda(lk) {
  const [l, p] = lk.t;
  if (!pooled(l, p)) return W(lk.i);
  const win = windowOf(l, p);
  if (R.f[l - 1][p] === 'mean') return 1 / win.length;
  const as = win.map((k) => val('a', k.s[0], k.s[1]));
  if (!known(...as)) return undefined;
  return win[as.indexOf(Math.max(...as))] === lk ? 1 : 0;
}
function errorOf(l, p) {  // Σ_j ∂z_j/∂a_i δ_j (Θ_ji δ_j): the error unit p of Layer l is handed back
  return sumBy(bySource[l + ',' + p] || [], (lk) => mul(dzda(lk), val('d', lk.t[0], lk.t[1])));
}
function deltaLines(l, p, a, dg, d) {
  const rule = R.delta[l - 1][p], g = gname(l, p), L_ = sup('(L)');
  const yOf = (q) => (D.y ? D.y[st.inst][q] : undefined);
  if (rule === 'ce') {
    const y = D.y ? yOf(p) : known(a, d) ? a - d : undefined;
    return [fm('δ', L_, ' = a − y = ' + fmt(a) + ' − ' + fmt(y) + ' = ', num('delta', d)),
      el('div', { class: 'note', 'data-rule': rule }, 'cross-entropy with ' + g +
        ' outputs: g\'(z) cancels, so δ' + '(L) = a − y')];
  }
  if (rule === 'mse') {
    const y = D.y ? yOf(p) : known(a, d, dg) ? a - d / dg : undefined;
    return [fm('δ', L_, ' = (a − y)·g\'(z) = (' + fmt(a) + ' − ' + fmt(y) + ') × ' + fmt(dg) + ' = ',
      num('delta', d)), el('div', { class: 'note', 'data-rule': rule }, 'squared error ½(a − y)²')];
  }
  if (rule === 'mse_layerwise') {
    const m = D.y ? sumBy(L.layers[l - 1].units, (u, q) => val('a', l, q) * (val('a', l, q) - yOf(q))) : undefined;
    return [fm('δ', sub('k'), ' = a', sub('k'), '·((a', sub('k'), ' − y', sub('k'), ') − Σ', sub('j'),
      ' a', sub('j'), '(a', sub('j'), ' − y', sub('j'), ')) = ' + fmt(a) + ' × (' +
      fmt(D.y ? a - yOf(p) : undefined) + ' − ' + fmt(m) + ') = ', num('delta', d)),
    el('div', { class: 'note', 'data-rule': rule }, 'squared error with ' + g + ' outputs: the Jacobian of ' + g)];
  }
  const outs = bySource[l + ',' + p] || [], pools = outs.some((lk) => pooled(...lk.t));
  const dz = pools ? ['∂z', sub('j'), '/∂a', sub('i')] : ['Θ', sub('ji')];
  const shares = el('table', null, row('to j', dz, ['δ', sub('j')], pools ? 'share' : 'share Θ·δ'));
  outs.forEach((lk) => {
    const dj = val('d', lk.t[0], lk.t[1]), f = dzda(lk);
    shares.append(el('tr', null, el('td', null, sym(lk.t[0], lk.t[1])), el('td', null, fmt(f)),
      el('td', null, fmt(dj)), el('td', { 'data-q': 'share' }, fmt(mul(f, dj)))));
  });
  const poolNote = pools ? el('div', { class: 'note' }, 'into a max pool: ∂z', sub('j'), '/∂a', sub('i'),
    ' is 1 for the first largest a of its window, 0 for the others; into a mean: 1/k') : null;
  const sum = errorOf(l, p);
  if (rule === 'hidden_layerwise') {
    const m = sumBy(L.layers[l - 1].units, (u, q) => mul(val('a', l, q), errorOf(l, q)));
    return [fm('δ', sub('i'), ' = a', sub('i'), '·(s', sub('i'), ' − Σ', sub('k'), ' a', sub('k'), ' s',
      sub('k'), '), s', sub('i'), ' = Σ', sub('j'), ' Θ', sub('ji'), ' δ', sub('j'), ' (' + g + ': its Jacobian)'),
    el('div', { class: 'terms' }, shares), fm('δ = ' + fmt(a) + ' × (' + fmt(sum) + ' − ' + fmt(m) + ') = ', num('delta', d))];
  }
  return [fm('δ', sub('i'), ' = g\'(z', sub('i'), ')·Σ', sub('j'), ' ', ...dz, ' δ', sub('j')), poolNote,
    el('div', { class: 'terms' }, shares), fm('δ = ' + fmt(dg) + ' × ' + fmt(sum) + ' = ', num('delta', d))];
}
function biasPanel(l) {  // the "+1" of Layer l: a_0 = 1, its links are Layer l+1's bias weights
  const table = el('table', null, row('to j', ['Θ', sub('j0')]));
  (bySource[l + ',-1'] || []).forEach((lk) => table.append(row(sym(lk.t[0], lk.t[1]), fmt(W(lk.i)))));
  return [el('div', null, el('b', null, '+1'), ' the bias unit of Layer ' + l + ', frame ' + (st.k + 1)),
    fm('a', sub('0'), sup('(' + l + ')'), ' = 1, always'),
    fm('its links are the bias column of Θ', sup('(' + l + ')'), ':'), el('div', { class: 'terms' }, table)];
}
function linkPanel(lk) {
  const from = lk.s ? sym(lk.s[0], lk.s[1]) : '+1', to = sym(lk.t[0], lk.t[1]);
  if (!lk.s) return biasLinkPanel(lk, to);
  const w = W(lk.i), a = lk.s ? val('a', lk.s[0], lk.s[1]) : 1, dj = val('d', lk.t[0], lk.t[1]);
  return [el('div', null, el('b', null, 'link ' + from + ' → ' + to), ', instance ' + who() +
    ', frame ' + (st.k + 1)), panelFindings(findings().link[lk.i]),
  fm('w = Θ', sub('ji'), ' = ', num('w', w)),
  fm('signal w·a = ' + fmt(w) + ' × ' + fmt(a) + ' = ', num('signal', mul(w, a))),
  fm('blame share Θ', sub('ji'), '·δ', sub('j'), ' = ' + fmt(w) + ' × ' + fmt(dj) + ' = ',
    num('share', mul(w, dj))),
  fm('a·δ (this instance) = ' + fmt(a) + ' × ' + fmt(dj) + ' = ', num('agrad', mul(a, dj)))]
    .concat(lk.p === undefined ? [fm('∂J/∂w (the batch) = ', num('grad', G(lk.i)))] : sharedLines(lk));
}
// a shared weight (a kernel entry, an RNN's W_h): one parameter read and written by many
// links; its gradient is the sum of their terms, listed here for the instance shown
let byParam = null;
function sharedLines(lk) {
  if (!byParam) {
    byParam = {};
    L.links.forEach((k) => { if (k.p !== undefined) (byParam[k.p] = byParam[k.p] || []).push(k); });
  }
  const peers = byParam[lk.p], table = el('table', null, row('link', 'a', 'δ', 'a·δ'));
  const term = (k) => mul(k.s ? val('a', k.s[0], k.s[1]) : 1, val('d', k.t[0], k.t[1]));
  peers.slice(0, 12).forEach((k) => table.append(row((k.s ? sym(k.s[0], k.s[1]) : '+1') + ' → ' +
    sym(k.t[0], k.t[1]), fmt(k.s ? val('a', k.s[0], k.s[1]) : 1), fmt(val('d', k.t[0], k.t[1])), fmt(term(k)))));
  if (peers.length > 12) table.append(el('tr', null, el('td', { colspan: '4' }, '… and ' + (peers.length - 12) + ' more links')));
  return [el('div', null, 'shared weight ', el('b', null, lk.p), ': ' + peers.length +
    ' links read and write it, so ∂J/∂p is the sum of their terms'), el('div', { class: 'terms' }, table),
  fm('Σ a·δ over its ' + peers.length + ' links (this instance) = ', num('psum', sumBy(peers, term))),
  // λ leaves bias weights alone (the lecture's regularization sum starts at column 1)
  fm('∂J/∂p (the batch: that sum averaged over the batch' + (lk.s ? ', + λ once' : '; λ does not apply to a bias') +
    ') = ', num('grad', G(lk.i)))];
}
function kernelPanel(kn) {  // a kernel entry (or ∂J/∂K's) or a map's bias: its value, its links' terms
  const lk = linkOf(kn.i), g = GL[kn.l];
  return [el('div', null, el('b', null, paramName(kn.i)), ' (' + g.name + (kn.bias ? '\'s biases' : '\'s kernels') +
    '), instance ' + who() + ', frame ' + (st.k + 1) + ': ' + frames[st.k].dataset.info),
  fm(kn.bias ? 'b = ' : 'K = ', num('w', W(kn.i)))]
    .concat(lk ? sharedLines(lk) : []);
}
function biasLinkPanel(lk, to) {  // a bias link: its weight and its term of z (a = 1)
  const w = W(lk.i), dj = val('d', lk.t[0], lk.t[1]);
  return [el('div', null, el('b', null, 'link +1 → ' + to), ' (bias of Layer ' + lk.t[0] + '), instance ' +
    who() + ', frame ' + (st.k + 1)), panelFindings(findings().link[lk.i]),
  fm('w = Θ', sub('j0'), ' = ', num('w', w)),
  fm('term of z: w·1 = ', num('signal', w)),
  fm('∂J/∂w for this instance = 1 × δ = ', num('agrad', dj))]
    .concat(lk.p === undefined ? [fm('∂J/∂w (the batch) = ', num('grad', G(lk.i)))] : sharedLines(lk));
}
// a finding explains the numbers below it (g'(z) ≈ 0, equal δ), so every view lists it
function panelFindings(fs) {
  if (fs && fs.length) return el('div', { class: 'findings' }, ...fs.map((f) => findingEl(f, false)));
  return st.view === 'health' ? el('div', { class: 'findings' }, 'no findings here in this frame') : null;
}
// one stop for Tab in the network (roving tabindex): the element last focused, or the first
let roving = null;
function rove(e) {
  if (!e || e === roving) return;
  if (roving) roving.setAttribute('tabindex', '-1');
  e.setAttribute('tabindex', '0'); roving = e;
}
const slide = (l, p) => p < 0 ? 'bias unit +1 of Layer ' + l : 'a(' + l + ')_' + (p + 1);
const called = (l, p) => p < 0 || sym(l, p) === 'a' + l + '_' + (p + 1) ? slide(l, p) :
  slide(l, p) + ' (' + sym(l, p) + ')';
function announce(what) {  // the accessible name with the numbers of the view, frame and instance
  const v = V();
  if (what.kernel) {
    what.el.setAttribute('aria-label', paramName(what.kernel.i) + ' = ' + fmt(W(what.kernel.i)) +
      ', ∂J/∂p = ' + fmt(G(what.kernel.i)));
    return;
  }
  if (what.link) {
    const lk = what.link, x = linkValue(lk), from = lk.s ? called(lk.s[0], lk.s[1]) : '+1';
    what.el.setAttribute('aria-label', 'link ' + from + ' → ' + called(lk.t[0], lk.t[1]) + ', w = ' +
      fmt(W(lk.i)) + (v.link.length && v.link.join() !== 'w' ? ', ' + SC[st.view].lk + ' = ' + fmt(x) : ''));
    return;
  }
  const { l, p } = what, q = v.unit && l > 1 ? v.unit : 'a';
  what.el.setAttribute('aria-label', 'unit ' + called(l, p) + (p < 0 ? ', a = 1' :
    n ? ', ' + (SYM[q] || q) + ' = ' + fmt(val(q, l, p)) : ''));
}
function select(what, focused) {
  if (st.sel && st.sel.el) st.sel.el.classList.remove('on');
  st.sel = what;
  if (what.link) { what.el = what.link.el; }
  else if (!what.kernel) { what.el = units[what.l + ',' + what.p]; }
  if (what.el) what.el.classList.add('on');
  drawField(what);
  if (focused) rove(what.el);
  panel();
}
function panel() {
  if (!st.sel) return;
  if (st.sel.el) announce(st.sel);
  const parts = st.sel.kernel ? kernelPanel(st.sel.kernel) : st.sel.link ? linkPanel(st.sel.link) :
    st.sel.p < 0 ? biasPanel(st.sel.l) : unitPanel(st.sel.l, st.sel.p);
  $('panel').replaceChildren(...parts.filter((x) => x !== null));
}

// --- frames, instances, views ---
const marker = $('marker');
function redraw() {
  const t0 = performance.now();
  if ((IMG || GL[1]) && n) {
    const xs = L.layers[0].units.map((u, p) => val('a', 1, p)).filter(isFinite);
    ink0 = [Math.min(0, ...xs), Math.max(...xs)];
    if (caption) caption.textContent = pic.on ? D.instances[st.inst] + ' as its ' + IMG.h + '×' + IMG.w + ' picture' : '';
  }
  L.layers.forEach((lay) => lay.units.forEach((u, p) =>
    units[lay.l + ',' + p].setAttribute('fill', unitColor(lay.l, p, true))));
  linkEls.forEach(linkStyle);
  drawGrids();
  unitTexts();
  drawFindings();
  legend();
  drawPictures();
  drawPlane();
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
// the keyboard in the network: ↑ ↓ within a layer (or among the links being followed),
// → ← along links (a unit's outgoing, incoming; a link's target, source); Space, Home, End
// go on stepping frames, and Tab leaves: the network is one stop (roving tabindex)
let walk = null;  // the links being followed and where in them the focus is
const drawn = (ls) => (ls || []).filter((lk) => lk.el);
function focusUnit(l, p) { const e = units[l + ',' + p]; if (e) e.focus(); }
function focusLink(list, k) {
  if (!list.length) return;
  k = Math.max(0, Math.min(list.length - 1, k));
  walk = { list: list, k: k }; list[k].el.focus();
}
svg.addEventListener('keydown', (e) => {
  const key = e.key, t = e.target, up = key === 'ArrowUp', down = key === 'ArrowDown';
  if (!['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'].includes(key) || !t.dataset) return;
  if (t.dataset.k !== undefined) {  // a kernel's cell: ↑ ↓ through the layer's kernels, → its map
    const c = kcells[+t.dataset.n], next = kcells[+t.dataset.n + (down ? 1 : -1)];
    if ((up || down) && next && next.l === c.l) next.el.focus();
    else if (key === 'ArrowRight') {
      const p = L.layers[c.l - 1].units.findIndex((u) => u.m === c.m);
      if (p >= 0) focusUnit(c.l, p);
    }
  } else if (t.dataset.i !== undefined) {
    const lk = byIndex[t.dataset.i];
    const w = walk && walk.list[walk.k] === lk ? walk :
      { list: drawn(byTarget[lk.t.join(',')]), k: drawn(byTarget[lk.t.join(',')]).indexOf(lk) };
    if (up || down) focusLink(w.list, w.k + (down ? 1 : -1));
    else if (key === 'ArrowRight') focusUnit(lk.t[0], lk.t[1]);
    else focusUnit(...srcOf(lk));
  } else if (t.dataset.l !== undefined) {
    const l = +t.dataset.l, p = +t.dataset.p, lay = L.layers[l - 1];
    if (up && p - 1 >= (lay.bias ? -1 : 0)) focusUnit(l, p - 1);
    else if (down && p + 1 < lay.units.length) focusUnit(l, p + 1);
    else if (key === 'ArrowRight') focusLink(drawn(bySource[l + ',' + p]), 0);
    else if (key === 'ArrowLeft') {  // into a map, links are not drawn: its kernel instead
      const ins = drawn(byTarget[l + ',' + p]), u = unitAt(l, p);
      const k = ins.length || !GL[l] ? null : kcells.find((c) => c.l === l && c.m === u.m);
      if (k) k.el.focus(); else focusLink(ins, 0);
    }
  } else return;
  e.preventDefault(); e.stopPropagation();  // an arrow in the network is not a frame step
});
const cur = $('curve');
if (cur && D.marker.x.length) cur.addEventListener('click', (e) => {
  const r = cur.getBoundingClientRect(), x = e.clientX - r.left;
  let best = 0;
  D.marker.x.forEach((mx, k) => { if (Math.abs(mx - x) < Math.abs(D.marker.x[best] - x)) best = k; });
  go(best);
});
$('view').value = st.view; $('instance').value = String(st.inst); $('scale').value = st.scale || '';
// names before numbers: every unit and link is named once here, its numbers when focused
Object.values(units).forEach((e) => e.setAttribute('aria-label', 'unit ' +
  called(+e.dataset.l, +e.dataset.p)));
linkEls.forEach((lk) => lk.el.setAttribute('aria-label', 'link ' +
  (lk.s ? called(lk.s[0], lk.s[1]) : '+1') + ' → ' + called(lk.t[0], lk.t[1])));
rove(units['1,0']);  // Tab enters the network at x_1
go(start.frame === undefined ? 0 : start.frame);
box.dataset.openMs = performance.now().toFixed(1);
box.dataset.ready = '1';
return { state: st, go: go, update: update, stop: () => { if (st.timer) play(); window.removeEventListener('resize', onResize); if (watcher) watcher.disconnect(); } };
}
if (typeof DATA !== 'undefined') neurographExplorer(document, DATA);
