"""The capstone's recipe search on a GPU: which augmentation, weight averaging and width pay, judged on a holdout.

    python tools/frontier_gpu.py OUT_DIR --minutes 60  # on a CUDA GPU: stops at the deadline, keeping what finished
    python tools/frontier_gpu.py OUT_DIR --quick       # a smoke test on a CPU: tiny subsets, one epoch
    python tools/frontier_gpu.py OUT_DIR --device cpu --workers 1 --recipes 'resblock affine 61' 'wide2 affine 43'
                                                        # full size on a CPU, one run at a time, chosen recipes
    python tools/frontier_gpu.py OUT_DIR --device cpu --workers 1 --recipes 'deotte affine 13' --tta-passes 16
                                                        # and 16 augmented passes of each, to compare TTA readouts
    python tools/frontier_gpu.py OUT_DIR --device cpu --workers 2 --recipes 'deotte scale 13' --seeds 3 4 5
                                                        # two runs at a time, one thread each; seeds other than 0 1 2
    python tools/frontier_gpu.py OUT_DIR --device cpu --workers 1 --bf16 --recipes 'deotte affine 12 ls'
                                                        # in bfloat16, as notebook 13 trains where it pays

Every candidate recipe, 3 seeds, is trained on the first 50,000 training digits and scored on the last 10,000 (the
holdout), never on MNIST's test set: the capstone notebook chooses its recipe from these numbers and then trains it on
all 60,000 digits and tests it once. Several runs share the one GPU at a time, so their seconds say nothing about a
recipe's cost: the capstone measures costs alone, on the CPU it runs on, as ratios to B. Sharing pays little, measured:
on an H200 (16 cores), 12 runs at once each took 408 s for 30 epochs of 50,000 digits, 34 s an epoch, so in the
8.4 minutes of the run in nbs/frontier_search_gpu.json only the first four recipes finished.

The stored run (nbs/frontier_search_gpu.json: this file's summary.json) was made by this file as of commit 88d4bb8, which held its own copies of
the transforms, nets and EMA callback that notebook 13 now exports; the one difference is that its scaling and elastic
distortion sampled each digit once, where `DigitAugment` then `ElasticWarp` sample it twice.

nbs/frontier_search_cpu.json is the summary of the '5 B' recipes on a 2-core CPU, from three calls into one OUT_DIR (its
'note' says what each call did). nbs/frontier_tta_cpu.json compares TTA readouts (--tta-passes 16) on a 2-core CPU for
three runs of Deotte's net and one of wide ×2: for Deotte's net, and for the four runs as one ensemble, no readout beats
reading the holdout without TTA by more than one digit; the one wide ×2 run gains up to nine digits from TTA.

The '5 B' recipes train each net for the epochs that 5 B buys it on a 2-core CPU, by notebook 13's cost table as it stood
on an AMD EPYC machine (ResBlock net 61, wide ×2 43, Deotte's net 13), so they compare nets at one CPU budget.
nbs/frontier_deotte_cpu.json tries two changes to Deotte's recipe at that budget on a 2-core CPU, one at a time and then
both: label smoothing ('deotte affine 13 ls'), scaling on top of the shifts and turns ('deotte scale 13'), and the two
together ('deotte scale 13 ls'). nbs/frontier_deotte23_cpu.json trains the label-smoothed recipe for the 23 epochs that
5 B buys Deotte's net in bfloat16 on a CPU with AMX ('deotte affine 23 ls', seeds 0 and 1, in float32 on a 2-core CPU
without bfloat16 units), nbs/frontier_deotte23_nols_cpu.json the same without label smoothing ('deotte affine 23', seeds 0
and 1), and nbs/frontier_deotte23_seed2_cpu.json both recipes with seed 2.

With --bf16, on a 2-core AMD EPYC with bfloat16 instructions: nbs/frontier_bf16_cpu.json trains the label-smoothed
recipe for 23 epochs ('deotte affine 23 ls', the float32 runs' seeds 0 1 2) and for about half as many
('deotte affine 12 ls', two nets for the cost of one), and nbs/frontier_bf16_12ls_6seeds_cpu.json scores six seeds of
the 12-epoch recipe, from calls into one OUT_DIR (each file's 'note' says which), so that an ensemble of six 12-epoch
nets meets three 23-epoch nets at one budget. nbs/frontier_bf16_mix12_cpu.json, a third call into that OUT_DIR, keeps
the label-smoothed 12-epoch runs of seeds 0 1 2 and trains three 12-epoch recipes that each change one thing about it
('deotte affine 12' without label smoothing, 'deotte scale 12 ls' with scaling, 'deotte elastic 12 ls' with scaling
and elastic distortion), seeds 0 1 2, so that each pair of recipes is an ensemble of six 12-epoch nets, and all twelve runs cost
what six nets of the 24 epochs that 5 B buys do. nbs/frontier_bf16_wide24_cpu.json, a later call, keeps those twelve runs
and adds another shape for the same time, wide ×2 for 24 epochs with label smoothing ('wide2 affine 24 ls'), seeds 0 1 2.
nbs/frontier_bf16_seeds345_cpu.json trains the recipes of its two best mixes ('wide2 affine 24 ls',
'deotte elastic 12 ls', 'deotte scale 12 ls') again with seeds 3 4 5 in a fresh OUT_DIR, a second draw of those mixes;
and nbs/frontier_bf16_six_seeds_cpu.json scores those three recipes and 'deotte affine 12 ls' with seeds 0-5 together
(24 runs, from the results.jsonl of both OUT_DIRs in one; it trained nothing), so that each pair is an ensemble of
twelve nets at the 30 B budget.
nbs/frontier_bf16_resblock30_cpu.json, a later call into the OUT_DIR of nbs/frontier_bf16_wide24_cpu.json, keeps its
fifteen runs and adds a third shape, the ResBlock net for the 30 epochs of 2.5 B with label smoothing
('resblock affine 30 ls'), seeds 0 1 2.

Writes OUT_DIR/log.txt, OUT_DIR/results.jsonl (one line per trained net), OUT_DIR/probs/*.pt (each run's holdout
probabilities with TTA, for ensembles) and OUT_DIR/summary.json (holdout means, and the holdout accuracy of an
ensemble of every finished run of each recipe, of each two recipes and of all runs together, with how many holdout
digits every one of its runs gets wrong and how many at least one run does; with --tta-passes, the
holdout accuracy without TTA and of `Learner.tta`'s readout for n = 1, 2, 4, ... of the passes and beta = 0, 0.25, 0.5,
where fastai's default is n=4, beta=0.25, and each pass is saved in OUT_DIR/probs/*_tta.pt). Called again with the
same OUT_DIR, it keeps the runs it finished and trains only the rest.
"""
import argparse, functools, itertools, json, os, shlex, subprocess, sys, time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]

