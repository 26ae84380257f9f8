"""The built docs site, in headless Chromium: every page loads offline with nothing fetched from another host,
every image shows, the sidebar reaches every notebook, search works, links resolve, no notebook markup leaks;
every line a lesson teaches (`#| exports`) is on its page, each notebook page says how long its runs took (from
nbs/runs.json), questionnaire answers fold, no page shows a progress bar or a path of the machine that ran the
notebooks, and at 1280 and 390 px wide nothing is clipped without a way to see it.

Build the site first (this module builds nothing):

    .venv/bin/python tools/build_docs.py && .venv/bin/python -m pytest tests/test_docs_site.py

Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`), or another Chrome named by $CHROMIUM;
Playwright drives it, and never downloads a browser of its own. Screenshots for a person to look at go to docs/_build/screenshots/.
"""
import ast, json, re, sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit, unquote

import pytest
from conftest import serve_folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
from build_docs import HTML, DOCS, EXTRA_PAGES, RUNS, notebooks, page_name  # noqa: E402
from mnist_fastai.core import cpu_label  # noqa: E402

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
    def __init__(self, browser, server, path, wait='networkidle', width=1280):
        self.ctx = browser.new_context(viewport={'width': width, 'height': 900})
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
                         problems=v.errors + v.failed, images=_images(v), text=v.page.inner_text('main'),
                         shown=v.page.evaluate(_SHOWN_TEXT))
        v.close()
    return out


# the text of a page but its code cells' code: prose and outputs, what a notebook run printed or displayed
_SHOWN_TEXT = """() => {
    const m = document.querySelector('main').cloneNode(true);
    m.querySelectorAll('.cell_input').forEach(e => e.remove());
    m.style.cssText = 'position: absolute; left: -99999px; width: 1000px';
    document.body.appendChild(m);
    const t = m.innerText; m.remove(); return t;
}"""


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
    extra = [n for n in EXTRA_PAGES if (DOCS/f'{n}.md').exists()]
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
        for shot, sel in [('linear-math', 'math'), ('classic-figures', '.cell_output img')]:
            if name == shot and v.page.locator(sel).count(): v.page.locator(sel).first.scroll_into_view_if_needed()
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
    """A telling line of each `#| hide` (and `#| exporti`) cell: a line that no visible cell of its notebook has.
    `#| export` cells are plumbing no lesson is about: their bodies may stay behind show_doc's signature (or not).
    `#| exports` cells are taught code, shown in full: test_lessons_show_the_code_they_teach."""
    out = set()
    for nb in notebooks():
        cells = json.loads(nb.read_text())['cells']
        hidden, shown = [], ''
        for c in cells:
            src = ''.join(c['source'])
            outs = ''.join(''.join(o.get('text', '')) + ''.join(''.join(v) for k, v in o.get('data', {}).items()
                           if k.startswith('text/')) for o in c.get('outputs', []))
            d = _directives(src) if c['cell_type'] == 'code' else set()
            if d & {'hide', 'exporti'}:
                hidden += [l for l in src.splitlines() if not l.startswith(('#', 'from ', 'import '))]
            elif 'export' in d: continue
            else: shown += src + outs
        lines = [l.strip() for l in hidden if len(l.strip()) > 20 and l.strip() not in shown]
        out.update(sorted(lines, key=len)[-3:])
    return out


def _directives(src):
    "The `#| name` options of a code cell"
    return {m[1] for m in re.finditer(r'^\s*#\|\s*([\w-]+)', src, re.M)}


# --- every line a lesson teaches is on its page ---------------------------------------------------------------------
def _norm(line): return re.sub(r'\s+', ' ', line.strip())


def _taught(nb):
    "{name: normalised lines of its body} for each function and class that the `#| exports` cells of `nb` define"
    out = {}
    for c in json.loads(nb.read_text())['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or 'exports' not in _directives(src): continue
        code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('#|', '%', '!'))
                         and not re.search(r'#\|\s*hide_line\s*$', l))  # nbdev hides those lines on purpose
        for node in ast.parse(code).body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): continue
            lines = code.splitlines()[node.body[0].lineno - 1:node.end_lineno]  # the body, after the signature
            out[node.name] = [_norm(l) for l in lines if _norm(l) and not _norm(l).startswith('#')]
    return out


