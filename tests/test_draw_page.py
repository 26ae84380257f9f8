"""The drawing pad page of the docs site, in headless Chromium driven by Playwright.

The page is served from a local folder on a free port, as GitHub Pages would serve it (static files, no
cross-origin isolation). Digits are drawn with scripted pointer moves; the page must predict them, clear, raise no
console error and ask for nothing from any other host. The parity tests run what the page drew through the Python
`mnist_style` and the PyTorch learner, and compare the 28×28 pixels and the predictions with the page's.

The page is docs/_build/html/draw.html, the built site (`SITE` and `PAGE` below); while the site is not built, or
with DRAW_PAGE_HARNESS=1, docs/draw.md's HTML is tested in a minimal page instead. Needs Debian's Chromium
(`apt-get install chromium chromium-driver`; or another Chrome named by $CHROMIUM), the `docs` extra (playwright,
onnxruntime) and the page's assets, `npm ci --prefix docs && python tools/export_onnx.py`, built into the site.
"""
from __future__ import annotations
import base64, io, json, math, os, re, shutil, time, warnings
from pathlib import Path
from urllib.parse import urlsplit
import numpy as np, pytest
from conftest import serve_folder

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT/'docs'/'_build'/'html'  # the built docs site (tools/build_docs.py)
PAGE = 'draw.html'                   # the page under test, relative to SITE: this is the one constant to change
STATIC = ROOT/'docs'/'_static'
PAD = 280  # the pad's canvas size, in canvas pixels
SHOTS = ROOT/'docs'/'_build'/'screenshots'

pytest.importorskip('playwright.sync_api')

# --- drawings: strokes in pad coordinates (0..280), each a list of points ------------------------------------------------
def ellipse(cx, cy, rx, ry, n=40, start=-90):
    return [(cx + rx*math.cos(math.radians(start + 360*i/n)), cy + ry*math.sin(math.radians(start + 360*i/n))) for i in range(n + 1)]

DRAWINGS = {
    'one':   (1, [[(140, 45), (140, 235)]]),
    'zero':  (0, [ellipse(140, 140, 62, 92)]),
    'seven': (7, [[(75, 55), (205, 55), (115, 235)]]),
}
EXTRA = {  # more shapes for the parity test (the digit is what a reader would call them, not asserted)
    'slanted one':    [[(165, 40), (115, 240)]],
    'two':            [[(85, 90), (105, 55), (150, 45), (190, 70), (190, 110), (160, 150), (90, 225), (200, 225)]],
    'four':           [[(170, 235), (170, 40), (70, 170), (215, 170)]],
    'small three':    [[(20, 22), (45, 14), (62, 27), (44, 44), (64, 58), (44, 74), (20, 66)]],
    'tiny dot':       [[(200, 200), (203, 203)]],
    'wide dash':      [[(10, 140), (270, 140)]],
    'edge-to-edge 1': [[(140, 0), (140, 279)]],
}

# --- the server and the browser ------------------------------------------------------------------------------------------
def harness(dest:Path) -> Path:
    "docs/draw.md's raw HTML in a minimal page with docs/_static: for when the site is not built"
    md = (ROOT/'docs'/'draw.md').read_text()
    body = re.search(r'```\{raw\} html\n(.*?)```', md, re.S).group(1)
    shutil.copytree(STATIC, dest/'_static', symlinks=True)
    (dest/PAGE).write_text(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
                           f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>Draw a digit</title></head>'
                           f'<body><main><h1>Draw a digit</h1>\n{body}</main></body></html>\n')
    return dest

def site_root(tmp_path_factory) -> Path:
    "The built site, or (if it is not built, or DRAW_PAGE_HARNESS=1) a minimal page made from docs/draw.md"
    if (SITE/PAGE).exists() and os.environ.get('DRAW_PAGE_HARNESS') != '1': return SITE
    if not (SITE/PAGE).exists(): warnings.warn(f'{SITE/PAGE} is not built: testing docs/draw.md in a minimal page instead')
    return harness(tmp_path_factory.mktemp('site'))

