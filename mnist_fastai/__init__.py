__version__ = "0.0.1"

import os, warnings
# PyTorch's OpenMP threads spin while they wait for work, which beside any other busy process on a few cores slows
# training several times over; sleeping at once costs little on a quiet machine (measured in nbs/12_bench.ipynb,
# "Calm under load"). OpenMP reads this when PyTorch loads, so it only helps where this package is imported before
# torch, as the notebooks and the command line do; a value already in the environment wins.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
# fastai 2.8 calls torch.jit.script at import, which torch 2.14 flags as deprecated on every run: not ours to fix
warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated', category=FutureWarning)
