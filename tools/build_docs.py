"""Build the docs site, offline, into docs/_build/html: one page per notebook, in nbs/'s order, then docs/mnist.md
(and docs/draw.md if it exists). Sphinx warnings are errors.

    .venv/bin/python tools/build_docs.py

1. nbdev processes the notebooks into _proc/ (show_doc output added, hidden and `export` cells dropped, `exports`
   cells kept as code, the title cell turned into a front-matter cell). We call nbdev's `proc_nbs` rather than the
   `nbdev-proc-nbs` command, which first tries to install Quarto and writes _quarto.yml, nbdev.yml and sidebar.yml
   into nbs/.
2. `adapt` turns each processed notebook into a page for myst-nb, written to docs/<page>.ipynb (git-ignored):
   the front matter becomes the page's H1 title and subtitle (myst-nb knows no Quarto front matter), and Quarto's
   cell options, which myst-nb would show as code, become myst-nb's tags. Code a lesson teaches (`#| exports`)
   shows as code under a heading that names it, without show_doc's copy of its signature and docstring. Under the
   subtitle of every notebook page goes one line saying how long its full and quick runs took and on what machine,
   from nbs/runs.json (written by tools/run_notebooks.py). The home page gets the table of contents, so the
   sidebar follows the notebooks in nbs/ with no list to keep by hand.
3. sphinx-build -W with docs/conf.py (stored outputs only, nothing is run).
Before all that, if docs/draw.md exists, tools/export_onnx.py makes the drawing page's model and copies ONNX Runtime
Web from docs/node_modules (`npm ci --prefix docs` first); it trains the ResBlock net if no trained one is saved.
"""
import json, os, re, shutil, subprocess, sys, time
from pathlib import Path

from mnist_fastai.core import cpu_label

ROOT = Path(__file__).resolve().parents[1]
DOCS, NBS, PROC = ROOT/'docs', ROOT/'nbs', ROOT/'_proc'
HTML = DOCS/'_build'/'html'
RUNS = NBS/'runs.json'  # each notebook's run times and machine, written by tools/run_notebooks.py
MARK = 'mnist_fastai_docs'  # notebook metadata key of the pages this script writes, so it only ever deletes its own
# docs/<name>.md, after the notebooks, those that exist (draw.md: the "draw a digit" page). The one list of them:
# docs/conf.py reads it from here.
EXTRA_PAGES = ['mnist', 'draw']

# Quarto cell options → myst-nb tags. Any other `#| ...` line (output: asis, slow: true, ...) is just removed.
TAGS = {('echo', False): 'remove-input', ('output', False): 'remove-output', ('include', False): 'remove-cell'}
_opt = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')


def page_name(nb: Path) -> str:
    "The page name nbdev's own site would give `nb` (00_core.ipynb → core), so nbdev's links to the docs match it"
    from nbdev.config import nbpath2html
    return nbpath2html(nb.name).stem


def notebooks():
    "nbs/'s notebooks in course order, home page first"
    nbs = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))
    return sorted(nbs, key=lambda p: p.name != 'index.ipynb')


def _text(x): return ''.join(x) if isinstance(x, list) else x


def _front_matter(src):
    import yaml
    return yaml.safe_load(src.strip().split('---')[1]) or {}


def _doc_url():
    "Where nbdev's links to the docs point (https://…/mnist_fastai): docs/conf.py makes them links within this site"
    from nbdev.config import get_config
    cfg = get_config()
    return cfg.doc_host + cfg.doc_baseurl


_rel_page = re.compile(r'\]\((?![\w+.-]+:|/|#)([\w-]+\.html(?:#[^)\s]*)?)\)')

def _tidy_md(md):
    # show_doc's output starts with a rule ("---"), which docutils allows only between sections: site.css draws it
    md = re.sub(r'\A---\n', '', md)
    # a link to another page as the site has it ("[data](data.html)"): as nbdev writes its own links, so that
    # conf.py checks it (the page and the anchor exist) and makes it a link within this site
    if _rel_page.search(md): md = _rel_page.sub(lambda m: f']({_doc_url()}/{m[1]})', md)
    # show_doc's "[source](…){target="_blank" style="float:right; …"}": Pandoc attributes; keep a class for site.css
    return re.sub(r'\]\((https?://[^)\s]+)\)\{target="_blank"[^}]*\}', r'](\1){.source-link}', md)


def _directives(src):
    "The `#| name ...` cell options of a cell's source, as {name: rest of the line}"
    out = {}
    for l in src.splitlines():
        if m := re.match(r'\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$', l): out[m[1]] = m[2]
    return out


