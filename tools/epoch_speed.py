"""Which precision and memory layout trains a capstone net fastest on this CPU? One epoch in each, timed in turns.

    python tools/epoch_speed.py                      # Deotte's net, 6,400 digits: float32 against bfloat16, twice each
    python tools/epoch_speed.py --net wide2 --n 12800 --repeats 3 --settings float32 channels_last bfloat16

Settings: `float32` (fastai's defaults), `channels_last` (float32 with fastai's `ChannelsLast`) and `bfloat16`
(notebook 13's `CPUBFloat16` with `ChannelsLast`, as its cost table times it). Notebook 13's cost table compares float32
and bfloat16 for every net and keeps bfloat16 where it is at least 1.1 times as fast; this tool is the short form behind
its note on CPUs without bfloat16 units, and a probe for a setting the table does not try. The settings take turns, so
a machine that slows down part way through slows them all. Run it with nothing else busy.
"""
import argparse, json, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from frontier_gpu import make_net, net_lr  # the capstone search's nets and their learning rates

SETTINGS = ('float32', 'channels_last', 'bfloat16')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--net', choices=('resblock', 'wide2', 'deotte'), default='deotte')
    ap.add_argument('--n', type=int, default=6400, help='training digits in the epoch')
    ap.add_argument('--repeats', type=int, default=2, help='epochs timed in each setting')
    ap.add_argument('--settings', nargs='+', choices=SETTINGS, default=['float32', 'bfloat16'])
    a = ap.parse_args()
    if a.n < 128 or a.repeats < 1: ap.error('--n must be at least one batch (128) and --repeats at least 1')
    lr = net_lr(a.net)
    import mnist_fastai  # noqa: F401 (first: it quietens a warning that importing fastai raises)
    from fastai.vision.all import Learner, CrossEntropyLossFlat, accuracy, set_seed
    from fastai.callback.channelslast import ChannelsLast
    from mnist_fastai.core import course_setup, fit_report, machine_line
    from mnist_fastai.data import mnist_dataloaders
    from mnist_fastai.frontier import precision_cbs
    course_setup(cut_quick_fits=False)
    dls = mnist_dataloaders(bs=128, n_train=a.n, n_valid=1000, augment=True)
    def learner(setting):
        cbs = {'channels_last': [ChannelsLast()], 'bfloat16': precision_cbs(True)}.get(setting, [])
        return Learner(dls, make_net(a.net), loss_func=CrossEntropyLossFlat(), metrics=accuracy, cbs=cbs)
    seconds = {s: [] for s in a.settings}
    print(f'{a.net}, one epoch of {a.n:,} digits; {machine_line()}', flush=True)
    for _ in range(a.repeats):
        for setting in a.settings:
            set_seed(0)
            s = fit_report(learner(setting), 1, lr)['train_s']
            seconds[setting].append(s)
            print(f'{setting:>13}: {s:6.1f} s', flush=True)
    best = {s: min(v) for s, v in seconds.items()}  # the least disturbed epoch of each
    first = a.settings[0]
    print(json.dumps(dict(seconds={s: [round(t, 2) for t in v] for s, v in seconds.items()},
                          **{f'speed_up_on_{first}': {s: round(best[first]/t, 2) for s, t in best.items()}})))


if __name__ == '__main__': main()