AUGS = {  # every augmentation adds one thing to the one before
    'affine':   dict(max_shift=2., max_rotate=10.),
    'scale':    dict(max_shift=2., max_rotate=10., max_scale=0.1),
    'elastic':  dict(max_shift=2., max_rotate=10., max_scale=0.1, elastic=1.5, grid=5),
    'elastic+': dict(max_shift=2., max_rotate=10., max_scale=0.1, elastic=2.5, grid=4),
}


class Recipe(NamedTuple):
    "A candidate: a net of `make_net`, an entry of `AUGS`, epochs, peak learning rate, and fastai's label smoothing"
    net: str
    aug: str
    epochs: int
    lr: float
    smoothing: float = 0.


CANDIDATES = {  # in the order they run: what the deadline cuts is last
    'resblock affine 30':   Recipe('resblock', 'affine', 30, 0.05),
    'resblock scale 30':    Recipe('resblock', 'scale', 30, 0.05),
    'resblock elastic 30':  Recipe('resblock', 'elastic', 30, 0.05),
    'wide2 elastic 30':     Recipe('wide2', 'elastic', 30, 0.05),
    'deotte elastic 30':    Recipe('deotte', 'elastic', 30, 5e-3),
    'resblock elastic 60':  Recipe('resblock', 'elastic', 60, 0.05),
    'resblock elastic+ 30': Recipe('resblock', 'elastic+', 30, 0.05),
    'wide2 elastic 60':     Recipe('wide2', 'elastic', 60, 0.05),
    # one CPU budget, 5 B each: what each net gets from it
    'resblock affine 61':   Recipe('resblock', 'affine', 61, 0.05),
    'wide2 affine 43':      Recipe('wide2', 'affine', 43, 0.05),
    'deotte affine 13':     Recipe('deotte', 'affine', 13, 5e-3),
    # changes to the Deotte recipe at that budget: label smoothing, Deotte's own augmentation (zoom too), and both
    'deotte affine 13 ls':  Recipe('deotte', 'affine', 13, 5e-3, smoothing=0.1),
    'deotte scale 13':      Recipe('deotte', 'scale', 13, 5e-3),
    'deotte scale 13 ls':   Recipe('deotte', 'scale', 13, 5e-3, smoothing=0.1),
    # the epochs 5 B buys Deotte's net in bfloat16 on a CPU with AMX: does label smoothing still pay?
    'deotte affine 23':     Recipe('deotte', 'affine', 23, 5e-3),
    'deotte affine 23 ls':  Recipe('deotte', 'affine', 23, 5e-3, smoothing=0.1),
    # half those epochs: an ensemble's budget buys twice as many of these nets
    'deotte affine 12 ls':  Recipe('deotte', 'affine', 12, 5e-3, smoothing=0.1),
    # at that length, recipes that may err where it does: no smoothing, scaling, scaling and elastic distortion
    'deotte affine 12':     Recipe('deotte', 'affine', 12, 5e-3),
    'deotte scale 12 ls':   Recipe('deotte', 'scale', 12, 5e-3, smoothing=0.1),
    'deotte elastic 12 ls': Recipe('deotte', 'elastic', 12, 5e-3, smoothing=0.1),
    # another shape for the same time: wide ×2 gets about twice the epochs of Deotte's net in bfloat16
    'wide2 affine 24 ls':   Recipe('wide2', 'affine', 24, 0.05, smoothing=0.1),
    # and the ResBlock net for 30 epochs (2.5 B), which cost a little less than 12 of Deotte's in bfloat16
    'resblock affine 30 ls': Recipe('resblock', 'affine', 30, 0.05, smoothing=0.1),
}


