"""The built docs site, in headless Chromium: every page loads offline with nothing fetched from another host,
every image shows, the sidebar reaches every notebook, search works, links resolve, no notebook markup leaks.

Build the site first (this module builds nothing):

    .venv/bin/python tools/build_docs.py && .venv/bin/python -m pytest tests/test_docs_site.py

Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`), or another Chrome named by $CHROMIUM;
Playwright drives it, and never downloads a browser of its own. Screenshots for a person to look at go to docs/_build/screenshots/.
"""
import json, re, sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, unquote

import pytest
from conftest import serve_folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
from build_docs import HTML, DOCS, notebooks, page_name  # noqa: E402

SHOTS = DOCS/'_build'/'screenshots'

NB_PAGES = [page_name(p) for p in notebooks() if p.name != 'index.ipynb']  # course order


def _pages():
    if not (HTML/'index.html').exists():
        pytest.fail(f'{HTML.relative_to(ROOT)} is missing: build the site first with .venv/bin/python tools/build_docs.py',
                    pytrace=False)
    return sorted(p.name for p in HTML.glob('*.html'))


@pytest.fixture(scope='session')
def pages(): return _pages()


@pytest.fixture(scope='session')
def server(pages):
    "The built site on a free localhost port"
    with serve_folder(HTML) as url: yield url


class Visit:
    "One page opened in a fresh context, with everything that went wrong on the way"
    def __init__(self, browser, server, path, wait='networkidle'):
        self.ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
        self.page, self.errors, self.failed, self.foreign, self.requests = self.ctx.new_page(), [], [], [], []
        host = urlsplit(server).netloc
        def route(r):  # every request is seen here: another host is recorded and never reached
            self.requests.append(r.request.url)
            if urlsplit(r.request.url).scheme in ('http', 'https') and urlsplit(r.request.url).netloc != host:
                self.foreign.append(r.request.url); r.abort()
            else: r.continue_()
        self.page.route('**/*', route)
        self.page.on('console', lambda m: m.type == 'error' and self.errors.append(f'console: {m.text}'))
        self.page.on('pageerror', lambda e: self.errors.append(f'page error: {e}'))
        self.page.on('requestfailed', lambda r: self.failed.append(f'{r.url} ({r.failure})'))
        self.page.on('response', lambda r: r.status >= 400 and self.failed.append(f'{r.url} (HTTP {r.status})'))
        self.response = self.page.goto(server + path, wait_until=wait)

    def close(self): self.ctx.close()


@pytest.fixture(scope='session')
def visits(pages, server, browser):
    "Every page opened once: what went wrong, its images, its text"
    out = {}
    for path in pages:
        v = Visit(browser, server, path)
        out[path] = dict(status=v.response.status if v.response else None, foreign=v.foreign,
                         problems=v.errors + v.failed, images=_images(v), text=v.page.inner_text('main'))
        v.close()
    return out


def test_pages_load_offline(visits):
    "No console error, no failed request, and no request to any host but the local server, on any page"
    problems = {}
    for path, r in visits.items():
        bad = r['problems'] + [f'request to another host: {u}' for u in r['foreign']]
        if r['status'] != 200: bad.append(f'HTTP {r["status"]}')
        if bad: problems[path] = bad
    assert not problems, json.dumps(problems, indent=1)


def test_no_foreign_resources_in_html(pages):
    "No script, stylesheet, font, image or preload from another host anywhere in the HTML (links to read are fine)"
    pat = re.compile(r'<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc="(?:https?:)?//'
                     r'|<link\b(?![^>]*\brel="(?:next|prev|index|search|canonical)")[^>]*\bhref="(?:https?:)?//'
                     r'|url\(\s*["\']?(?:https?:)?//', re.I)
    bad = {p: m[0][:120] for p in pages for m in [pat.search((HTML/p).read_text())] if m}
    assert not bad, bad
    mathjax = [f for f in HTML.rglob('*') if 'mathjax' in f.name.lower()]
    assert not mathjax, f'MathJax in the site: {mathjax}'


def _images(v):
    # make lazy images load, then wait for each to finish
    return v.page.evaluate('''async () => {
        const imgs = Array.from(document.images);
        imgs.forEach(i => i.loading = 'eager');
        await Promise.all(imgs.map(i => i.decode().catch(() => null)));
        return imgs.map(i => ({src: i.getAttribute('src'), w: i.naturalWidth, out: !!i.closest('.cell_output')}));
    }''')


def _expected_figures(page):
    "Image outputs the page's notebook shows (cells not tagged to hide their output)"
    nb = json.loads((DOCS/f'{page}.ipynb').read_text())
    return sum(1 for c in nb['cells'] if c['cell_type'] == 'code'
               and not {'remove-output', 'remove-cell'} & set(c['metadata'].get('tags', []))
               for o in c.get('outputs', []) if any(k.startswith('image/') for k in o.get('data', {})))


def test_images_load_and_every_figure_shows(visits):
    "Every <img> loaded, and each notebook page shows as many images as its notebook has figures"
    broken, missing, total = {}, {}, 0
    for path, r in visits.items():
        imgs = r['images']
        if bad := [i['src'] for i in imgs if i['w'] == 0]: broken[path] = bad
        page = path.removesuffix('.html')
        if page in NB_PAGES + ['index']:
            want, got = _expected_figures(page), sum(i['out'] for i in imgs)
            total += got
            if want != got: missing[path] = f'{got} images shown, the notebook has {want} figures'
    assert not broken, f'images that did not load: {broken}'
    assert not missing, missing
    assert total > 0, 'no notebook figure on any page'