_showdoc = re.compile(r'\A\s*show_doc\(\s*([\w.]+)\s*\)\s*\Z')

def _show_doc_name(c):
    "The name a cell nbdev added to document (`show_doc(name)`, output as markdown), else None"
    if c['cell_type'] != 'code': return None
    src = '\n'.join(l for l in _text(c['source']).splitlines() if not l.lstrip().startswith('#|'))
    m = _showdoc.match(src)
    return m[1] if m else None


def _defined(src):
    """What a cell defines, in order: (its top-level functions and classes, every name nbdev's links may point at:
    those, private ones included, and each class's methods as `Class.method`)"""
    import ast
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!', '#|'))))
    except SyntaxError: return [], []
    fn = (ast.FunctionDef, ast.AsyncFunctionDef)
    defs = [n for n in tree.body if isinstance(n, fn + (ast.ClassDef,))]
    linked = [x for n in defs for x in [n.name] + ([f'{n.name}.{m.name}' for m in n.body if isinstance(m, fn)]
                                                    if isinstance(n, ast.ClassDef) else [])]
    return [n.name for n in defs], linked


def exports_sections(cells):
    """Code a lesson teaches (`#| exports`) shown once: nbdev puts show_doc's signature and docstring before such a
    cell (and, when it defines several names, the others' after it), which only repeats what the code says. Each
    `exports` cell keeps its code under one heading naming what it defines, with show_doc's link to the source, and
    an anchor for every name nbdev's links may point at (`data.html#arrayrows.batch`), private ones included."""
    from docutils.nodes import make_id
    cells, out, used = list(cells), [], set()
    for j, c in enumerate(cells):
        if c['cell_type'] != 'code' or 'exports' not in _directives(_text(c['source'])): continue
        defined, linked = _defined(_text(c['source']))
        def ours(k): return 0 <= k < len(cells) and k not in used and (_show_doc_name(cells[k]) or '').split('.')[-1] in defined
        before, k = [], j - 1
        while ours(k): before.insert(0, k); k -= 1
        after, k = [], j + 1
        while ours(k): after.append(k); k += 1
        # in the order the cell defines them (nbdev adds its show_doc cells in reverse)
        docs = sorted(before + after, key=lambda k: defined.index(_show_doc_name(cells[k]).split('.')[-1]))
        used.update(docs)
        names = [_show_doc_name(cells[k]) for k in docs]
        link = ''
        for k in docs:
            md = ''.join(_text(o.get('data', {}).get('text/markdown', '')) for o in cells[k].get('outputs', []))
            if m := re.search(r'\[source\]\((https?://[^)\s]+)\)', md): link = f'[source]({m[1]}){{.source-link}}\n\n'; break
        heading = f'### {", ".join(names)}\n' if names else ''
        # the heading's own id is make_id of its text; every other name gets an empty <div id>, which conf.py counts
        ids = dict.fromkeys(make_id(n) for n in linked + names)
        ids.pop(make_id(', '.join(names)) if names else None, None)
        anchors = ''.join(f'<div id="{i}" class="name-anchor"></div>' for i in ids if i) + '\n\n' if ids else ''
        if anchors or heading: c['_heading'] = {'cell_type': 'markdown', 'metadata': {}, 'source': anchors + link + heading}
    for k, c in enumerate(cells):
        if k in used: continue
        if h := c.pop('_heading', None): out.append(h)
        out.append(c)
    return out


def _duration(s):
    "Seconds as a person says them: 24 s, 5 min 12 s, 1 h 5 min (to the minute)"
    s = round(s)
    if s < 60: return f'{s} s' if s else 'under 1 s'
    if s < 3600:
        m, s = divmod(s, 60)
        return f'{m} min {s} s' if s else f'{m} min'
    h, m = divmod(round(s/60), 60)
    return f'{h} h {m} min' if m else f'{h} h'


