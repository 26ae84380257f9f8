"""Measure the data loaders of mnist_fastai beside fastai's usual ones (issue: fast data layer).

    python tools/bench_loaders.py [--repeats 5] [--json loaders.json]

One training epoch of 60,000 digits (42,000 × 0.8 for the CSV loaders) at batch size 128, 2 threads,
no model, all transforms included. Slow loaders are timed over a few batches only. Repeated timings
are reported as medians, with the machine they ran on.
"""
import argparse, json, os, statistics, tempfile, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
import numpy as np, pandas as pd, torch
from fastai.vision.all import (DataBlock, ImageBlock, CategoryBlock, PILImageBW, RandomSplitter, ImageDataLoaders,
                               Transform)
from mnist_fastai.core import use_threads, timer, machine_info
from mnist_fastai.data import (mnist_dataloaders, csv_dataloaders, write_kaggle_csvs, read_digits_csv, mnist_png_path,
                               loader_img_per_s, mnist_arrays)

class _PerItem(Transform):  # an item transform that does nothing: it sends fastai down its per-item path
    def encodes(self, x): return x

def naive_csv_dataloaders(df, bs=128):
    "What learners write: a PIL image per CSV row, through an ImageBlock DataBlock"
    def get_x(r): return PILImageBW.create(r.values[1:].reshape(28, 28).astype(np.uint8))
    def get_y(r): return r.values[0]
    return DataBlock(blocks=(ImageBlock(cls=PILImageBW), CategoryBlock), get_x=get_x, get_y=get_y,
                     splitter=RandomSplitter(0.2, seed=0)).dataloaders(df, bs=bs, num_workers=0)

def main(repeats=5, json_path=None, workdir=None):
    use_threads(2)
    work = Path(workdir or tempfile.mkdtemp())
    from mnist_fastai.data import _load_npz
    _load_npz.cache_clear()
    with timer() as t_load: mnist_arrays()
    files = write_kaggle_csvs(work/'kaggle')
    read_s = []
    for _ in range(repeats):
        with timer() as t: read_digits_csv(files['train'])
        read_s.append(t.s)
    os.environ['FASTAI_HOME'] = str(work/'fastai')
    loaders = {
        'mnist_dataloaders': (lambda: mnist_dataloaders(bs=128), None),
        'mnist_dataloaders+augment': (lambda: mnist_dataloaders(bs=128, augment=True), None),
        'csv_dataloaders+augment': (lambda: csv_dataloaders(files['train'], bs=128, augment=True), None),
        'same DataBlock, per-item path': (lambda: mnist_dataloaders(bs=128, item_tfms=_PerItem()), 60),
        'ImageDataLoaders.from_folder (PNG per item)': (lambda: ImageDataLoaders.from_folder(
            mnist_png_path(progress=False), train='training', valid='testing', bs=128, num_workers=0), 30),
        'naive per-row CSV DataBlock (PIL per row)': (lambda: naive_csv_dataloaders(pd.read_csv(files['train'])), 30),
    }
    res = {}
    for name, (make, max_batches) in loaders.items():
        dl = make().train
        loader_img_per_s(dl, max_batches=2)  # warm up
        speeds = [loader_img_per_s(dl, max_batches=max_batches) for _ in range(repeats if max_batches is None else 1)]
        res[name] = dict(img_per_s=statistics.median(speeds), runs=len(speeds),
                         batches=max_batches or len(dl), epoch_s=len(dl.dataset)/statistics.median(speeds))
        print(f"{name:48s} {res[name]['img_per_s']:>12,.0f} img/s   (epoch {res[name]['epoch_s']:.2f} s)", flush=True)
    out = dict(machine=machine_info(), load_arrays_s=t_load.s, read_train_csv_s=statistics.median(read_s), loaders=res)
    print(f"loading the 70,000 shipped digits: {t_load.s:.2f} s; reading train.csv (42,000 rows): {out['read_train_csv_s']:.2f} s (median of {repeats})")
    print(f"machine: {out['machine']['cpu']}, {out['machine']['threads']} threads, torch {out['machine']['torch']}")
    if json_path: Path(json_path).write_text(json.dumps(out, indent=2)); print('wrote', json_path)
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--json', dest='json_path')
    a = ap.parse_args()
    main(a.repeats, a.json_path)