def test_sidebar_reaches_every_notebook(server, browser, pages):
    v = Visit(browser, server, 'index.html')
    hrefs = v.page.eval_on_selector_all('nav.bd-docs-nav a.reference.internal', 'as => as.map(a => a.getAttribute("href"))')
    v.close()
    linked = [h.split('#')[0].removesuffix('.html') for h in hrefs]
    assert [p for p in linked if p in NB_PAGES] == NB_PAGES, f'sidebar: {linked}, notebooks in order: {NB_PAGES}'
    extra = ['mnist'] + (['draw'] if (DOCS/'draw.md').exists() else [])
    assert linked[-len(extra):] == extra, f'sidebar should end with {extra} after the notebooks: {linked}'
    titles = {}
    for nb in notebooks():
        if nb.name == 'index.ipynb': continue
        h1 = json.loads(nb.read_text())['cells'][0]['source']
        titles[page_name(nb)] = re.match(r'#\s+(.*)', ''.join(h1))[1].strip()
    for page in NB_PAGES:  # follow each link: the page is there, titled by its notebook's H1, and has its subtitle
        v = Visit(browser, server, f'{page}.html', wait='load')
        assert v.response.status == 200
        h1 = v.page.inner_text('article h1').strip().rstrip('#').strip()
        assert _plain(h1) == _plain(titles[page]), (page, h1, titles[page])
        assert v.page.locator('article p.subtitle').count() == 1, f'{page}: no subtitle'
        v.close()


def _plain(md): return re.sub(r'[`*_\'’]', '', md)


def test_search_finds_csv_dataloaders(server, browser, pages):
    v = Visit(browser, server, 'search.html?q=csv_dataloaders', wait='load')
    v.page.wait_for_selector('#search-results ul.search li a', timeout=15_000)
    hrefs = v.page.eval_on_selector_all('#search-results ul.search li a', 'as => as.map(a => a.getAttribute("href"))')
    SHOTS.mkdir(parents=True, exist_ok=True)
    v.page.screenshot(path=str(SHOTS/'search.png'))
    v.close()
    assert hrefs and hrefs[0].split('#')[0].split('?')[0] == 'data.html', f'search results: {hrefs}'


def test_screenshots(server, browser, pages):
    "Pictures for a person to look at: the home page, API docs, math, figures, and a training log"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in [('index', 'index.html'), ('data-api', 'data.html#csv-dataloaders'), ('linear-math', 'linear.html'),
                       ('classic-figures', 'classic.html'), ('mnist', 'mnist.html')]:
        v = Visit(browser, server, path, wait='load')
        if name == 'linear-math': v.page.locator('math').first.scroll_into_view_if_needed()
        if name == 'classic-figures': v.page.locator('.cell_output img').first.scroll_into_view_if_needed()
        v.page.screenshot(path=str(SHOTS/f'{name}.png'))
        v.close()
        assert (SHOTS/f'{name}.png').stat().st_size > 10_000


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.hrefs, self.ids = [], set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('name'): self.ids.add(a['name'])
        if tag in ('a', 'link') and a.get('href'): self.hrefs.append(a['href'])
        if tag in ('img', 'script') and a.get('src'): self.hrefs.append(a['src'])


def test_internal_links_resolve(pages):
    parsed = {}
    for p in pages:
        parsed[p] = _Links(); parsed[p].feed((HTML/p).read_text())
    bad = []
    for p, links in parsed.items():
        for href in links.hrefs:
            u = urlsplit(href)
            if u.scheme or u.netloc or href.startswith(('mailto:', 'javascript:')): continue
            target = unquote(urljoin(p, u.path)) if u.path else p
            if not (HTML/target).is_file(): bad.append(f'{p}: {href} (no such file)'); continue
            frag = unquote(u.fragment)
            if frag and target.endswith('.html'):
                if target not in parsed: parsed[target] = _Links(); parsed[target].feed((HTML/target).read_text())
                if frag not in parsed[target].ids: bad.append(f'{p}: {href} (no such anchor)')
    assert not bad, '\n'.join(bad)


def test_no_notebook_markup_shows(visits):
    "Nothing of `#| ...` cell options, hidden cells, or the front matter shows as text on a page"
    bad = {}
    hidden = _hidden_snippets()
    for path, r in visits.items():
        text = r['text']
        found = [l for l in text.splitlines() if re.match(r'\s*(#\||(title|description|output-file):\s)', l)]
        found += [s for s in hidden if s in text]
        if path.removesuffix('.html') in NB_PAGES + ['index'] and '{.' in text: found.append('a {.class} attribute shown as text')
        if found: bad[path] = found[:5]
    assert not bad, bad


def _hidden_snippets():
    "A telling line of each `#| hide` cell and each exported body: a line that no visible cell of its notebook has"
    out = set()
    for nb in notebooks():
        cells = json.loads(nb.read_text())['cells']
        hidden, shown = [], ''
        for c in cells:
            src = ''.join(c['source'])
            outs = ''.join(''.join(o.get('text', '')) + ''.join(''.join(v) for k, v in o.get('data', {}).items()
                           if k.startswith('text/')) for o in c.get('outputs', []))
            if c['cell_type'] == 'code' and re.search(r'^#\|\s*hide\b', src, re.M):
                hidden += [l for l in src.splitlines() if not l.startswith(('#', 'from ', 'import '))]
            elif c['cell_type'] == 'code' and re.search(r'^#\|\s*export', src, re.M):
                # exported code shows only as show_doc's signature and docstring: look for a line of a body
                hidden += [l for l in src.splitlines() if l.startswith('    ')
                           and not re.search(r'[#"\'(,:]\s*$|^\s*(def|class|return)\b|["#]', l)]
            else: shown += src + outs
        lines = [l.strip() for l in hidden if len(l.strip()) > 20 and l.strip() not in shown]
        out.update(sorted(lines, key=len)[-3:])
    return out