def run_line(rec):
    "The line under a page's subtitle: how long the notebook's full and quick runs took, on what, when"
    if not rec or ('full_s' not in rec and rec.get('quick_s') is None): return 'Run times not recorded yet.'
    m = rec.get('machine') or {}
    quick = f"quick run (CI) {_duration(rec['quick_s'])}" if rec.get('quick_s') is not None else 'quick run not recorded'
    on = cpu_label(m['cpu']) if m.get('cpu') else 'an unnamed CPU'
    if m.get('cores'):
        threads = m.get('threads')
        on += f" ({m['cores']} cores" + (f', {threads} threads' if threads and threads != m['cores'] else '') + ')'
    if m.get('gpu'): on = f"{m['gpu']} and {on}"
    libs = ''.join(f", {k} {str(m[k]).split('+')[0]}" for k in ('torch', 'fastai') if m.get(k))
    if 'full_s' not in rec:  # the notebook's full run is still to come: its outputs are not stored yet
        return f"Outputs not stored yet: the full run is pending; {quick}, on {on}{libs} — `tools/run_notebooks.py`"
    return (f"Full run {_duration(rec['full_s'])}, {quick}, on {on}{libs}, {rec.get('date', 'date not recorded')}"
            " — `tools/run_notebooks.py`")


def load_runs():
    "nbs/runs.json: each notebook's run times and machine, by notebook stem"
    if not RUNS.exists(): return {}
    try: return json.loads(RUNS.read_text())
    except ValueError as e: sys.exit(f'{RUNS.relative_to(ROOT)} is not valid JSON: {e}')


def adapt(nb: dict, src_name: str, runs: dict | None = None) -> dict:
    """A processed notebook (`_proc/`) made into a myst-nb page; `runs` (nbs/runs.json) gives the line under the
    subtitle of every page but the home page"""
    fm, cells = {}, []
    for c in exports_sections(nb['cells']):
        src = _text(c['source'])
        if c['cell_type'] == 'raw' and src.lstrip().startswith('---'): fm = _front_matter(src); continue
        if c['cell_type'] == 'markdown' and src.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED!'): continue
        if c['cell_type'] == 'markdown': src = _tidy_md(src)
        if c['cell_type'] == 'code':
            lines, tags = src.splitlines(), set(c['metadata'].get('tags', []))
            for line in lines:
                if m := _opt.match(line):
                    key, val = m[1], m[2].lower()
                    if val in ('false', 'true'): tags.add(TAGS.get((key, val == 'true'), ''))
            src = '\n'.join(l for l in lines if not l.lstrip().startswith('#|')).strip('\n')
            tags.discard('')
            if tags: c['metadata']['tags'] = sorted(tags)
            for o in c.get('outputs', []):
                if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = _tidy_md(_text(o['data']['text/markdown']))
            if not src.strip() and not c.get('outputs'): continue
        c['source'] = src
        cells.append(c)
    if 'title' not in fm: sys.exit(f'{src_name}: no title (the notebook must start with a "# Title" markdown cell)')
    head = f"# {fm['title']}\n" + (f"\n{{.subtitle}}\n{fm['description']}\n" if fm.get('description') else '')
    if runs is not None: head += f"\n{{.run-times}}\n{run_line(runs.get(Path(src_name).stem))}\n"
    cells.insert(0, {'cell_type': 'markdown', 'metadata': {}, 'source': head})
    for i, c in enumerate(cells): c['id'] = c.get('id') or f'cell-{i}'
    nb['cells'] = cells
    nb['metadata'] = {'kernelspec': nb['metadata'].get('kernelspec', {}), MARK: {'source': f'nbs/{src_name}'}}
    return nb


def toctree(pages, extra):
    "The (hidden) tables of contents that make the sidebar"
    t = '```{toctree}\n:hidden:\n:caption: Notebooks\n\n' + '\n'.join(pages) + '\n```\n'
    if extra: t += '\n```{toctree}\n:hidden:\n:caption: More\n\n' + '\n'.join(extra) + '\n```\n'
    return t


