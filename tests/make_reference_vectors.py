"""Generate tests/data/torch_reference.npz: optimizer trajectories computed by ``torch.optim``.

Run once, by hand, where torch is installed (CI does not need torch; the tests only read the file)::

    pip install torch==2.13.0          # the CPU build; an unpinned torch pulls GBs of CUDA
    python tests/make_reference_vectors.py

Every case runs one ``torch.optim`` optimizer for ``STEPS`` steps in float64 on one of two
objectives and stores the whole parameter path (STEPS + 1, d), together with the torch class and
keyword arguments, and the gdlib factory calls that must reproduce it
(``tests/test_optimizers_reference.py``):

* ``rosenbrock``: f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2.0), gradient by autograd;
* ``quadratic``: f = 1/2 x'Ax - b'x in 5 dimensions, A = Q diag(eigs) Q' with eigs log-spaced
  from 0.5 to 20 and Q from the QR factorisation of a seeded Gaussian matrix; A, b and the start
  are drawn from ``numpy.random.default_rng(0)`` and stored in the file. Its gradient is
  computed as ``x @ A - b`` (the same expression as ``gdlib.functions.quadratic``).

The file holds numeric arrays plus one JSON string ``meta`` (no pickles), so
``np.load(path)`` needs no ``allow_pickle``.
"""
import json
from pathlib import Path

import numpy as np
import torch

from gdlib import functions

STEPS = 250
OUT = Path(__file__).resolve().parent / "data" / "torch_reference.npz"

torch.set_default_dtype(torch.float64)


def make_quadratic(seed=0, d=5):
    """A = Q diag(eigs) Q' (exactly symmetric, so x @ A == A @ x), then b and the start, from one rng.

    ``functions.rotated_quadratic`` draws Q as the QR factor of rng.standard_normal((d, d)) and
    forms (Q diag(eigs)) Q' made symmetric: the same expression this script used before it moved
    into gdlib, so the stored arrays did not change (regenerating reproduces them up to the
    round-off of the machine's LAPACK, about 1e-14, which the tests never see: they read A from the file).
    """
    rng = np.random.default_rng(seed)
    eigs = np.logspace(np.log10(0.5), np.log10(20.0), d)
    A = functions.rotated_quadratic(eigs, rng).hess(np.zeros(d))
    b = rng.standard_normal(d)
    start = rng.standard_normal(d)
    return A, b, start


A, B, QUAD_START = make_quadratic()
ROSEN_START = np.array([-1.5, 2.0])


def torch_grad(objective, p):
    """Gradient of the objective at the torch parameter ``p``."""
    if objective == "rosenbrock":
        x = p.detach().clone().requires_grad_(True)
        f = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        (g,) = torch.autograd.grad(f, x)
        return g
    return p.detach() @ torch.as_tensor(A) - torch.as_tensor(B)


# Each case: (optimizer label, objective, torch class name, torch kwargs, gdlib variants).
# A gdlib variant is (factory, kwargs, compare): compare="theta" compares gdlib's theta with
# torch's parameter; "theta_minus_gamma_v" compares theta - gamma * state.z (NAG, survey form; the key keeps its old name).
def cases():
    c = []
    R, Q = "rosenbrock", "quadratic"
    # plain SGD
    c += [("sgd", R, "SGD", dict(lr=5e-4), [("sgd", dict(eta=5e-4), "theta")]),
          ("sgd", Q, "SGD", dict(lr=0.05), [("sgd", dict(eta=0.05), "theta")])]
    # momentum: torch keeps lr outside the buffer; the survey's form agrees for constant eta
    for obj, lr, g in ((R, 2e-4, 0.9), (Q, 0.004, 0.8)):
        c.append(("momentum", obj, "SGD", dict(lr=lr, momentum=g),
                  [("momentum", dict(eta=lr, gamma=g, form="pytorch"), "theta"),
                   ("momentum", dict(eta=lr, gamma=g, form="survey"), "theta")]))
    # Nesterov: torch stores the look-ahead point
    for obj, lr, g in ((R, 2e-4, 0.9), (Q, 0.02, 0.7)):
        c.append(("nag", obj, "SGD", dict(lr=lr, momentum=g, nesterov=True),
                  [("nag", dict(eta=lr, gamma=g, form="pytorch"), "theta"),
                   ("nag", dict(eta=lr, gamma=g, form="survey"), "theta_minus_gamma_v")]))
    # Adagrad: eps outside the square root (a large eps on the quadratic makes that visible)
    for obj, lr, eps in ((R, 0.1, 1e-10), (Q, 0.1, 1e-2)):
        c.append(("adagrad", obj, "Adagrad", dict(lr=lr, eps=eps, lr_decay=0.0, initial_accumulator_value=0.0),
                  [("adagrad", dict(eta=lr, eps=eps, eps_inside_sqrt=False), "theta")]))
    # Adadelta: torch's lr scales the step, not the accumulated update
    for obj, lr, rho, eps in ((R, 0.5, 0.95, 1e-6), (Q, 0.1, 0.9, 1e-3)):
        c.append(("adadelta", obj, "Adadelta", dict(lr=lr, rho=rho, eps=eps),
                  [("adadelta", dict(gamma=rho, eps=eps, eta=lr), "theta")]))
    # RMSprop: eps outside the square root; torch's alpha is the survey's gamma
    for obj, lr, alpha, eps in ((R, 3e-4, 0.9, 1e-8), (Q, 3e-3, 0.99, 1e-3)):
        c.append(("rmsprop", obj, "RMSprop", dict(lr=lr, alpha=alpha, eps=eps),
                  [("rmsprop", dict(eta=lr, gamma=alpha, eps=eps, eps_inside_sqrt=False), "theta")]))
    # Adam
    for obj, lr, betas, eps in ((R, 1e-2, (0.9, 0.999), 1e-8), (Q, 2e-2, (0.8, 0.99), 1e-4)):
        c.append(("adam", obj, "Adam", dict(lr=lr, betas=betas, eps=eps),
                  [("adam", dict(eta=lr, beta1=betas[0], beta2=betas[1], eps=eps), "theta")]))
    # Adamax
    for obj, lr, betas, eps in ((R, 2e-2, (0.9, 0.999), 1e-8), (Q, 5e-2, (0.85, 0.99), 1e-3)):
        c.append(("adamax", obj, "Adamax", dict(lr=lr, betas=betas, eps=eps),
                  [("adamax", dict(eta=lr, beta1=betas[0], beta2=betas[1], eps=eps), "theta")]))
    # NAdam with Dozat's momentum schedule (torch's default momentum_decay is 4e-3)
    for obj, lr, betas, eps, psi in ((R, 1e-2, (0.9, 0.999), 1e-8, 4e-3), (Q, 5e-3, (0.85, 0.98), 1e-5, 0.02)):
        c.append(("nadam", obj, "NAdam", dict(lr=lr, betas=betas, eps=eps, momentum_decay=psi),
                  [("nadam", dict(eta=lr, beta1=betas[0], beta2=betas[1], eps=eps, momentum_decay=psi), "theta")]))
    # AMSGrad as torch does it: max over uncorrected v, then bias correction
    for obj, lr, betas, eps in ((R, 1e-2, (0.9, 0.999), 1e-8), (Q, 5e-2, (0.8, 0.9), 1e-6)):
        c.append(("amsgrad", obj, "Adam", dict(lr=lr, betas=betas, eps=eps, amsgrad=True),
                  [("amsgrad", dict(eta=lr, beta1=betas[0], beta2=betas[1], eps=eps, bias_correction=True), "theta")]))
    # AdamW: decoupled weight decay
    for obj, lr, betas, eps, wd in ((R, 1e-2, (0.9, 0.999), 1e-8, 0.1), (Q, 5e-2, (0.85, 0.99), 1e-8, 0.5)):
        c.append(("adamw", obj, "AdamW", dict(lr=lr, betas=betas, eps=eps, weight_decay=wd),
                  [("adamw", dict(eta=lr, beta1=betas[0], beta2=betas[1], eps=eps, weight_decay=wd), "theta")]))
    return c