@pytest.fixture(scope='session')
def served(tmp_path_factory):
    "Serve the site on 127.0.0.1 at a free port; yields (the page's URL, the folder served)"
    need = [STATIC/'draw'/'model.onnx', STATIC/'draw'/'model.json', STATIC/'vendor'/'onnxruntime-web'/'ort.wasm.min.js']
    missing = [str(p.relative_to(ROOT)) for p in need if not p.exists()]
    if missing: pytest.fail(f"missing {', '.join(missing)}: run `npm ci --prefix docs && python tools/export_onnx.py`")
    root = site_root(tmp_path_factory)
    built = root/'_static'/'draw'/'model.json'
    if not built.exists() or built.read_bytes() != (STATIC/'draw'/'model.json').read_bytes():
        pytest.fail(f'{root} does not have the exported model of docs/_static/draw: rebuild the site (tools/build_docs.py)')
    with serve_folder(root) as url: yield url + PAGE, root

@pytest.fixture(scope='session')
def site(served): return served[0]

@pytest.fixture(scope='session')
def assets(served):
    "The metadata of the model the page uses"
    return json.loads((served[1]/'_static'/'draw'/'model.json').read_text())

class Page:
    "A fresh tab on the drawing page that records console errors and every request to another host (and blocks it)"
    def __init__(self, browser, url, has_touch=False):
        self.ctx = browser.new_context(viewport={'width': 1000, 'height': 900}, has_touch=has_touch)
        self.errors, self.foreign, self.requests = [], [], []
        host = urlsplit(url).netloc
        def route(r):
            u = urlsplit(r.request.url)
            if u.scheme in ('http', 'https', 'ws', 'wss') and u.netloc != host:
                self.foreign.append(r.request.url); r.abort()
            else: r.continue_()
        self.ctx.route('**/*', route)
        self.page = self.ctx.new_page()
        self.page.on('console', lambda m: m.type == 'error' and self.errors.append(m.text))
        self.page.on('pageerror', lambda e: self.errors.append(f'page error: {e}'))
        self.page.on('request', lambda r: self.requests.append(r.url))
        t = time.perf_counter()
        self.page.goto(url)
        self.page.wait_for_function('window.mnistDraw && (mnistDraw.isIdle() || mnistDraw.state().error)', timeout=60_000)
        self.load_s = time.perf_counter() - t
        assert self.state()['error'] is None, self.state()['error']
        self.box = self.page.locator('#mnist-draw canvas.md-pad').bounding_box()

    def state(self): return self.page.evaluate('mnistDraw.state()')
    def xy(self, x, y): return self.box['x'] + x*self.box['width']/PAD, self.box['y'] + y*self.box['height']/PAD

    def draw(self, strokes, steps=6):
        "Draw with the mouse; returns the page's result once it has predicted the drawing"
        m = self.page.mouse
        for pts in strokes:
            m.move(*self.xy(*pts[0])); m.down()
            for p in pts[1:]: m.move(*self.xy(*p), steps=steps)
            m.up()
        return self.result()

    def result(self):
        self.page.wait_for_function('mnistDraw.isIdle()', timeout=30_000)
        return self.state()['result']

    def pad_png(self):
        from PIL import Image
        data = self.page.evaluate('mnistDraw.canvasPNG()')
        return Image.open(io.BytesIO(base64.b64decode(data.split(',', 1)[1])))

    def clear(self):
        self.page.click('#mnist-draw .md-clear')
        return self.result()

    def close(self): self.ctx.close()

@pytest.fixture
def page(browser, site):
    p = Page(browser, site)
    yield p
    p.close()
    assert p.errors == [], f'console errors: {p.errors}'
    assert p.foreign == [], f'requests to other hosts: {p.foreign}'

