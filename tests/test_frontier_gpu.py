"""tools/frontier_gpu.py, the capstone's holdout search: a --quick run that keeps its runs when called again, and bad input."""
import json
from functools import partial
import pytest

@pytest.fixture
def run(run_tool): return partial(run_tool, 'frontier_gpu.py')  # run_tool: tests/conftest.py

def test_quick_run_then_kept(run, tmp_path):
    args = (str(tmp_path), '--quick', '--workers', '1', '--recipes', 'deotte affine 23 ls', '--seeds', '0')
    r = run(*args)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.splitlines()[0].endswith('no deadline')  # on a CPU, unless --minutes gives one
    summary = json.loads((tmp_path/'summary.json').read_text())
    assert summary['unfinished'] == [] and summary['seeds'] == [0]
    assert list(summary['holdout']) == ['deotte affine 23 ls'] and 0 <= summary['holdout']['deotte affine 23 ls']['plain'] <= 1
    assert summary['candidates']['deotte affine 23 ls'] == ['deotte', 'affine', 23, 5e-3, 0.1]
    again = run(*args)  # the same OUT_DIR: the finished run is kept, not trained again
    assert again.returncode == 0 and 'kept from an earlier call: deotte affine 23 ls seed 0' in again.stdout
    assert len((tmp_path/'results.jsonl').read_text().splitlines()) == 1
    in_bf16 = run(*args, '--bf16')  # another precision: trained again, not kept
    assert in_bf16.returncode == 0 and 'kept from' not in in_bf16.stdout, in_bf16.stderr[-2000:]
    assert json.loads((tmp_path/'summary.json').read_text())['machine'].endswith(', bfloat16')
    assert [json.loads(l).get('bf16', False) for l in (tmp_path/'results.jsonl').read_text().splitlines()] == [False, True]
    probs = sorted(f.name for f in (tmp_path/'probs').iterdir())  # neither run's probabilities overwrite the other's
    assert probs == ['deotte_affine_23_ls_seed0.pt', 'deotte_affine_23_ls_seed0_bf16.pt'], probs
    two = run(*args[:-1], '0', '1')  # a second seed: the two runs make an ensemble
    assert two.returncode == 0, two.stderr[-2000:]
    ensemble = json.loads((tmp_path/'summary.json').read_text())['ensembles']['deotte affine 23 ls']
    assert ensemble['runs'] == 2 and 0 <= ensemble['wrong_in_every_run'] <= ensemble['wrong_in_some_run'], ensemble

def test_bad_input_is_refused_plainly(run, tmp_path):
    for args, said in [((), 'OUT_DIR'), ((str(tmp_path), '--quick', '--seeds', '1', '1'), 'each seed once'),
                       ((str(tmp_path), '--quick', '--recipes', 'no such recipe'), 'invalid choice'),
                       ((str(tmp_path), '--bf16', '--device', 'cuda'), '--bf16: a CPU only')]:
        r = run(*args)
        assert r.returncode == 2 and said in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]