def net_lr(net):
    "The peak learning rate of `net`, which every recipe for it shares"
    lrs = {r.lr for r in CANDIDATES.values() if r.net == net}
    if len(lrs) != 1: raise ValueError(f'the recipes for {net!r} give it {len(lrs)} learning rates, not one: {sorted(lrs)}')
    return lrs.pop()


SEEDS = (0, 1, 2)


def make_net(name):
    from mnist_fastai.resblock import resblock_net
    from mnist_fastai.frontier import wide_resblock_net, deotte_net
    return {'resblock': resblock_net, 'wide2': wide_resblock_net, 'deotte': deotte_net}[name]()


def augmentation(max_shift=2., max_rotate=10., max_scale=0., elastic=0., grid=5):
    "The training batch transforms of an entry of `AUGS`"
    from mnist_fastai.data import DigitAugment
    from mnist_fastai.frontier import ElasticWarp
    tfms = [DigitAugment(max_shift, max_rotate, max_scale)]
    return tfms + [ElasticWarp(elastic, grid)] if elastic else tfms


def run_job(job):
    "Train one recipe with one seed; returns its accuracies (plain, EMA, each with TTA) and timings"
    from fastai.learner import Learner
    from fastai.losses import CrossEntropyLossFlat, LabelSmoothingCrossEntropyFlat
    from fastai.metrics import accuracy
    from fastai.torch_core import set_seed
    from mnist_fastai.core import fit_report
    from mnist_fastai.data import mnist_dataloaders
    from mnist_fastai.recipes import add_mixed_precision
    from mnist_fastai.frontier import EMA, precision_cbs
    import torch
    quick, device = job['quick'], job['device']
    sub = dict(n_train=2000, n_valid=500) if quick else {}
    set_seed(job['seed'])
    recipe = CANDIDATES[job['recipe']]
    dls = mnist_dataloaders(bs=128, valid=job['valid'], augment=False, batch_tfms=augmentation(**AUGS[recipe.aug]),
                            seed=job['seed'], device=device, **sub)
    loss = LabelSmoothingCrossEntropyFlat(eps=recipe.smoothing) if recipe.smoothing else CrossEntropyLossFlat()
    learn = Learner(dls, make_net(recipe.net), loss_func=loss, metrics=accuracy)
    if job.get('bf16'): learn.add_cbs(precision_cbs(True))
    else: add_mixed_precision(learn)
    cb = EMA()  # an average of the weights beside them, so one run gives both readouts
    learn.add_cb(cb)
    res = fit_report(learn, job['epochs'] or recipe.epochs, recipe.lr)
    out = dict(job, plain=res['accuracy'], train_s=res['train_s'], epochs_run=res['epochs'])
    def readouts(tag):
        with learn.no_bar(), learn.no_logging():
            p, y = learn.get_preds(dl=dls.valid)
            pt, _ = learn.tta(dl=dls.valid)
        out[tag] = float((p.argmax(1) == y).float().mean()); out[tag + '+TTA'] = float((pt.argmax(1) == y).float().mean())
        if tag == 'plain' and job.get('probs'): torch.save(dict(probs=pt.half(), targs=y), job['probs'])
    readouts('plain')
    last_weights = {k: v.clone() for k, v in learn.model.state_dict().items()}
    learn.remove_cb(cb)
    learn.model.load_state_dict(cb.ema_model.module.state_dict())
    readouts('EMA')
    if job.get('tta_passes'):  # last, so that the readouts above draw the same random numbers as in runs without it
        learn.model.load_state_dict(last_weights)
        passes = []
        # fastai's tta returns only the mean of its passes, so each pass is a call of its own, which reads the plain pass
        # again too: twice the inference, so that each pass is exactly what fastai's tta computes
        for _ in range(job['tta_passes']):
            with learn.no_bar(), learn.no_logging(): (augmented, plain), targs = learn.tta(dl=dls.valid, n=1, beta=None)
            passes.append(augmented.half())
        torch.save(dict(plain=plain.half(), passes=torch.stack(passes), targs=targs), job['tta_file'])
    return out