@pytest.fixture(scope='session')
def learner(assets):
    "The PyTorch learner the ONNX model was exported from"
    from mnist_fastai.recipes import models_dir, load_model, file_sha256
    path = models_dir()/assets['source_model']['file']
    if not path.exists(): pytest.fail(f'{path} missing: run `python tools/export_onnx.py` (it trains the model)')
    if file_sha256(path) != assets['source_model']['sha256']:
        pytest.fail(f'docs/_static/draw/model.onnx was not exported from {path}: run `python tools/export_onnx.py` again')
    return load_model(path)

# --- the tests -----------------------------------------------------------------------------------------------------------
def test_page_loads(page, assets):
    st = page.state()
    text = page.page.inner_text('#mnist-draw')
    assert 'Ready' in text
    assert f"{100*assets['test_accuracy']:.2f}%" in text and "10,000 test digits" in text
    assert 'ResBlock net' in text and f"{assets['parameters']:,}" in text
    assert 'never leaves your browser' in text
    assert st['crossOriginIsolated'] is False  # as on GitHub Pages: single-threaded WebAssembly must do
    assert page.page.evaluate('ort.env.wasm.numThreads') == 1
    assert page.page.evaluate("getComputedStyle(document.querySelector('#mnist-draw .md-pad')).touchAction") == 'none'
    assert any(u.endswith('.wasm') for u in page.requests) and any(u.endswith('model.onnx') for u in page.requests)
    print(f'\npage loaded and model ready in {page.load_s:.2f} s (in-page: {st["loadMs"]:.0f} ms)')

@pytest.mark.parametrize('name', list(DRAWINGS))
def test_predicts_drawn_digit(page, name):
    digit, strokes = DRAWINGS[name]
    r = page.draw(strokes)
    assert not r['empty'] and r['digit'] == digit, f"{name}: page predicted {r['digit']}, probabilities {np.round(r['probs'], 3)}"
    assert abs(sum(r['probs']) - 1) < 1e-4
    assert page.page.inner_text('#mnist-draw .md-pred') == str(digit)
    heights = page.page.eval_on_selector_all('#mnist-draw .md-bar', 'bs => bs.map(b => parseFloat(b.style.height))')
    assert np.allclose(heights, 100*np.array(r['probs']), atol=0.01) and int(np.argmax(heights)) == digit
    seen = page.page.evaluate("Array.from(document.querySelector('#mnist-draw .md-seen').getContext('2d').getImageData(0,0,28,28).data.filter((_, i) => i % 4 == 0))")
    assert seen == r['pixels']  # the 28×28 shown is the one the model got
    print(f"\n{name}: {digit} ({100*r['probs'][digit]:.1f}%), predicted in {r['ms']:.1f} ms")
    SHOTS.mkdir(parents=True, exist_ok=True)  # for a person to look at
    page.page.locator('#mnist-draw').screenshot(path=str(SHOTS/f'draw-{name}.png'))

def test_clear(page):
    r = page.draw(DRAWINGS['seven'][1])
    assert r['digit'] == 7
    r = page.clear()
    assert r['empty']
    assert page.page.inner_text('#mnist-draw .md-pred') == '–'
    assert page.page.eval_on_selector_all('#mnist-draw .md-bar', 'bs => bs.map(b => parseFloat(b.style.height))') == [0]*10
    assert page.page.eval_on_selector_all('#mnist-draw .md-pct', 'ps => ps.map(p => p.textContent)') == ['']*10
    assert np.asarray(page.pad_png().convert('L')).min() == 255  # the pad is blank paper again
    seen = page.page.evaluate("Array.from(document.querySelector('#mnist-draw .md-seen').getContext('2d').getImageData(0,0,28,28).data.filter((_, i) => i % 4 == 0))")
    assert max(seen) == 0
    assert page.draw(DRAWINGS['one'][1])['digit'] == 1  # and the pad works again

