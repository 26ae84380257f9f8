"""Build the drawing page's assets: the ResBlock net as ONNX with its metadata, and ONNX Runtime Web.

    npm ci --prefix docs                  # once: onnxruntime-web at the version pinned in docs/package-lock.json
    python tools/export_onnx.py           # docs/_static/draw/model.{onnx,json} and docs/_static/vendor/onnxruntime-web/

1. Loads the learner saved by `mnist-fastai train resblock` (`models_dir()/resblock.pkl`, or --model); if there is
   none, trains it first (and says so).
2. Exports its model to ONNX with the softmax in the graph: input `x`, float32 [n,1,28,28], digits already
   normalised as in training; output `probs`, float32 [n,10].
3. Checks that ONNX Runtime and fastai's own `get_preds` give the same probabilities, to 1e-4, on 1,000 test digits,
   and measures the test accuracy of the ONNX model on MNIST's 10,000 test digits; writes both to the metadata.
4. Copies the browser files of onnxruntime-web (the plain WebAssembly build) from docs/node_modules into
   docs/_static/vendor/onnxruntime-web/, with its licence.

Everything it writes is generated (git-ignored); the page and its scripts (docs/draw.md, docs/_static/draw/*.js)
are not. It needs the `docs` extra: `pip install -e .[docs]`.
"""
from __future__ import annotations
import argparse, hashlib, json, os, shutil, sys, time, warnings
from datetime import datetime, timezone
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT/'docs'
DRAW = DOCS/'_static'/'draw'
VENDOR = DOCS/'_static'/'vendor'/'onnxruntime-web'
NODE_ORT = DOCS/'node_modules'/'onnxruntime-web'
# the plain WebAssembly build: the `ort` global (wasm backend only), the loader it imports and the binary it fetches
ORT_FILES = ('ort.wasm.min.js', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm')
N_PARITY, TOL = 1000, 1e-4
DESCRIPTION = ("the last small net of the course (notebook 06): four stride-2 convolutions (1→8→16→32→16 channels), "
               "each followed by a residual block, then a stride-2 convolution to the 10 digits")

class ExportError(Exception): "A failed step, reported as one line"

# the ONNX export and ONNX Runtime helpers are the library's, the same that `mnist-fastai train` and `predict` use
from mnist_fastai.recipes import (OPSET, file_sha256 as sha256, normalize_stats, onnx_bytes, onnx_session, onnx_probs,  # noqa: E402
                                  fastai_probs)

def get_learner(model=None, threads:int=None):
    "The learner in `model`, or in `models_dir()/resblock.pkl`, trained first if that file is missing"
    from mnist_fastai.recipes import models_dir, load_model, train_arch
    path = Path(model) if model else models_dir()/'resblock.pkl'
    if not path.exists():
        if model: raise ExportError(f'{path}: model file not found')
        print(f'no trained model at {path}: training the ResBlock net first, as `mnist-fastai train resblock` does '
              '(minutes on a 2-core CPU)', flush=True)
        _, res = train_arch('resblock', out=path, threads=threads)
        print(f"trained: {res['accuracy']:.2%} {res['evaluated_on']}; saved to {path}", flush=True)
    return path, load_model(path)

def copy_vendor(src:Path=NODE_ORT, dest:Path=VENDOR) -> str:
    "Copy onnxruntime-web's browser files and licence into `dest`; returns its version"
    pinned = json.loads((DOCS/'package.json').read_text())['dependencies']['onnxruntime-web']
    if not (src/'package.json').exists():
        raise ExportError(f'{src} is missing: run `npm ci --prefix {os.path.relpath(DOCS)}` first')
    version = json.loads((src/'package.json').read_text())['version']
    if version != pinned:
        raise ExportError(f'{src} is onnxruntime-web {version}, but docs/package.json pins {pinned}: run `npm ci --prefix docs`')
    missing = [f for f in ORT_FILES if not (src/'dist'/f).exists()]
    if missing: raise ExportError(f"onnxruntime-web {version} has no {', '.join(missing)} in dist/")
    from mnist_fastai.core import atomic_path
    with atomic_path(dest) as tmp:
        tmp.mkdir()
        for f in ORT_FILES: shutil.copy2(src/'dist'/f, tmp/f)
        licences = sorted(p for p in src.iterdir() if p.name.upper().startswith(('LICENSE', 'LICENCE', 'NOTICE', 'THIRDPARTY')))
        note = [f'onnxruntime-web {version}, from the npm registry (pinned in docs/package-lock.json).',
                f"Licence: {json.loads((src/'package.json').read_text()).get('license')}, "
                'Copyright (c) Microsoft Corporation (https://github.com/microsoft/onnxruntime).', '',
                'Files: ' + ', '.join(ORT_FILES) + ' (from dist/, unchanged).']
        if licences:
            for p in licences: shutil.copy2(p, tmp/p.name)
        else:
            # the npm package ships no licence file: take the same project's licence and third-party notices
            # from its Python package (onnxruntime, installed with the `docs` extra)
            import onnxruntime
            pkg = Path(onnxruntime.__file__).parent
            for name in ('LICENSE', 'ThirdPartyNotices.txt'):
                if not (pkg/name).exists(): raise ExportError(f'no {name} in {pkg}: cannot ship the licence of onnxruntime-web')
                shutil.copy2(pkg/name, tmp/name)
            note += ['', 'The npm package has no licence file of its own; LICENSE and ThirdPartyNotices.txt are those of the',
                     f'same project, as shipped in its Python package onnxruntime {onnxruntime.__version__}.']
        (tmp/'README.txt').write_text('\n'.join(note) + '\n')
    return version

def export(model=None, out:Path=DRAW, threads:int=None, vendor:bool=True) -> dict:
    "Steps 1-4 of the module docstring; returns the metadata written next to the ONNX file"
    import torch, fastai, onnx, onnxruntime
    from mnist_fastai.core import use_threads, n_params, atomic_path
    from mnist_fastai.data import mnist_arrays, mnist_stats
    t0 = time.perf_counter()
    ort_web = copy_vendor() if vendor else None
    t1 = time.perf_counter()
    path, learn = get_learner(model, threads)
    use_threads(threads)
    mean, std = normalize_stats(learn)
    if not np.allclose((mean, std), mnist_stats(), atol=1e-6): raise ExportError(f'{path}: not normalised with MNIST stats')
    out = Path(out)
    data = onnx_bytes(learn)
    import onnx
    onnx.checker.check_model(onnx.load_from_string(data))
    session = onnx_session(data)
    _, _, x_test, y_test = mnist_arrays()
    p_onnx = onnx_probs(session, x_test, mean, std)
    p_torch = fastai_probs(learn, x_test[:N_PARITY])
    diff = float(np.abs(p_onnx[:N_PARITY] - p_torch).max())
    same_pred = bool((p_onnx[:N_PARITY].argmax(1) == p_torch.argmax(1)).all())
    if diff > TOL or not same_pred:
        raise ExportError(f'ONNX and PyTorch disagree on {N_PARITY} test digits: max |Δp| = {diff:.2e} > {TOL:g}')
    acc = float((p_onnx.argmax(1) == y_test).mean())
    with atomic_path(out/'model.onnx') as tmp: tmp.write_bytes(data)  # only once it agrees with PyTorch
    meta = dict(
        title='ResBlock net', description=DESCRIPTION, parameters=n_params(learn.model),
        test_accuracy=acc, test_digits=int(len(y_test)), test_errors=int((p_onnx.argmax(1) != y_test).sum()),
        normalize=dict(mean=mean, std=std),
        preprocessing='mnist_style (nbs/01_digits.ipynb), then (x/255 - mean)/std',
        onnx=dict(file='model.onnx', bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), opset=OPSET,
                  input=dict(name='x', dtype='float32', shape=['n', 1, 28, 28]),
                  output=dict(name='probs', dtype='float32', shape=['n', 10], softmax=True)),
        parity=dict(digits=N_PARITY, max_abs_prob_diff=diff, tolerance=TOL, reference='fastai Learner.get_preds'),
        source_model=dict(file=path.name, sha256=sha256(path)),
        onnxruntime_web=ort_web,
        versions=dict(torch=torch.__version__, fastai=fastai.__version__, onnx=onnx.__version__, onnxruntime=onnxruntime.__version__),
        exported=datetime.now(timezone.utc).isoformat(timespec='seconds'),
    )
    with atomic_path(out/'model.json') as tmp: tmp.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + '\n')
    meta['_seconds'] = dict(total=time.perf_counter() - t0, export=time.perf_counter() - t1)
    return meta

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog='\n'.join(__doc__.split('\n')[1:]))
    p.add_argument('--model', help='learner to export (default: models_dir()/resblock.pkl, trained first if missing)')
    p.add_argument('--out', default=str(DRAW), help='folder for model.onnx and model.json (default: docs/_static/draw)')
    p.add_argument('--threads', type=int, help="CPU threads (default: PyTorch's choice for this machine)")
    p.add_argument('--no-vendor', action='store_true', help='do not copy onnxruntime-web from docs/node_modules')
    a = p.parse_args(argv)
    warnings.filterwarnings('ignore')
    try: m = export(a.model, Path(a.out), a.threads, vendor=not a.no_vendor)
    except (ExportError, ValueError, OSError) as e:  # ValueError: `ModelError`, `DigitDataError`
        print(f'export_onnx: {e}', file=sys.stderr); return 1
    rel = os.path.relpath(Path(a.out))
    if m['onnxruntime_web']: print(f"copied onnxruntime-web {m['onnxruntime_web']} to {os.path.relpath(VENDOR)}")
    print(f"exported {m['source_model']['file']} to {rel}/model.onnx ({m['onnx']['bytes']:,} bytes, {m['parameters']:,} parameters) "
          f"and {rel}/model.json in {m['_seconds']['export']:.1f} s\n"
          f"ONNX vs PyTorch on {N_PARITY:,} test digits: max |Δp| = {m['parity']['max_abs_prob_diff']:.1e} (tolerance {TOL:g}), "
          f"same predictions; ONNX test accuracy {m['test_accuracy']:.2%} on {m['test_digits']:,} digits")
    return 0

if __name__ == '__main__': sys.exit(main())