def write_pages():
    "docs/<page>.ipynb for every notebook, from _proc/; returns the page names in order"
    for old in DOCS.glob('*.ipynb'):  # pages of notebooks that were renamed or removed
        if MARK in json.loads(old.read_text()).get('metadata', {}): old.unlink()
    pages, home, runs = [], None, load_runs()
    if not RUNS.exists():
        print(f'warning: {RUNS.relative_to(ROOT)} is missing: every page says "run times not recorded yet" '
              '(tools/run_notebooks.py records them)', file=sys.stderr)
    for nb_path in notebooks():
        proc = PROC/nb_path.name
        if not proc.exists(): sys.exit(f'{proc} is missing: nbdev did not process {nb_path}')
        name = page_name(nb_path)
        if RUNS.exists() and name != 'index' and 'full_s' not in runs.get(nb_path.stem, {}):
            print(f'warning: {RUNS.relative_to(ROOT)} has no full run of {nb_path.name}: its page says so '
                  '(tools/run_notebooks.py records the runs)', file=sys.stderr)
        nb = adapt(json.loads(proc.read_text()), nb_path.name, runs=None if name == 'index' else runs)
        if name == 'index': home = nb
        else: pages.append(name)
        if (DOCS/f'{name}.ipynb').exists(): sys.exit(f'docs/{name}.ipynb: two notebooks make the page "{name}"')
        (DOCS/f'{name}.ipynb').write_text(json.dumps(nb, indent=1, ensure_ascii=False))
    if home is None: sys.exit('nbs/index.ipynb is missing: it is the home page')
    extra = [n for n in EXTRA_PAGES if (DOCS/f'{n}.md').exists()]
    home['cells'].append({'cell_type': 'markdown', 'id': 'toctree', 'metadata': {}, 'source': toctree(pages, extra)})
    (DOCS/'index.ipynb').write_text(json.dumps(home, indent=1, ensure_ascii=False))
    return pages + extra


def _imports_only(src):
    "None if the cell `src` imports nothing (or is not Python); else the first statement in it that is not an import"
    import ast
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return None
    if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)): return None
    other = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))
             and not (isinstance(n, ast.Expr) and 'show_doc' in ast.unparse(n))]
    return ast.unparse(other[0]).splitlines()[0] if other else ''


def check_import_cells():
    """To make show_doc's output, nbdev runs, in every notebook with API docs (a cell with `export`, `exports` or
    `exec_doc`, or a show_doc call), the exported cells and every other code cell that imports anything anywhere in
    it (unless `#| eval: false`). A cell that also trains a model would train it during the docs build, so such a
    cell must hold imports (and show_doc calls) only."""
    bad = []
    for p in notebooks():
        cells = json.loads(p.read_text())['cells']
        code = [(i, c, _text(c['source'])) for i, c in enumerate(cells) if c['cell_type'] == 'code']
        if not any(_directives(s).keys() & {'export', 'exports', 'exec_doc'} or 'show_doc(' in s for _, _, s in code):
            continue  # nbdev runs nothing in a notebook without API docs
        for i, c, src in code:
            d = _directives(src)
            if d.keys() & {'export', 'exports', 'exporti', 'exec_doc'} or d.get('eval', '').lower() == 'false': continue
            if 'nbdev_export()' in src: continue  # nbdev never runs the closing export cell
            other = _imports_only(src)
            if other: bad.append(f'  nbs/{p.name}, cell {i} (id {c.get("id", "?")}): {other[:90]}')
    if bad: sys.exit('These cells import and also run other code, which nbdev would run while building the docs: '
                     'move their imports into a cell of their own (or into the notebook\'s hidden import cell):\n'
                     + '\n'.join(bad))


def process_notebooks(force=False):
    "nbdev's processing of nbs/ into _proc/ (cached: only changed notebooks are redone, unless `force`)"
    from nbdev.serve import proc_nbs
    # skip_folder_re: nbs/kaggle, nbs/models etc. are data, not pages; nbdev would copy them all into _proc/
    try: proc_nbs(str(NBS), force=force, skip_folder_re='.')
    except Exception as e: sys.exit(f'nbdev could not process the notebooks: {e}')


def main(force=False):
    start = time.perf_counter()
    os.chdir(ROOT)  # where nbdev runs the cells it needs, as nbdev-proc-nbs does
    check_import_cells()
    if (DOCS/'draw.md').exists():  # the drawing page's model and ONNX Runtime are generated: every build makes them afresh
        r = subprocess.run([sys.executable, str(ROOT/'tools'/'export_onnx.py')], cwd=ROOT)
        if r.returncode: sys.exit('tools/export_onnx.py failed: the drawing page would have no model')
    process_notebooks(force)
    t_proc = time.perf_counter() - start
    pages = write_pages()
    shutil.rmtree(HTML, ignore_errors=True)  # no page of a removed notebook may linger in the site
    cmd = [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-E', '-q', '-b', 'html',
           '-d', str(DOCS/'_build'/'doctrees'), str(DOCS), str(HTML)]
    r = subprocess.run(cmd, cwd=ROOT)
    if r.returncode: sys.exit(f'sphinx-build failed (exit {r.returncode}): warnings are errors')
    print(f'built {len(pages) + 1} pages into {HTML.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s '
          f'(notebook processing {t_proc:.1f} s)')


if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--force', action='store_true', help='process every notebook again, not only those changed since the last build')
    main(ap.parse_args().force)
