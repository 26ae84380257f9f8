"""The notebooks' stored outputs, as the docs site and GitHub show them: no progress-bar debris, no paths of the
machine that ran them, no download logs and no Python warnings; and no prose left unfinished. Plain pytest, no browser, nothing is run:

    .venv/bin/python -m pytest tests/test_notebooks.py

Outputs are written by a full run (`tools/run_notebooks.py`); when this fails, fix the notebook (quiet the cell,
filter a known harmless warning in its hidden imports cell, print a relative path) and run it again.
"""
import json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))

# what a stored output may not contain, and why
FORBIDDEN = {
    '█': 'a text progress bar (fastprogress outside a kernel, or tqdm)',
    '/root/': 'a path of the machine that ran it', '/home/': 'a path of the machine that ran it',
    '/work/': 'a path of the machine that ran it', '/tmp/': 'a path of the machine that ran it',
    'site-packages': 'a path of the machine that ran it (a traceback or a warning)',
    'ipython-input-': 'a traceback from an interactive session',
    'Downloading': 'a download log',
    'UserWarning': 'a Python warning', 'FutureWarning': 'a Python warning', 'DeprecationWarning': 'a Python warning',
}
_pat = re.compile('|'.join(map(re.escape, FORBIDDEN)))


def _text(x): return ''.join(x) if isinstance(x, list) else (x or '')


def output_texts(output):
    "Every text of a stored output: stream text, text/* data (plain, HTML, markdown...), an error's traceback"
    yield _text(output.get('text'))
    for mime, v in output.get('data', {}).items():
        if mime.startswith('text/'): yield _text(v)
        elif mime.endswith('json'): yield json.dumps(v, ensure_ascii=False)
    if output.get('output_type') == 'error':
        yield f"{output.get('ename', '')}: {output.get('evalue', '')}"
        yield '\n'.join(output.get('traceback', []))


def problems(nb_path: Path):
    "['cell N (id X): what: …snippet…', ...] for the stored outputs of the notebook at `nb_path`"
    out = []
    for i, c in enumerate(json.loads(nb_path.read_text())['cells']):
        for o in c.get('outputs', []):
            for t in output_texts(o):
                seen = set()  # each kind of problem once per output text: enough to find it
                for m in _pat.finditer(t):
                    if m[0] in seen: continue
                    seen.add(m[0])
                    snippet = re.sub(r'\s+', ' ', t[max(0, m.start() - 50):m.end() + 50]).strip()
                    out.append(f'cell {i} (id {c.get("id", "?")}): {m[0]!r}, {FORBIDDEN[m[0]]}: …{snippet}…')
    return out


def test_there_are_notebooks(): assert NBS, 'no notebooks in nbs/'


@pytest.mark.parametrize('nb', NBS, ids=[p.name for p in NBS])
def test_stored_outputs_are_clean(nb):
    "No progress bar, machine path, download log or Python warning in any stored output"
    found = problems(nb)
    if found: pytest.fail(f'nbs/{nb.name}:\n' + '\n'.join(found[:20])
                          + (f'\n… and {len(found) - 20} more' if len(found) > 20 else ''), pytrace=False)


# prose that a full run has not yet been read against: what a notebook may not publish (NAME_PROSE marks prose to write from a run's outputs)
UNFINISHED = re.compile(r'<!--\s*CHECK|PLACEHOLDER|\b[A-Z]+(?:_[A-Z]+)*_PROSE\b|\bTODO\b|\bFIXME\b|\bXXX\b')


@pytest.mark.parametrize('nb', NBS, ids=[p.name for p in NBS])
def test_prose_is_finished(nb):
    "No markdown cell still carries a `<!-- CHECK -->` marker, a placeholder or a TODO"
    found = []
    for i, c in enumerate(json.loads(nb.read_text())['cells']):
        s = _text(c['source']) if c['cell_type'] == 'markdown' else ''
        found += [f"cell {i}: …{' '.join(s[max(0, m.start() - 60):m.end() + 20].split())}…" for m in UNFINISHED.finditer(s)]
    if found: pytest.fail(f'nbs/{nb.name}:\n' + '\n'.join(found), pytrace=False)
