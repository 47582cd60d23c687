"""Generate tests/data/nn_reference.npz: layer and network gradients computed by torch autograd.

Run once, by hand, where torch is installed (CI does not need torch; ``tests/test_nn.py`` only
reads the file)::

    pip install torch==2.13.0          # the CPU build; an unpinned torch pulls GBs of CUDA
    python tests/make_nn_reference.py

Everything is float64. Inputs and parameters are drawn from ``numpy.random.default_rng`` with
fixed seeds and stored with the results. This script does not import gdlib: it writes the flat
parameter vector in the layout that ``gdlib/nn.py`` documents (per layer in order; a Dense
layer's W as an (n_in, n_out) matrix in row-major order, i.e. ``torch.nn.Linear.weight.T``, then
its bias; a BatchNorm layer's gamma, then beta), so a layout mismatch would fail the tests.

Layer cases (prefix ``dense_``, ``relu_``, ...): an input ``x``, the parameters, a fixed upstream
gradient ``R`` of the output's shape; torch computes the output ``y`` and the gradients of
``sum(y * R)`` with respect to the input and every parameter. Batch norm runs through
``torch.nn.functional.batch_norm`` in training mode (batch statistics; the running statistics
updated in place with momentum 0.1) and in evaluation mode (the given running statistics).
Softmax cross-entropy runs through ``torch.nn.functional.cross_entropy`` (mean over the rows),
one row with logits in the thousands. Network cases: a mixed network (Dense without bias,
BatchNorm, ReLU, Dense, Tanh, Dense, Sigmoid, Dense; batch 8) in both modes, and the 64-64-10
ReLU network on 32 rows of scikit-learn's digits: loss, scores, flat gradient, new running stats.
The file holds numeric arrays only (``np.load`` needs no ``allow_pickle``).
"""
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent / "data" / "nn_reference.npz"
EPS, MOMENTUM = 1e-5, 0.1

torch.set_default_dtype(torch.float64)


def T(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=float), requires_grad=grad)


def N(t):
    return t.detach().numpy().copy()


def layer_cases(rng):
    out = {}
    # Dense: y = x W + b with W stored (n_in, n_out)
    x, W, b, R = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((5, 3))
    xt, Wt, bt = T(x, True), T(W, True), T(b, True)
    y = F.linear(xt, Wt.T, bt)
    (y * T(R)).sum().backward()
    out.update(dense_x=x, dense_W=W, dense_b=b, dense_R=R, dense_y=N(y), dense_dx=N(xt.grad),
               dense_dW=N(Wt.grad), dense_db=N(bt.grad))
    # activations (inputs away from ReLU's kink)
    for name, fn in (("relu", torch.relu), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid)):
        x = 2.0 * rng.standard_normal((5, 4))
        x[np.abs(x) < 1e-3] = 0.5
        R = rng.standard_normal((5, 4))
        xt = T(x, True)
        y = fn(xt)
        (y * T(R)).sum().backward()
        out.update({f"{name}_x": x, f"{name}_R": R, f"{name}_y": N(y), f"{name}_dx": N(xt.grad)})
    # batch norm, training and evaluation mode
    x = 3.0 * rng.standard_normal((6, 4)) + rng.standard_normal(4) * 5.0
    gamma, beta = 1.0 + 0.5 * rng.standard_normal(4), rng.standard_normal(4)
    rm, rv = rng.standard_normal(4), 0.5 + rng.random(4)
    R = rng.standard_normal((6, 4))
    out.update(bn_x=x, bn_gamma=gamma, bn_beta=beta, bn_R=R, bn_running_mean=rm, bn_running_var=rv)
    for mode in ("train", "eval"):
        xt, gt, bt = T(x, True), T(gamma, True), T(beta, True)
        rmt, rvt = T(rm), T(rv)
        y = F.batch_norm(xt, rmt, rvt, gt, bt, training=(mode == "train"), momentum=MOMENTUM, eps=EPS)
        (y * T(R)).sum().backward()
        out.update({f"bn_{mode}_y": N(y), f"bn_{mode}_dx": N(xt.grad), f"bn_{mode}_dgamma": N(gt.grad),
                    f"bn_{mode}_dbeta": N(bt.grad), f"bn_{mode}_new_mean": N(rmt), f"bn_{mode}_new_var": N(rvt)})
    # softmax cross-entropy, mean over rows; the last row has huge logits
    z = 3.0 * rng.standard_normal((7, 5))
    z[-1] = [1000.0, -1000.0, 999.0, 3.0, -2000.0]
    labels = rng.integers(0, 5, 7)
    labels[-1] = 2
    zt = T(z, True)
    J = F.cross_entropy(zt, torch.as_tensor(labels))
    J.backward()
    out.update(ce_z=z, ce_y=labels, ce_loss=N(J), ce_dz=N(zt.grad))
    return out


