/* The drawing pad of the docs site (docs/draw.md): draw a digit, see what the ResBlock net predicts.
 *
 * Everything runs in the browser: the pad is read with getImageData, turned into an MNIST-style 28×28 digit by
 * mnist_style.js (the port of `mnist_style`, nbs/01_digits.ipynb), normalised with the mean and standard deviation of the
 * model's metadata, and classified by ONNX Runtime Web (plain WebAssembly, one thread: a static site on GitHub Pages is
 * not cross-origin isolated, so there is no SharedArrayBuffer). The files come from this site only: this script's
 * folder (model.onnx, model.json, mnist_style.js) and ../vendor/onnxruntime-web/ (tools/export_onnx.py puts them there).
 *
 * For tests and the curious, `window.mnistDraw` exposes the state, the pad as a PNG, and the model.
 */
(function () {
  'use strict';
  const t0 = performance.now();
  const here = new URL('.', document.currentScript.src);
  const vendor = new URL('../vendor/onnxruntime-web/', here);
  const root = document.getElementById('mnist-draw');
  if (!root) return;
  const $ = (sel) => root.querySelector(sel);
  const pad = $('.md-pad'), ctx = pad.getContext('2d', { willReadFrequently: true });
  const seen = $('.md-seen'), sctx = seen.getContext('2d');
  const predEl = $('.md-pred'), confEl = $('.md-conf'), statusEl = $('.md-status'), modelEl = $('.md-model');
  const LINE = pad.width / 14; // stroke width, about what a pen gives MNIST once the digit is 20 pixels tall

  const state = { version: 0, result: null, running: false, session: null, meta: null, error: null,
                  loadMs: null, predictions: 0 };

  // the bar chart: one column per digit
  const barBox = $('.md-bars'), bars = [];
  for (let d = 0; d < 10; d++) {
    const col = document.createElement('div'); col.className = 'md-col';
    col.innerHTML = '<span class="md-pct"></span><div class="md-track"><div class="md-bar"></div></div>' +
                    `<span class="md-digit">${d}</span>`;
    barBox.appendChild(col);
    bars.push({ col, bar: col.querySelector('.md-bar'), pct: col.querySelector('.md-pct') });
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src; s.onload = resolve;
      s.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.appendChild(s);
    });
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle('md-error', !!isError);
  }

  // --- the pad ---------------------------------------------------------------------------------------------------
  function paintPaper() {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
  }

  function at(e) {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }

  function dot([x, y]) {
    ctx.fillStyle = '#000';
    ctx.beginPath(); ctx.arc(x, y, LINE / 2, 0, 2 * Math.PI); ctx.fill();
  }

  function segment([x0, y0], [x1, y1]) {
    ctx.strokeStyle = '#000'; ctx.lineWidth = LINE; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
  }

  let pen = null; // { id, last } while a pointer is down
  pad.addEventListener('pointerdown', (e) => {
    if (pen || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    pen = { id: e.pointerId, last: at(e) };
    dot(pen.last);
    changed();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!pen || e.pointerId !== pen.id) return;
    e.preventDefault();
    const evs = (e.getCoalescedEvents && e.getCoalescedEvents().length) ? e.getCoalescedEvents() : [e];
    for (const ev of evs) { const p = at(ev); segment(pen.last, p); pen.last = p; }
    changed();
  });
  const lift = (e) => { if (pen && e.pointerId === pen.id) { pen = null; changed(); } };
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) pad.addEventListener(type, lift);

  function clear() {
    paintPaper();
    state.version++;
    state.result = { version: state.version, empty: true };
    show(state.result);
  }
  $('.md-clear').addEventListener('click', clear);

  // --- predicting ------------------------------------------------------------------------------------------------
  function changed() { state.version++; run(); }

  async function run() { // one prediction at a time; the newest drawing always gets one
    if (state.running || !state.session) return;
    state.running = true;
    try {
      while (!state.result || state.result.version !== state.version) await predictPad();
    } catch (err) {
      state.error = String(err);
      setStatus(`Prediction failed: ${err.message || err}`, true);
      console.error(err);
    } finally { state.running = false; }
  }

  async function predictPad() {
    const version = state.version, start = performance.now();
    const grey = MnistStyle.greyFromRGBA(ctx.getImageData(0, 0, pad.width, pad.height).data, pad.width, pad.height);
    let pixels;
    try { pixels = MnistStyle.mnistStyle(grey, pad.width, pad.height); }
    catch (err) {
      if (!/no ink found/.test(err.message)) throw err;
      state.result = { version, empty: true }; show(state.result); return;
    }
    const probs = await predictPixels(pixels);
    const digit = probs.indexOf(Math.max(...probs));
    state.predictions++;
    state.result = { version, empty: false, pixels: Array.from(pixels), probs, digit, ms: performance.now() - start };
    show(state.result);
  }

  async function predictPixels(pixels) { // a 28×28 MNIST-style digit (0..255) to the ten probabilities
    const { mean, std } = state.meta.normalize;
    const x = new ort.Tensor('float32', MnistStyle.normalize(pixels, mean, std), [1, 1, 28, 28]);
    const out = await state.session.run({ [state.meta.onnx.input.name]: x });
    return Array.from(out[state.meta.onnx.output.name].data);
  }

  function show(r) {
    const img = sctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = r.empty ? 0 : r.pixels[p];
      img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v; img.data[4 * p + 3] = 255;
    }
    sctx.putImageData(img, 0, 0);
    root.classList.toggle('md-has-result', !r.empty);
    predEl.textContent = r.empty ? '–' : String(r.digit);
    confEl.textContent = r.empty ? '' : `${(100 * r.probs[r.digit]).toFixed(1)}% sure`;
    bars.forEach(({ col, bar, pct }, d) => {
      const p = r.empty ? 0 : r.probs[d];
      bar.style.height = `${(100 * p).toFixed(2)}%`;
      pct.textContent = r.empty ? '' : `${Math.round(100 * p)}`;
      col.classList.toggle('md-top', !r.empty && d === r.digit);
      col.title = r.empty ? `${d}` : `${d}: ${(100 * p).toFixed(2)}%`;
    });
    barBox.setAttribute('aria-label', r.empty ? 'probabilities: nothing drawn yet' :
      'probabilities: ' + r.probs.map((p, d) => `${d}: ${(100 * p).toFixed(1)}%`).join(', '));
  }

  // --- loading ---------------------------------------------------------------------------------------------------
  function describe(m) {
    const acc = (100 * m.test_accuracy).toFixed(2);
    modelEl.innerHTML = '';
    const add = (tag, text) => { const el = document.createElement(tag); el.textContent = text; modelEl.appendChild(el); return el; };
    add('strong', `${m.title}`);
    add('span', `: ${m.description}; ${m.parameters.toLocaleString('en')} parameters. ` +
      `Test accuracy ${acc}% on MNIST's ${m.test_digits.toLocaleString('en')} test digits ` +
      `(${m.test_errors} mistakes), measured when it was exported to ONNX. ` +
      `Input normalised with mean ${m.normalize.mean.toFixed(4)} and standard deviation ${m.normalize.std.toFixed(4)}; ` +
      `it runs here with ONNX Runtime Web ${m.onnxruntime_web || ''} (WebAssembly, one thread).`);
  }

  async function load() {
    if (typeof MnistStyle === 'undefined') await loadScript(new URL('mnist_style.js', here).href);
    if (typeof ort === 'undefined') await loadScript(new URL('ort.wasm.min.js', vendor).href);
    ort.env.wasm.numThreads = 1;        // no SharedArrayBuffer on a static site: single-threaded WebAssembly
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = vendor.href; // ort-wasm-simd-threaded.{mjs,wasm} from this site, never a CDN
    ort.env.logLevel = 'error';
    const res = await fetch(new URL('model.json', here));
    if (!res.ok) throw new Error(`model.json: HTTP ${res.status} (the docs build writes it with tools/export_onnx.py)`);
    const meta = await res.json();
    const session = await ort.InferenceSession.create(new URL(meta.onnx.file, here).href,
      { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    state.meta = meta; state.session = session;
    describe(meta);
    state.loadMs = performance.now() - t0;
    setStatus('Ready: draw a digit.');
    root.classList.add('md-ready');
    run(); // anything drawn while loading
  }

  paintPaper();
  clear();
  setStatus('Loading the model…');
  const ready = load().catch((err) => {
    state.error = String(err);
    setStatus(`The model could not be loaded: ${err.message || err}`, true);
    console.error(err);
    throw err;
  });
  ready.catch(() => {});

  window.mnistDraw = {
    ready, clear,
    canvasPNG: () => pad.toDataURL('image/png'), // the pad as the user drew it, for `mnist-fastai predict`
    isIdle: () => !!state.session && !state.running && !!state.result && state.result.version === state.version,
    state: () => ({ version: state.version, result: state.result, error: state.error, loadMs: state.loadMs,
                    predictions: state.predictions, meta: state.meta, crossOriginIsolated: self.crossOriginIsolated }),
    mnistStyle: (grey, width, height) => Array.from(MnistStyle.mnistStyle(grey, width, height)),
    predictPixels: (pixels) => predictPixels(Uint8Array.from(pixels)),
  };
})();
