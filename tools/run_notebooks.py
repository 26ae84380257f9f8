"""Run notebooks in a real Jupyter kernel, as a reader does, and store their full-size outputs.

    .venv/bin/python tools/run_notebooks.py                   # every notebook, then the home page
    .venv/bin/python tools/run_notebooks.py nbs/04_conv.ipynb # some of them

For each notebook, first the quick run, exactly as CI runs it (`nbdev-test NOTEBOOK`: the quick size, without the
`#| slow` cells), then the full run (`MNIST_FASTAI_RUN=full`, every cell) in a Jupyter kernel, whose outputs replace
the stored ones. Both are timed, and `nbs/runs.json` records the two times with the machine
they ran on: the docs site shows them on each page. A kernel, unlike `nbdev-test`, gives fastai's progress bars and
tables as HTML, which is how a reader sees them in Jupyter and on the site.

Run nothing else meanwhile: the notebooks report timings, and on a 2-core machine any other busy process slows
PyTorch several times over.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path
from mnist_fastai.core import atomic_path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
RUNS = NBS/'runs.json'


def quick_run(path: Path) -> float:
    "Seconds of `nbdev-test` on the notebook at `path`, the quick run CI makes"
    start = time.perf_counter()
    r = subprocess.run([str(Path(sys.executable).parent/'nbdev-test'), str(path)], cwd=ROOT, capture_output=True, text=True)
    if r.returncode: sys.exit(f'{path.name}: the quick run (nbdev-test) failed:\n{(r.stdout + r.stderr)[-3000:]}')
    return time.perf_counter() - start


def full_run(path: Path):
    "Run every cell of the notebook at `path` at full size in a fresh Jupyter kernel; returns (notebook, seconds)"
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=None, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    old = dict(os.environ)
    os.environ['MNIST_FASTAI_RUN'] = 'full'  # the kernel inherits this process's environment
    os.environ.pop('IN_TEST', None)
    start = time.perf_counter()
    try: client.execute()
    except CellExecutionError as e: sys.exit(f'{path.name} (full run) failed:\n{str(e)[-3000:]}')
    finally: os.environ.clear(); os.environ.update(old)
    return nb, time.perf_counter() - start


def machine():
    out = subprocess.run([sys.executable, '-c', 'import json; from mnist_fastai.core import machine_info; print(json.dumps(machine_info()))'],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main(paths, quick=True, full=True):
    import nbformat
    m = machine()
    for p in paths:
        p, rec = p.resolve(), {}
        if quick:
            rec['quick_s'] = round(quick_run(p), 1)
            print(f'{p.name}: quick run {rec["quick_s"]:.0f} s', flush=True)
        if full:
            nb, f = full_run(p)
            nbformat.write(nb, p)
            subprocess.run([str(Path(sys.executable).parent/'nbdev-clean'), '--fname', str(p)], cwd=ROOT, check=True)
            rec.update(full_s=round(f, 1), date=time.strftime('%Y-%m-%d'))
            print(f'{p.name}: full run {f:.0f} s', flush=True)
        runs = json.loads(RUNS.read_text()) if RUNS.exists() else {}
        runs[p.stem] = {**runs.get(p.stem, {}), **rec, 'machine': m}
        with atomic_path(RUNS) as tmp: tmp.write_text(json.dumps(dict(sorted(runs.items())), indent=1) + '\n')


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('notebooks', nargs='*', type=Path, help='notebooks to run (default: all of nbs/, the home page last)')
    ap.add_argument('--no-quick', action='store_true', help='skip the quick runs (their recorded times stay as they were)')
    ap.add_argument('--quick-only', action='store_true', help='only the quick runs (stored outputs and full-run times stay as they were)')
    a = ap.parse_args()
    nbs = a.notebooks or sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')) and p.name != 'index.ipynb') + [NBS/'index.ipynb']
    for p in nbs:
        if not p.exists(): sys.exit(f'{p}: no such notebook')
    main(nbs, quick=not a.no_quick, full=not a.quick_only)
