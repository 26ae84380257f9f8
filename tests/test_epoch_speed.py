"""tools/epoch_speed.py, the probe behind notebook 13's note on bfloat16 without bfloat16 units: a tiny run and bad input."""
import json
from functools import partial
import pytest

@pytest.fixture
def run(run_tool): return partial(run_tool, 'epoch_speed.py')  # run_tool: tests/conftest.py

def test_times_each_setting_in_turn(run):
    r = run('--net', 'resblock', '--n', '128', '--repeats', '2', '--settings', 'float32', 'channels_last')
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith('resblock, one epoch of 128 digits;')
    assert [l.split(':')[0].strip() for l in lines[1:5]] == ['float32', 'channels_last']*2  # they take turns
    out = json.loads(lines[-1])
    assert {k: len(v) for k, v in out['seconds'].items()} == {'float32': 2, 'channels_last': 2}
    assert all(s > 0 for v in out['seconds'].values() for s in v)
    assert out['speed_up_on_float32']['float32'] == 1.0 and out['speed_up_on_float32']['channels_last'] > 0

def test_refuses_an_epoch_shorter_than_a_batch(run):
    r = run('--n', '10')
    assert r.returncode == 2 and 'at least one batch' in r.stderr and 'Traceback' not in r.stderr