@functools.cache  # a run is in several groups (its recipe, each pair with it, all runs): each file is read once
def load_saved(path):
    "A run's saved holdout probabilities"
    import torch
    return torch.load(path)


def tta_variants(rs):
    """Holdout accuracy of `Learner.tta`'s readout with `n` augmented passes and weight `beta` on the plain one: the mean
    of runs `rs`, and their ensemble (the mean of their readouts)"""
    import torch
    saved = [load_saved(x['tta_file']) for x in rs]
    targs = saved[0]['targs']
    def readout(s, n, beta): return torch.lerp(s['passes'][:n].float().mean(0), s['plain'].float(), beta)
    def acc(probs): return float((probs.argmax(1) == targs).float().mean())
    def both(readouts): return dict(mean=sum(acc(p) for p in readouts)/len(readouts), ensemble=acc(torch.stack(readouts).mean(0)))
    ns = [n for n in (1, 2, 4, 8, 16, 32) if n <= min(len(s['passes']) for s in saved)]
    return {'no TTA': both([s['plain'].float() for s in saved]),
            **{f'n={n} beta={beta}': both([readout(s, n, beta) for s in saved]) for n in ns for beta in (0., 0.25, 0.5)}}


def ensemble_groups(runs_by_recipe):
    "Each recipe's runs, then every pair of recipes' runs together"
    # two nets that err differently may outvote each other's mistakes where seeds of one net cannot
    yield from runs_by_recipe.items()
    for a, b in itertools.combinations(runs_by_recipe, 2): yield f'{a} + {b}', runs_by_recipe[a] + runs_by_recipe[b]


