"""The ONNX model of the drawing page against the PyTorch learner it was exported from (no browser needed).

Needs the `docs` extra and `python tools/export_onnx.py` (which writes docs/_static/draw/model.{onnx,json}).
"""
from __future__ import annotations
import hashlib, importlib.util, json
from pathlib import Path
import numpy as np, pytest

ROOT = Path(__file__).resolve().parent.parent
DRAW = ROOT/'docs'/'_static'/'draw'

pytest.importorskip('onnxruntime')
spec = importlib.util.spec_from_file_location('export_onnx', ROOT/'tools'/'export_onnx.py')
export_onnx = importlib.util.module_from_spec(spec); spec.loader.exec_module(export_onnx)

@pytest.fixture(scope='module')
def exported():
    if not (DRAW/'model.onnx').exists(): pytest.fail('docs/_static/draw/model.onnx missing: run `python tools/export_onnx.py`')
    meta = json.loads((DRAW/'model.json').read_text())
    data = (DRAW/'model.onnx').read_bytes()
    assert hashlib.sha256(data).hexdigest() == meta['onnx']['sha256']
    from mnist_fastai.recipes import models_dir, load_model
    path = models_dir()/meta['source_model']['file']
    if not path.exists() or export_onnx.sha256(path) != meta['source_model']['sha256']:
        pytest.fail(f'{path} is not the learner model.onnx was exported from: run `python tools/export_onnx.py` again')
    return meta, export_onnx.onnx_session(data), load_model(path)

def test_onnx_matches_pytorch(exported):
    from mnist_fastai.data import mnist_arrays
    meta, session, learn = exported
    x = mnist_arrays()[2][:1000]
    mean, std = meta['normalize']['mean'], meta['normalize']['std']
    p_onnx = export_onnx.onnx_probs(session, x, mean, std)
    p_torch = export_onnx.fastai_probs(learn, x)
    diff = float(np.abs(p_onnx - p_torch).max())
    print(f'\nONNX vs PyTorch on 1,000 test digits: max |Δp| = {diff:.2e}')
    assert diff <= 1e-4 and (p_onnx.argmax(1) == p_torch.argmax(1)).all()
    assert np.allclose(p_onnx.sum(1), 1, atol=1e-5)  # the softmax is in the graph

def test_metadata(exported):
    from mnist_fastai.data import mnist_arrays, mnist_stats
    meta, session, learn = exported
    _, _, x_test, y_test = mnist_arrays()
    assert np.allclose((meta['normalize']['mean'], meta['normalize']['std']), mnist_stats())
    acc = (export_onnx.onnx_probs(session, x_test, meta['normalize']['mean'], meta['normalize']['std']).argmax(1) == y_test).mean()
    assert meta['test_digits'] == 10000 and abs(meta['test_accuracy'] - acc) < 1e-9
    assert meta['parameters'] == sum(p.numel() for p in learn.model.parameters())
    assert [i.name for i in session.get_inputs()] == ['x'] and [o.name for o in session.get_outputs()] == ['probs']
