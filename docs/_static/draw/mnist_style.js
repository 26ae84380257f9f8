/* mnist_style in JavaScript: a drawing (or any picture) to the 28×28 digit the model sees.
 *
 * This is a line-for-line port of `mnist_style` in mnist_fastai/digits.py. The steps are defined once, in prose, in
 * nbs/01_digits.ipynb ("Your own pictures, the way MNIST was made"); the numbers in the comments below are those steps. Both
 * versions do the same float64 operations in the same order and round with ⌊v + 0.5⌋, so they give the same pixels;
 * tests/test_draw_page.py checks it. Change one, change the other.
 */
(function (root) {
  'use strict';

  // ⌊v + 0.5⌋: `_round` in Python
  function round(v) { return Math.floor(v + 0.5); }

  // 1. grey levels, as PIL's convert('L'), from canvas RGBA bytes (opaque: the pad is painted white first)
  function greyFromRGBA(rgba, width, height) {
    const g = new Float64Array(width * height);
    for (let p = 0; p < width * height; p++) {
      g[p] = (rgba[4 * p] * 19595 + rgba[4 * p + 1] * 38470 + rgba[4 * p + 2] * 7471 + 0x8000) >> 16;
    }
    return g;
  }

  // the median as numpy's: the mean of the two middle values when their number is even
  function median(values) {
    const v = Float64Array.from(values).sort();
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  // `_box_weights`: [i, k, w] for output pixel i of nOut covering input pixels [i·nIn/nOut, (i+1)·nIn/nOut)
  function boxWeights(nIn, nOut) {
    const ws = [];
    for (let i = 0; i < nOut; i++) {
      const lo = i * nIn / nOut, hi = (i + 1) * nIn / nOut;
      for (let k = Math.floor(lo); k < Math.ceil(hi); k++) ws.push([i, k, (Math.min(hi, k + 1) - Math.max(lo, k)) / (hi - lo)]);
    }
    return ws;
  }

  // `_area_resize`: g (h×w, row-major) to nh×nw by area averaging, rows first, then columns
  function areaResize(g, h, w, nh, nw) {
    const rows = new Float64Array(nh * w);
    for (const [i, k, wt] of boxWeights(h, nh)) {
      for (let x = 0; x < w; x++) rows[i * w + x] += wt * g[k * w + x];
    }
    const out = new Float64Array(nh * nw);
    for (const [j, l, wt] of boxWeights(w, nw)) {
      for (let y = 0; y < nh; y++) out[y * nw + j] += wt * rows[y * w + l];
    }
    return out;
  }

  /* mnistStyle(grey, width, height, inkThreshold = 0.2): grey levels 0..255 (row-major, any size) to a
   * Uint8Array(784), 28×28 row-major, bright ink on black. Throws an Error whose message contains
   * 'no ink found' when there is no ink, as the Python version raises CLIError. */
  function mnistStyle(grey, width, height, inkThreshold = 0.2) {
    if (width < 2 || height < 2 || grey.length !== width * height) {
      throw new Error(`the image: expected a 2-D picture, got ${width}×${height} for ${grey.length} values`);
    }
    let g = Float64Array.from(grey);
    // 2. bright ink on black: the paper level is the median of the border (rows 0 and h-1, then columns 0 and w-1)
    const border = [];
    for (let x = 0; x < width; x++) border.push(g[x]);
    for (let x = 0; x < width; x++) border.push(g[(height - 1) * width + x]);
    for (let y = 0; y < height; y++) border.push(g[y * width]);
    for (let y = 0; y < height; y++) border.push(g[y * width + width - 1]);
    let paper = median(border);
    if (paper > 127) { // dark ink on light paper: invert
      for (let p = 0; p < g.length; p++) g[p] = 255 - g[p];
      paper = 255 - paper;
    }
    for (let p = 0; p < g.length; p++) g[p] = Math.max(g[p] - paper, 0); // paper to 0
    // 3. contrast
    let peak = 0;
    for (let p = 0; p < g.length; p++) if (g[p] > peak) peak = g[p];
    if (peak < 16) throw new Error('the image: no ink found (the picture is empty or has no contrast)');
    const scale = 255 / peak;
    for (let p = 0; p < g.length; p++) g[p] = g[p] * scale;
    // 4. crop to the ink
    const cut = inkThreshold * 255;
    let y0 = height, y1 = -1, x0 = width, x1 = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (g[y * width + x] > cut) { y0 = Math.min(y0, y); y1 = Math.max(y1, y); x0 = Math.min(x0, x); x1 = Math.max(x1, x); }
      }
    }
    const h = y1 - y0 + 1, w = x1 - x0 + 1;
    const crop = new Float64Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) crop[y * w + x] = g[(y0 + y) * width + x0 + x];
    // 5. fit in 20×20, by area averaging
    const s = 20 / Math.max(h, w);
    const nh = Math.max(1, round(h * s)), nw = Math.max(1, round(w * s));
    const small = areaResize(crop, h, w, nh, nw);
    for (let p = 0; p < small.length; p++) small[p] = Math.min(Math.max(small[p], 0), 255);
    // 6. centre of mass to the centre
    let total = 0, sy = 0, sx = 0;
    for (let i = 0; i < nh; i++) {
      for (let j = 0; j < nw; j++) {
        const v = small[i * nw + j]; total += v; sy += i * v; sx += j * v;
      }
    }
    const top = round(14 - sy / total), left = round(14 - sx / total);
    // 7. whole grey levels (the field is black where the digit does not reach)
    const out = new Uint8Array(28 * 28);
    for (let y = Math.max(top, 0); y < Math.min(top + nh, 28); y++) {
      for (let x = Math.max(left, 0); x < Math.min(left + nw, 28); x++) {
        out[y * 28 + x] = Math.floor(small[(y - top) * nw + (x - left)] + 0.5);
      }
    }
    return out;
  }

  // 8. normalise as in training: (x/255 - mean)/std, as the model's input tensor [1,1,28,28]
  function normalize(pixels, mean, std) {
    const x = new Float32Array(pixels.length);
    for (let p = 0; p < pixels.length; p++) x[p] = (pixels[p] / 255 - mean) / std;
    return x;
  }

  const api = { mnistStyle, greyFromRGBA, normalize, areaResize, boxWeights, median, round };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.MnistStyle = api;
})(typeof self !== 'undefined' ? self : this);