def launch(job, tmp):
    env = dict(os.environ, OMP_NUM_THREADS='1' if job.get('parallel') else os.environ.get('OMP_NUM_THREADS', ''),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]))
    if not env['OMP_NUM_THREADS']: del env['OMP_NUM_THREADS']
    path = Path(tmp)/f"job{job['id']}.json"
    return subprocess.Popen([sys.executable, __file__, '--job', json.dumps(job), '--result', str(path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(path.with_suffix('.err'), 'w')), path


def run_pool(jobs, workers, deadline, tmp, log, on_done):
    "Run `jobs` with at most `workers` at once, passing each result to `on_done`; kill what still runs at `deadline`"
    todo, running = list(jobs), []
    while todo or running:
        while todo and len(running) < workers and time.time() < deadline:
            j = todo.pop(0); running.append((j, *launch(j, tmp)))
        if not running: break
        time.sleep(0.5)
        for item in list(running):
            j, p, path = item
            if p.poll() is None and time.time() < deadline: continue
            if p.poll() is None: p.kill(); p.wait(); log(f"killed at the deadline: {j['name']}")
            elif path.exists(): r = json.loads(path.read_text()); on_done(r); log(json.dumps(r))
            else: log(f"failed: {j['name']}: {path.with_suffix('.err').read_text()[-2000:]}")
            running.remove(item)
        if time.time() >= deadline and todo: log(f'{len(todo)} jobs not started: the deadline passed'); todo = []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out', nargs='?'); ap.add_argument('--quick', action='store_true')
    ap.add_argument('--minutes', type=float, help='stop then, keeping the runs that finished (default: 8.8 on a GPU, none on a CPU)')
    ap.add_argument('--workers', type=int, default=12)
    ap.add_argument('--device', choices=('cuda', 'cpu'), help='default: cuda, or cpu with --quick')
    ap.add_argument('--recipes', nargs='+', choices=list(CANDIDATES), metavar='RECIPE', help='default: every one, in order')
    ap.add_argument('--seeds', type=int, nargs='+', default=list(SEEDS), metavar='SEED', help='default: ' + ' '.join(map(str, SEEDS)))
    ap.add_argument('--tta-passes', type=int, default=0, metavar='N',
                    help="also keep N augmented passes over the holdout of each run's last weights, to compare TTA readouts")
    ap.add_argument('--bf16', action='store_true',
                    help='on a CPU, train in bfloat16 (channels-last, CPUBFloat16) as notebook 13 does where it pays')
    ap.add_argument('--job'); ap.add_argument('--result')
    a = ap.parse_args()
    device = a.device or ('cpu' if a.quick else 'cuda')
    if len(set(a.seeds)) < len(a.seeds): ap.error('--seeds: each seed once')
    if a.bf16 and device != 'cpu': ap.error('--bf16: a CPU only (--device cpu)')
    if a.job:
        r = run_job(json.loads(a.job)); Path(a.result).write_text(json.dumps(r)); return
    if not a.out: ap.error('OUT_DIR: where to write the runs and their summary')
    import torch, tempfile
    start = time.time()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp()
    logf = open(out/'log.txt', 'a')
    def log(s):
        line = f'[{time.time() - start:6.1f} s] {s}'; print(line, flush=True); logf.write(line + '\n'); logf.flush()
    if device == 'cuda' and not torch.cuda.is_available(): sys.exit('no CUDA GPU here: pass --device cpu (slow) or --quick')
    minutes = a.minutes if a.minutes is not None else 8.8 if device == 'cuda' else float('inf')
    end = start + 60*minutes  # a GPU is lent for minutes; a CPU run may take hours
    recipes = a.recipes or list(CANDIDATES)
    (out/'probs').mkdir(exist_ok=True)
    machine = torch.cuda.get_device_name() if device == 'cuda' else f'CPU, {torch.get_num_threads()} threads'
    if a.bf16: machine += ', bfloat16'
    deadline = f'stops after {minutes:g} minutes' if minutes < float('inf') else 'no deadline'
    log(f'machine: {machine}; torch {torch.__version__}; {deadline}')
    base = dict(quick=a.quick, device=device, bf16=a.bf16)
    small = 1 if a.quick else None
    # a run that an earlier call into the same OUT_DIR finished (same size, device and precision) is kept, not trained again
    results_path = out/'results.jsonl'
    earlier = [json.loads(l) for l in results_path.read_text().splitlines()] if results_path.exists() else []
    results = [r for r in earlier if r['quick'] == a.quick and r['device'] == device and r['recipe'] in recipes
               and r['seed'] in a.seeds and r.get('bf16', False) == a.bf16]
    kept = {(r['recipe'], r['seed']) for r in results}
    if kept: log(f'kept from an earlier call: {", ".join(r["name"] for r in results)}')
    ids = iter(range(max([r['id'] for r in earlier], default=-1) + 1, 10**6))
    def record(r):
        results.append(r)
        with open(results_path, 'a') as f: f.write(json.dumps(r) + '\n')
    def probs_file(recipe, seed, kind=''):  # a float32 and a bfloat16 run of one recipe and seed may share OUT_DIR
        return str(out/'probs'/f"{recipe.replace(' ', '_')}_seed{seed}{'_bf16' if a.bf16 else ''}{kind}.pt")
    # several runs at once share a GPU well, each with one CPU thread; one at a time on a CPU gets every core
    search = [dict(base, id=next(ids), name=f'{r} seed {s}', recipe=r, seed=s, valid='holdout', parallel=a.workers > 1,
                   epochs=small, probs=probs_file(r, s), tta_passes=a.tta_passes, tta_file=probs_file(r, s, '_tta'))
              for r in recipes for s in a.seeds if (r, s) not in kept]
    run_pool(search, a.workers, end, tmp, log, record)
    by_recipe = {r: [x for x in results if x['recipe'] == r] for r in recipes}
    table = {}
    for r, rs in by_recipe.items():
        if len(rs) < len(a.seeds): continue
        readouts = [k for k in ('plain', 'plain+TTA', 'EMA', 'EMA+TTA') if k in rs[0]]
        table[r] = {k: sum(x[k] for x in rs)/len(rs) for k in readouts}
    log('holdout means: ' + json.dumps(table, indent=1))
    ensembles = {}
    for name, rs in [*ensemble_groups(by_recipe), ('all runs', results)]:
        saved = [load_saved(x['probs']) for x in rs if Path(x.get('probs', '')).exists()]  # cached: read once
        if len(saved) > 1:
            probs, targs = torch.stack([s['probs'].float() for s in saved]), saved[0]['targs']
            wrong = probs.argmax(2) != targs  # runs × holdout digits
            # members that err on different digits can outvote each other; a digit every member gets wrong stays wrong
            ensembles[name] = dict(runs=len(saved), accuracy=float((probs.mean(0).argmax(1) == targs).float().mean()),
                                   wrong_in_every_run=int(wrong.all(0).sum()), wrong_in_some_run=int(wrong.any(0).sum()))
    log('holdout ensembles (mean of TTA probabilities): ' + json.dumps(ensembles, indent=1))
    with_passes = {r: rs for r, rs in by_recipe.items()
                   if len(rs) == len(a.seeds) and all(x.get('tta_file') and Path(x['tta_file']).exists() for x in rs)}
    tta = {name: tta_variants(rs) for name, rs in ensemble_groups(with_passes)}
    if tta: log('holdout TTA readouts (last weights): ' + json.dumps(tta, indent=1))
    summary = dict(machine=machine, torch=torch.__version__, seeds=a.seeds, candidates={r: CANDIDATES[r] for r in recipes},
                   augmentations=AUGS, holdout=table, ensembles=ensembles, tta=tta, minutes=(time.time() - start)/60,
                   command='python ' + shlex.join(sys.argv), date=time.strftime('%Y-%m-%d'),
                   unfinished=[r for r in recipes if r not in table], runs=results)
    (out/'summary.json').write_text(json.dumps(summary, indent=1))
    log(f'done in {summary["minutes"]:.1f} minutes')


if __name__ == '__main__': main()