def test_lessons_show_the_code_they_teach(visits):
    "The body of every function and class a notebook teaches (`#| exports`) is on its page, every line of it"
    missing, n = {}, 0
    for nb in notebooks():
        taught = _taught(nb)
        if not taught: continue
        page = page_name(nb)
        assert f'{page}.html' in visits, f'{page}.html is missing'
        lines = {_norm(l) for l in visits[f'{page}.html']['text'].splitlines()}
        for name, body in taught.items():
            n += 1
            if lost := [l for l in body if l not in lines]: missing[f'{page}.html: {name}'] = lost[:3]
    assert not missing, json.dumps(missing, indent=1, ensure_ascii=False)
    assert n, 'no notebook has an `#| exports` cell that defines a function or class'


def test_taught_code_is_shown_once(server, browser, pages):
    """An `#| exports` cell's code shows once, under a heading that names what it defines, with the anchor nbdev's
    links point at; show_doc does not repeat its signature"""
    bad = {}
    for nb in notebooks():
        taught = [n for n in _taught(nb) if not n.startswith('_')]  # nbdev documents public names only
        if not taught: continue
        page = page_name(nb)
        v = Visit(browser, server, f'{page}.html', wait='load')
        headings = v.page.eval_on_selector_all('article :is(h2, h3, h4)', 'hs => hs.map(h => h.textContent.replace(/#$/, ""))')
        outputs = v.page.eval_on_selector_all('article .cell_output', 'os => os.map(o => o.textContent)')
        ids = set(v.page.eval_on_selector_all('article [id]', 'es => es.map(e => e.id)'))
        v.close()
        for name in taught:  # (a method patched onto a class is headed and anchored Class.method)
            slug = name.lower().replace('_', '-')
            if not any(name in re.split(r'[,.\s]+', h) for h in headings): bad[f'{page}: {name}'] = 'no heading names it'
            elif not any(i == slug or i.endswith(f'-{slug}') for i in ids): bad[f'{page}: {name}'] = "no anchor for nbdev's links"
            elif any(re.search(rf'(^|\n)\s*(def|class) {name}\b', o) for o in outputs):
                bad[f'{page}: {name}'] = 'show_doc repeats its signature'
    assert not bad, bad


# --- what no page may show: progress bars, paths of the machine that ran the notebooks ------------------------------
MACHINE_PATHS = ('/root/', '/home/', '/work/', '/tmp/', 'site-packages', 'ipython-input-')


def test_no_progress_bars_or_machine_paths(visits):
    "No page's prose or outputs show a text progress bar (█) or a path of the machine that ran its notebook"
    bad = {}
    for path, r in visits.items():
        text = r['shown']
        found = [text[max(0, i - 40):i + 40].replace('\n', ' ') for s in ('█',) + MACHINE_PATHS
                 for i in [text.find(s)] if i >= 0]
        if found: bad[path] = found
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


# --- under each notebook page's subtitle: its run times and machine, from nbs/runs.json ----------------------------
def _seconds(d):
    "'5 min 12 s' → 312, '1 h 5 min' → 3900, 'under 1 s' → 0"
    if d == 'under 1 s': return 0
    parts = re.fullmatch(r'(?:(\d+) h)? ?(?:(\d+) min)? ?(?:(\d+) s)?', d)
    assert parts and any(parts.groups()), f'not a duration: {d!r}'
    h, m, s = (int(x or 0) for x in parts.groups())
    return 3600*h + 60*m + s


def _runs(): return json.loads(RUNS.read_text()) if RUNS.exists() else {}