def run_torch(objective, cls_name, kwargs):
    start = ROSEN_START if objective == "rosenbrock" else QUAD_START
    p = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))
    opt = getattr(torch.optim, cls_name)([p], foreach=False, **kwargs)   # the plain single-tensor loop
    path = [p.detach().clone().numpy()]
    for _ in range(STEPS):
        opt.zero_grad()
        p.grad = torch_grad(objective, p)
        opt.step()
        path.append(p.detach().clone().numpy())
    return np.array(path)


def amplification(objective, cls_name, kwargs, rel=1e-12):
    """How much a relative perturbation ``rel`` of the start grows along the run (max over steps).

    A chaotic run (e.g. a sign-like oscillation across a stiff direction) amplifies rounding
    differences exponentially and cannot be compared at 1e-10; such cases are rejected.
    """
    global ROSEN_START, QUAD_START
    saved = ROSEN_START, QUAD_START
    base = run_torch(objective, cls_name, kwargs)
    ROSEN_START, QUAD_START = ROSEN_START * (1 + rel), QUAD_START * (1 + rel)
    try:
        moved = run_torch(objective, cls_name, kwargs)
    finally:
        ROSEN_START, QUAD_START = saved
    return float(np.max(np.abs(moved - base) / np.maximum(1, np.abs(base)))) / rel


def main():
    arrays = {"quadratic_A": A, "quadratic_b": B,
              "start_rosenbrock": ROSEN_START, "start_quadratic": QUAD_START}
    meta_cases = []
    for label, objective, cls_name, kwargs, variants in cases():
        case_id = f"{label}-{objective}"
        path = run_torch(objective, cls_name, kwargs)
        assert np.all(np.isfinite(path)), case_id
        moved = np.linalg.norm(path[-1] - path[0])
        last_steps = np.linalg.norm(path[-1] - path[-2])
        assert moved > 1e-2 and last_steps > 0, (case_id, moved, last_steps)
        gain = amplification(objective, cls_name, kwargs)
        assert gain < 100, f"{case_id}: a perturbation of the start grows {gain:.1e}-fold (chaotic run)"
        arrays[f"path/{case_id}"] = path
        meta_cases.append(dict(
            id=case_id, optimizer=label, objective=objective,
            torch_class=f"torch.optim.{cls_name}", torch_kwargs=dict(kwargs, foreach=False),
            gdlib=[dict(factory=f, kwargs=k, compare=cmp) for f, k, cmp in variants],
            start=f"start_{objective}", path=f"path/{case_id}",
        ))
        print(f"{case_id:22s} moved {moved:8.4f}  perturbation gain {gain:8.2e}  final {np.array2string(path[-1], precision=4)}")
    meta = dict(torch_version=torch.__version__, numpy_version=np.__version__, steps=STEPS,
                dtype="float64", objectives={
                    "rosenbrock": "(1 - x)^2 + 100 (y - x^2)^2, gradient by torch.autograd",
                    "quadratic": "1/2 x'Ax - b'x, gradient x @ A - b; A = Q diag(logspace(log10 0.5, log10 20, 5)) Q', "
                                 "Q, b, start from numpy default_rng(0) (see make_quadratic)"},
                cases=meta_cases)
    arrays["meta"] = np.array(json.dumps(meta, indent=1))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} kB, {len(meta_cases)} cases, torch {torch.__version__})")


if __name__ == "__main__":
    main()