def test_touch(browser, site):
    "A finger: touch events become pointer events, and `touch-action: none` keeps the page from scrolling instead"
    p = Page(browser, site, has_touch=True)
    try:
        cdp = p.ctx.new_cdp_session(p.page)
        pts = [p.xy(140, 45 + 190*i/20) for i in range(21)]
        touch = lambda kind, pt: cdp.send('Input.dispatchTouchEvent', {'type': kind, 'touchPoints': [{'x': pt[0], 'y': pt[1]}] if pt else []})
        touch('touchStart', pts[0])
        for pt in pts[1:]: touch('touchMove', pt)
        touch('touchEnd', None)
        r = p.result()
        assert r['digit'] == 1 and p.page.evaluate('window.scrollY') == 0
    finally: p.close()
    assert p.errors == [] and p.foreign == []

def test_parity_with_python(page, learner):
    "Each drawing through the page and through `mnist_style` + the PyTorch learner: same 28×28 (±1), same prediction"
    from mnist_fastai.digits import mnist_style
    rows = []
    for name, strokes in {**{k: s for k, (_, s) in DRAWINGS.items()}, **EXTRA}.items():
        r = page.draw(strokes)
        img = page.pad_png()  # what `mnist-fastai predict` would read if the reader saved the pad
        x = mnist_style(img)
        js = np.array(r['pixels'], dtype=int).reshape(28, 28)
        diff = int(np.abs(js - x.astype(int)).max())
        with learner.no_bar(): pred, idx, probs = learner.predict(x)
        dp = float(np.abs(np.array(r['probs']) - probs.numpy()).max())
        rows.append((name, diff, int(idx), r['digit'], dp))
        page.clear()
    print('\n' + '\n'.join(f'{n:>15}: max |Δpixel| {d}, Python {i}, page {j}, max |Δp| {dp:.1e}' for n, d, i, j, dp in rows))
    for n, d, i, j, dp in rows:
        assert d <= 1, f'{n}: the 28×28 pixels differ by {d} grey levels'
        assert i == j, f'{n}: Python predicts {i}, the page {j}'
        assert dp < 1e-3, f'{n}: probabilities differ by {dp}'

def test_mnist_style_port(page):
    "The JavaScript `mnist_style` against the Python one on pictures unlike drawings: photos of test digits, inverted or not, any size"
    from PIL import Image
    from mnist_fastai.digits import mnist_style
    from mnist_fastai.data import mnist_arrays
    x_test = mnist_arrays()[2]
    rng = np.random.default_rng(1)
    worst, n = 0, 0
    for i in range(40):
        h, w = int(rng.integers(12, 160)), int(rng.integers(12, 160))
        digit = np.asarray(Image.fromarray(x_test[i]).resize((w, h), Image.BILINEAR), dtype=np.float64)
        H, W = h + int(rng.integers(2, 60)), w + int(rng.integers(2, 60))
        g = np.zeros((H, W)); y0, x0 = int(rng.integers(0, H - h + 1)), int(rng.integers(0, W - w + 1))
        g[y0:y0 + h, x0:x0 + w] = digit
        g = np.clip(g*rng.uniform(0.3, 1) + rng.uniform(0, 40) + rng.normal(0, 3, g.shape), 0, 255).round()
        if i % 2: g = 255 - g  # dark ink on light paper
        py = mnist_style(g)
        js = np.array(page.page.evaluate('([g, w, h]) => mnistDraw.mnistStyle(g, w, h)', [g.ravel().tolist(), W, H])).reshape(28, 28)
        worst = max(worst, int(np.abs(js - py.astype(int)).max())); n += 1
    assert worst <= 1, f'the ports differ by {worst} grey levels'
    print(f'\n{n} pictures: max |Δpixel| {worst}')
    err = page.page.evaluate('() => { try { mnistDraw.mnistStyle(new Array(2500).fill(255), 50, 50) } catch (e) { return e.message } }')
    assert 'no ink found' in err