def test_run_times_under_each_subtitle(server, browser, pages):
    "Right under its subtitle every notebook page but the home page says what nbs/runs.json recorded of it"
    runs, bad = _runs(), {}
    for nb in notebooks():
        page = page_name(nb)
        v = Visit(browser, server, f'{page}.html', wait='load')
        lines = v.page.eval_on_selector_all('article p.run-times', 'ps => ps.map(p => p.innerText.trim())')
        after = v.page.evaluate('() => document.querySelector("article p.subtitle")?.nextElementSibling?.className || ""')
        v.close()
        if page == 'index':
            if lines: bad[page] = 'the home page has a run-times line'
            continue
        if len(lines) != 1: bad[page] = f'{len(lines)} run-times lines'; continue
        line, rec = lines[0], runs.get(nb.stem, {})
        if 'run-times' not in after.split(): bad[page] = 'the run-times line is not right under the subtitle'; continue
        if 'full_s' not in rec and rec.get('quick_s') is None:
            if line != 'Run times not recorded yet.': bad[page] = f'runs.json has no record, yet the page says: {line}'
            continue
        if 'full_s' not in rec:
            m = re.fullmatch(r'Outputs not stored yet: the full run is pending; quick run \(CI\) (.+?), on (.+) '
                             r'— tools/run_notebooks\.py', line)
            if not m: bad[page] = f'unexpected line: {line}'; continue
            (quick, machine), full, date = m.groups(), None, None
        else:
            m = re.fullmatch(r'Full run (.+?), (?:quick run \(CI\) (.+?)|quick run not recorded), on (.+), '
                             r'(\d{4}-\d\d-\d\d) — tools/run_notebooks\.py', line)
            if not m: bad[page] = f'unexpected line: {line}'; continue
            full, quick, machine, date = m.groups()
        def same(shown, s): return abs(_seconds(shown) - s) <= (30.5 if ' h' in f' {shown}' else 0.5)
        mach, problems = rec.get('machine') or {}, []
        if full is not None and not same(full, rec['full_s']): problems.append(f'full run {full}, runs.json {rec["full_s"]} s')
        if (quick is None) != (rec.get('quick_s') is None) or (quick and not same(quick, rec['quick_s'])):
            problems.append(f'quick run {quick}, runs.json {rec.get("quick_s")} s')
        if full is not None and date != rec.get('date'): problems.append(f'date {date}, runs.json {rec.get("date")}')
        want = [mach.get('cpu') and cpu_label(mach['cpu']), mach.get('gpu'), mach.get('cores') and f'({mach["cores"]} cores',
                *(f'{k} {str(mach[k]).split("+")[0]}' for k in ('torch', 'fastai') if mach.get(k))]
        problems += [f'{w!r} not in {machine!r}' for w in want if w and w not in machine]
        if problems: bad[page] = problems
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


def test_every_notebook_has_run_times():
    """nbs/runs.json records the quick run of every notebook, and the full run of every notebook that stores outputs
    (tools/run_notebooks.py writes both): stored outputs always come with the time and machine of the run that made them"""
    runs, missing = _runs(), []
    for nb in notebooks():
        if nb.name == 'index.ipynb': continue
        rec = runs.get(nb.stem, {})
        has_outputs = any(c.get('outputs') for c in json.loads(nb.read_text())['cells'])
        want = {'quick_s', 'machine'} | ({'full_s', 'date'} if has_outputs else set())
        if not want <= rec.keys(): missing.append(f'{nb.name}: {sorted(want - rec.keys())}')
    assert not missing, f'{RUNS.relative_to(ROOT)} lacks: {missing}; run tools/run_notebooks.py'


# --- questionnaires: the answers fold --------------------------------------------------------------------------------
def test_questionnaire_answers_fold(server, browser, pages):
    "Each <details> answer of a notebook is a real <details> on its page, closed, with an 'Answer' summary that opens it"
    checked, bad = 0, {}
    for nb in notebooks():
        md = '\n'.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown')
        want = md.count('<details>')
        if not want: continue
        page, checked = page_name(nb), checked + 1
        v = Visit(browser, server, f'{page}.html', wait='load')
        got, text = v.page.locator('article details').count(), v.page.inner_text('article')
        if got != want: bad[page] = f'{got} <details> on the page, {want} in the notebook'
        elif '<details>' in text or '<summary>' in text: bad[page] = 'HTML shown as text'
        else:
            d = v.page.locator('article details').last
            answer = d.evaluate('e => e.textContent.replace(e.querySelector("summary")?.textContent || "", "").trim()')
            if d.evaluate('e => e.open') or d.locator('summary').inner_text().strip() != 'Answer' or not answer:
                bad[page] = 'an answer is open from the start, or has no "Answer" summary, or is empty'
            else:
                d.locator('summary').click()
                if not d.evaluate('e => e.open'): bad[page] = 'a click on "Answer" does not open it'
        v.close()
    assert not bad, bad
    if not checked: pytest.skip('no notebook has a questionnaire with <details> answers yet')