def flat(params):
    """Concatenate torch tensors (already in gdlib's orientation) into one flat numpy vector."""
    return np.concatenate([N(p).ravel() for p in params])


def mixed_network(rng):
    """Dense(6, 5, bias=False) BN(5) ReLU Dense(5, 4) Tanh Dense(4, 4) Sigmoid Dense(4, 3); batch 8."""
    W1 = 0.8 * rng.standard_normal((6, 5))
    gamma, beta = 1.0 + 0.3 * rng.standard_normal(5), 0.3 * rng.standard_normal(5)
    W2, b2 = rng.standard_normal((5, 4)), 0.2 * rng.standard_normal(4)
    W3, b3 = rng.standard_normal((4, 4)), 0.2 * rng.standard_normal(4)
    W4, b4 = rng.standard_normal((4, 3)), 0.2 * rng.standard_normal(3)
    X = rng.standard_normal((8, 6)) + 1.0
    y = rng.integers(0, 3, 8)
    rm, rv = 0.3 * rng.standard_normal(5), 0.5 + rng.random(5)
    out = dict(mixed_X=X, mixed_y=y, mixed_running_mean=rm, mixed_running_var=rv)
    for mode in ("train", "eval"):
        ps = [T(a, True) for a in (W1, gamma, beta, W2, b2, W3, b3, W4, b4)]
        W1t, gt, bt, W2t, b2t, W3t, b3t, W4t, b4t = ps
        rmt, rvt = T(rm), T(rv)
        h = T(X) @ W1t
        h = F.batch_norm(h, rmt, rvt, gt, bt, training=(mode == "train"), momentum=MOMENTUM, eps=EPS)
        h = torch.tanh(torch.relu(h) @ W2t + b2t)
        h = torch.sigmoid(h @ W3t + b3t)
        z = h @ W4t + b4t
        J = F.cross_entropy(z, torch.as_tensor(y))
        J.backward()
        if mode == "train":
            out["mixed_theta"] = flat(ps)
        out.update({f"mixed_{mode}_loss": N(J), f"mixed_{mode}_z": N(z), f"mixed_{mode}_grad": flat([p.grad for p in ps]),
                    f"mixed_{mode}_new_mean": N(rmt), f"mixed_{mode}_new_var": N(rvt)})
    return out


def digits_network(rng):
    """64-64-10 ReLU network on the first 32 digits (pixels / 16), He-initialised."""
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    X, y = X[:32] / 16.0, y[:32]
    W1, b1 = np.sqrt(2 / 64) * rng.standard_normal((64, 64)), 0.1 * rng.standard_normal(64)
    W2, b2 = np.sqrt(2 / 64) * rng.standard_normal((64, 10)), 0.1 * rng.standard_normal(10)
    ps = [T(a, True) for a in (W1, b1, W2, b2)]
    z = torch.relu(T(X) @ ps[0] + ps[1]) @ ps[2] + ps[3]
    J = F.cross_entropy(z, torch.as_tensor(y))
    J.backward()
    return dict(digits_X=X, digits_y=y, digits_theta=flat(ps), digits_loss=N(J), digits_z=N(z),
                digits_grad=flat([p.grad for p in ps]))


def main():
    data = {}
    data.update(layer_cases(np.random.default_rng(1)))
    data.update(mixed_network(np.random.default_rng(2)))
    data.update(digits_network(np.random.default_rng(3)))
    data["eps"], data["momentum"] = np.array(EPS), np.array(MOMENTUM)
    OUT.parent.mkdir(exist_ok=True)
    np.savez_compressed(OUT, **{k: np.asarray(v) for k, v in data.items()})
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} kB, {len(data)} arrays, torch {torch.__version__})")


if __name__ == "__main__":
    main()
