// The live explorer's widget (anywidget). It follows render's explorer.js in one module:
// neurographExplorer draws the page from the numbers Python sends; this adds the weight
// editor and the training buttons, which only send requests. Python changes the network,
// recomputes the Trace and sends what changed (new frames' numbers, scales, the J curve),
// which the page swaps in and redraws in place; nothing is computed here.
function liveEl(tag, attrs, ...kids) {  // names are data: text nodes and attributes only
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  kids.forEach((k) => { if (k !== null && k !== undefined) e.append(k); });
  return e;
}

function render({ model, el }) {
  const host = liveEl('div', { class: 'ng-live', tabindex: '-1' });
  const epochs = liveEl('input', { type: 'number', min: '1', value: '20', class: 'ng-epochs',
    'aria-label': 'epochs to train' });
  const btn = (cls, label) => liveEl('button', { class: cls, type: 'button' }, label);
  const train = btn('ng-train', 'train k epochs'), batch = btn('ng-batch', 'one batch');
  const stop = btn('ng-stop', '■ stop'), undo = btn('ng-undo', '↶ undo');
  const reset = btn('ng-reset', 'reset');
  const alpha = liveEl('span', { class: 'ng-alpha' });
  const bar = liveEl('div', { class: 'ng-bar' }, liveEl('b', null, 'live'), ' k =', epochs,
    train, batch, stop, undo, reset, alpha);
  const which = liveEl('span', { class: 'ng-which' },
    'click a link (or focus it and press Enter; Escape goes back) to edit its weight; a unit: its bias');
  const box = liveEl('input', { type: 'number', step: '0.05', class: 'ng-weight', disabled: '',
    'aria-label': 'weight of the chosen link' });
  const drag = liveEl('input', { type: 'range', class: 'ng-drag', min: '-8', max: '8', step: '0.01',
    disabled: '', 'aria-label': 'drag the weight of the chosen link' });
  const editor = liveEl('div', { class: 'ng-editor' }, which, box, drag);
  const note = liveEl('div', { class: 'ng-note', role: 'alert' });
  const stage = liveEl('div', { class: 'ng-stage' });
  host.append(bar, editor, note, stage);
  el.appendChild(host);

  let ui = null, chosen = null, sentAt = null, pending = null;
  function choose(i) {
    const lk = model.get('links')[i];
    if (!lk) return;
    chosen = i;
    // a shared weight (lk[3]: its parameter's name, lk[4]: its links) is one number for all
    which.textContent = (lk[3] ? lk[3] + ' (shared by ' + lk[4] + ' links)' :
      'w(' + lk[0] + ' → ' + lk[1] + ')') + (lk[2] ? ' (frozen)' : '') + ' =';
    const w = model.get('weights')[i];
    box.value = String(Number(w.toPrecision(6)));  // as a person reads it; the title: all
    box.title = String(w);
    const m = Math.max(8, Math.ceil(Math.abs(w) * 2));
    drag.min = String(-m); drag.max = String(m); drag.value = String(w);
    box.disabled = false; drag.disabled = false;
    host.dataset.chosen = String(i);
  }
  // one edit in flight: a drag sends its latest value when Python has answered the last
  function edit(value) {
    if (chosen === null) return;
    if (sentAt !== null) { pending = [chosen, value]; return; }
    sentAt = performance.now();
    model.send({ edit: [chosen, value] });
  }
  function answered() {  // every answer of Python's moves status.n on
    if (sentAt !== null) {
      host.dataset.editMs = (performance.now() - sentAt).toFixed(1);
      host.dataset.pythonMs = String(model.get('status').ms);  // of it, Python's
      host.dataset.edits = String((parseInt(host.dataset.edits || '0', 10)) + 1);
      sentAt = null;
    }
    if (pending) { const [i, v] = pending; pending = null; sentAt = performance.now(); model.send({ edit: [i, v] }); }
  }
  box.addEventListener('change', () => edit(box.value));
  // Escape: back to the link edited (a bias: its unit, the page draws no line from "+1")
  [box, drag].forEach((e) => e.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || chosen === null) return;
    const lk = model.get('links')[chosen];
    const back = stage.querySelector('#net line.link[data-i="' + chosen + '"]') ||
      Array.from(stage.querySelectorAll('#net circle.unit')).find((c) =>
        c.querySelector('title').textContent === lk[1]);
    if (back) { ev.preventDefault(); back.focus(); }
  }));
  drag.addEventListener('input', () => { box.value = drag.value; edit(drag.value); });
  // k as typed: Python reads it, and refuses 0, 2.5 or nothing with the reason
  train.addEventListener('click', () => model.send({ train: epochs.value }));
  batch.addEventListener('click', () => model.send({ batch: 1 }));
  stop.addEventListener('click', () => model.send({ stop: 1 }));
  undo.addEventListener('click', () => model.send({ undo: 1 }));
  reset.addEventListener('click', () => model.send({ reset: 1 }));

  // the run on show, frame by frame: an update keeps some and adds new ones
  let blocks = [], health = [], entries = [], seq = null, asked = false, settling = null;
  function sync() { if (!asked) { asked = true; model.send({ sync: 1 }); } }  // once till it comes
  function draw() {  // the whole page, as Python wrote it
    const t0 = performance.now();
    const data = JSON.parse(model.get('page_data'));
    if (!data.layout) return;
    host.dataset.traits = String(data.seq);
    if (ui && data.seq === seq) return;  // the traits caught up with what is shown
    const keep = ui ? { view: ui.state.view, inst: ui.state.inst, scale: ui.state.scale } : {};
    if (ui) ui.stop();
    // the body is the page's markup as render wrote it, names already escaped there
    const page = liveEl('div', { class: 'ng-page', tabindex: '-1' });
    page.innerHTML = model.get('page_body');
    stage.replaceChildren(page);
    keep.frame = data.frames.length - 1;  // a change shows the network as it is now
    ui = neurographExplorer(page, data, keep);
    frozen();
    const raw = atob(data.packed.b64), bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const all = new Float32Array(bytes.buffer), at = data.offsets.frame.concat([all.length]);
    blocks = data.offsets.frame.map((o, k) => all.subarray(o, at[k + 1]));  // one per frame
    // numbers beyond float32's range come whole (float64, or exact values beside): such a
    // page is not patched frame by frame, it asks for the whole page again
    if (data.packed.dtype === 'f8' || (data.packed.exact || []).length) blocks = null;
    health = data.health.frames.slice();
    entries = Array.from(page.querySelectorAll('.frame')).map((f) => f.outerHTML);
    seq = data.seq; asked = false;
    // one listener for every link (a 64-25-10 network draws 1850 of them)
    const svg = page.querySelector('#net');
    // links are reached by the page's own keyboard walk (one Tab stop, arrows within)
    // a link's own line, or a unit: its bias link (the page draws no line from "+1")
    const linkOf = (e) => {
      const t = e.target;
      if (!t.matches) return null;
      if (t.matches('line.link, line.biaslink, text.linklabel')) return parseInt(t.dataset.i, 10);  // a label names its link
      if (t.matches('rect.kcell, text.kbias')) return parseInt(t.dataset.k, 10);  // a kernel entry, a map's b: its θ index
      if (t === svg && e.clientX !== undefined) return nearest(e);  // a dashed (frozen) line's gap
      if (!t.matches('circle.unit')) return null;
      const name = t.querySelector('title').textContent;
      const i = model.get('links').findIndex((r) => r && r[0] === '+1' && r[1] === name);
      return i < 0 ? null : i;
    };
    // the link whose line passes within 4 px of a click on the bare drawing (a dash's gap)
    const nearest = (e) => {
      let best = null, dmin = 4;
      svg.querySelectorAll('line.link, line.biaslink').forEach((ln) => {
        const m = ln.getScreenCTM();
        if (!m) return;
        const p = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
        const [x1, y1] = p(+ln.getAttribute('x1'), +ln.getAttribute('y1'));
        const [x2, y2] = p(+ln.getAttribute('x2'), +ln.getAttribute('y2'));
        const dx = x2 - x1, dy = y2 - y1, len2 = dx * dx + dy * dy || 1;
        const u = Math.max(0, Math.min(1, ((e.clientX - x1) * dx + (e.clientY - y1) * dy) / len2));
        const d = Math.hypot(e.clientX - x1 - u * dx, e.clientY - y1 - u * dy);
        if (d < dmin) { dmin = d; best = parseInt(ln.dataset.i, 10); }
      });
      return best;
    };
    svg.addEventListener('click', (e) => { const i = linkOf(e); if (i !== null) choose(i); });
    svg.addEventListener('keydown', (e) => {
      const i = linkOf(e);
      if (i !== null && e.key === 'Enter') { e.preventDefault(); choose(i); box.focus(); }
    });
    drawn(page, data.frames.length, t0);
  }
  function drawn(page, frames, t0) {
    if (chosen !== null && document.activeElement !== box) choose(chosen);
    host.dataset.frames = String(frames);
    host.dataset.drawMs = (performance.now() - t0).toFixed(1);
    host.dataset.draws = String((parseInt(host.dataset.draws || '0', 10)) + 1);
  }
  function updated(msg, buffers) {  // what changed since update `base`, drawn in place
    if (!msg.update || !ui) return;
    if (msg.base !== seq || !blocks) { sync(); return; }  // missed one: the whole page
    const t0 = performance.now(), U = msg.update;
    const own = (b) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    blocks = U.keep.map((k) => blocks[k]).concat(buffers.map(own));
    health = U.keep.map((k) => health[k]).concat(U.health);
    entries = U.keep.map((k) => entries[k]).concat(U.frames);
    const F = new Float32Array(blocks.reduce((s, b) => s + b.length, 0)), starts = [];
    blocks.reduce((o, b) => { F.set(b, o); starts.push(o); return o + b.length; }, 0);
    const page = stage.firstChild;
    ui.update({ F: F, offsets: { frame: starts }, scales: U.scales, health: health,
      marker: U.marker, curve: U.curve, frames: entries.join('') });
    page.querySelector('h2').textContent = U.heading;
    seq = msg.seq;
    drawn(page, blocks.length, t0);
    // quiet for a while after this update: Python's page traits may catch up with it (what
    // a notebook saves); the page shows it already
    clearTimeout(settling);
    settling = setTimeout(() => { if (seq === msg.seq) model.send({ settle: seq }); }, 2000);
  }
  function status() {
    const s = model.get('status');
    alpha.textContent = 'α = ' + s.alpha + (s.training ? ' · training…' : '') +
      ' · frames ' + s.frames;
    train.disabled = batch.disabled = !!s.training;
    stop.disabled = !s.training;
    undo.disabled = !!s.training || !s.undo;
    host.dataset.training = s.training ? '1' : '0';
    if (s.refused && chosen !== null) choose(chosen);  // the network is as it was: so is the box
    // every update comes before its status: a page behind it missed one (or was opened
    // from a saved state), and asks for the whole page
    if (seq !== null && s.seq !== undefined && s.seq !== seq) sync();
    setTimeout(answered, 0);  // after every handler of this message (the redraw too)
  }
  function showNote() {
    note.textContent = model.get('note');
    host.dataset.note = model.get('note') ? '1' : '0';
  }
  function frozen() {  // frozen links dashed: an edit of one is refused
    const rows = model.get('links');
    stage.querySelectorAll('#net line.link').forEach((e) =>
      e.classList.toggle('frozen', !!(rows[e.dataset.i] || [])[2]));
  }
  model.on('change:page_data', draw);
  model.on('change:links', frozen);
  model.on('msg:custom', updated);
  model.on('change:status', status);  // after the page's change: the sync holds both
  model.on('change:note', showNote);
  draw(); status(); showNote();
  host.dataset.ready = '1';
  return () => { clearTimeout(settling); if (ui) ui.stop(); };
}

export default { render };