# --- nothing clipped without a way to see it, at 1280 and 390 px ----------------------------------------------------
_LAYOUT = r"""() => {
    const vw = document.documentElement.clientWidth;
    const out = {pageWidth: document.documentElement.scrollWidth, sticksOut: [], clipped: [], pre: []};
    const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
    const what = e => e.tagName.toLowerCase() + (typeof e.className == 'string' && e.className.trim() ?
        '.' + e.className.trim().split(/\s+/).join('.') : '') + ': ' + (e.textContent || '').trim().slice(0, 60);
    for (const e of document.querySelectorAll('article.bd-article *')) {
        const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
        if (!r.width || !r.height || cs.visibility == 'hidden') continue;
        // reaches past the window: fine only inside something that scrolls sideways and itself fits
        if (r.right > vw + 1 || r.left < -1) {
            let a = e.parentElement;
            while (a && a != document.body && !scrolls(a)) a = a.parentElement;
            const r2 = a && a != document.body ? a.getBoundingClientRect() : null;
            if (!(r2 && r2.right <= vw + 1 && r2.left >= -1)) out.sticksOut.push(what(e));
        }
        // content wider than its box: fine only where the box scrolls (hidden or clipped content is lost)
        if (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 && ['hidden', 'clip'].includes(cs.overflowX))
            out.clipped.push(what(e));
    }
    for (const p of document.querySelectorAll('article.bd-article pre'))
        out.pre.push({scrolls: scrolls(p), over: p.scrollWidth > p.clientWidth + 1,
                      input: !!p.closest('.cell_input'), text: p.textContent.slice(0, 60)});
    return out;
}"""


@pytest.mark.parametrize('width', [1280, 390])
def test_nothing_clipped(server, browser, pages, width):
    """At `width` px the page is no wider than the window, nothing in the article sticks out of it but inside
    something that scrolls sideways, no content is cut off by a box that hides it, and every code block fits, wraps
    or scrolls: code in cells wraps, outputs (logs, tables) scroll"""
    bad = {}
    for path in ['index.html'] + [f'{p}.html' for p in NB_PAGES + EXTRA_PAGES if f'{p}.html' in pages]:
        v = Visit(browser, server, path, wait='load', width=width)
        r = v.page.evaluate(_LAYOUT)
        v.close()
        problems = [f'the page is {r["pageWidth"]} px wide'] if r['pageWidth'] > width else []
        problems += [f'sticks out: {e}' for e in r['sticksOut'][:3]] + [f'cut off: {e}' for e in r['clipped'][:3]]
        for p in r['pre']:
            if p['over'] and not p['scrolls']: problems.append(f'code cut off: {p["text"]!r}')
            elif p['over'] and p['input']: problems.append(f'code in a cell scrolls instead of wrapping: {p["text"]!r}')
        if problems: bad[path] = problems[:6]
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


def test_code_column_holds_88_characters(server, browser, pages):
    "At 1280 px a code cell holds an 88-character line (the notebooks' longest visible lines) without wrapping it"
    page = next(f'{p}.html' for p in NB_PAGES if f'{p}.html' in pages)
    v = Visit(browser, server, page, wait='load')
    need, room = v.page.evaluate('''() => {
        const pre = document.querySelector('article .cell_input pre'), s = document.createElement('span');
        s.textContent = 'x'.repeat(88); s.style.whiteSpace = 'pre'; pre.appendChild(s);
        const cs = getComputedStyle(pre), w = s.getBoundingClientRect().width; s.remove();
        return [w, pre.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)];
    }''')
    v.close()
    assert need <= room, f'{page}: 88 characters of code take {need:.0f} px, a code cell has {room:.0f} px'


# --- pictures for a person to look at -------------------------------------------------------------------------------
def _scroll_to_table(v):
    "Scroll to fastai's epoch table, or else to a table of any output, or else to the first code cell"
    for sel in ('.cell_output table.fastprogress', '.cell_output table', '.cell_input'):
        if v.page.locator(sel).count():
            v.page.locator(sel).first.evaluate('e => e.closest(".cell").scrollIntoView({block: "start"})')
            v.page.evaluate('() => window.scrollBy(0, -120)')  # the cell's code above, clear of the sticky header
            return sel


@pytest.mark.parametrize('page,width', [('conv', 1280), ('resblock', 1280), ('kaggle', 1280), ('resblock', 390),
                                        ('classic', 1280), ('resnet18', 390), ('recipes', 1280), ('recipes', 390), ('cli', 1280)])
def test_lesson_screenshots(server, browser, pages, page, width):
    "A lesson's code and fastai's epoch table at desktop and phone widths: docs/_build/screenshots/<page>-<width>.png"
    if f'{page}.html' not in pages: pytest.fail(f'no page {page}.html')
    SHOTS.mkdir(parents=True, exist_ok=True)
    v = Visit(browser, server, f'{page}.html', wait='load', width=width)
    _scroll_to_table(v)
    out = SHOTS/f'{page}-{width}.png'
    v.page.screenshot(path=str(out))
    v.close()
    assert out.stat().st_size > 10_000
