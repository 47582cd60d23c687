"""Every gdlib optimizer, step for step, against an independent implementation.

* ``torch.optim``: trajectories stored in ``tests/data/torch_reference.npz`` by
  ``tests/make_reference_vectors.py`` (torch is *not* needed here). Each stored case is
  replayed with gdlib's factory and switches named in the file; every entry of all 250 steps
  must agree to a relative error of 1e-10 (relative to max(1, |reference|)).
* The survey's own forms that torch cannot produce (Nadam with constant beta1, AMSGrad without
  bias correction, epsilon inside the square root) are compared with straightforward plain-Python
  transcriptions of the equations, written below without numpy.

``python tests/test_optimizers_reference.py`` prints the largest relative error of every case.
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest

import gdlib.functions
from gdlib.optimizers import ALL
from gdlib.run import iterate

DATA = Path(__file__).resolve().parent / "data" / "torch_reference.npz"
RTOL = 1e-10          # on |gdlib - reference| / max(1, |reference|), every entry of every step


def _load():
    with np.load(DATA) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("meta")))
    return meta, arrays


META, ARRAYS = _load()
OBJECTIVES = {
    "rosenbrock": gdlib.functions.rosenbrock,
    "quadratic": gdlib.functions.quadratic(ARRAYS["quadratic_A"], ARRAYS["quadratic_b"]),
}


def max_relative_error(actual, reference):
    actual, reference = np.asarray(actual), np.asarray(reference)
    assert actual.shape == reference.shape, (actual.shape, reference.shape)
    return float(np.max(np.abs(actual - reference) / np.maximum(1.0, np.abs(reference))))


def replay(factory, kwargs, objective, start, steps, compare="theta"):
    """gdlib's path (steps + 1, d); ``compare`` says which point is recorded after each step."""
    if compare not in ("theta", "theta_minus_gamma_v"):
        raise ValueError(f"unknown comparison {compare!r}")
    traj = iterate(ALL[factory](**kwargs), OBJECTIVES[objective].grad, np.array(start, dtype=float), steps,
                   record_state=compare != "theta", warn=False)
    if compare == "theta":
        return traj.thetas
    return traj.thetas - kwargs["gamma"] * traj.states.z    # torch's SGD(nesterov=True) stores the look-ahead point


def _torch_variants():
    out = []
    for case in META["cases"]:
        for variant in case["gdlib"]:
            switches = ",".join(f"{k}={v}" for k, v in variant["kwargs"].items() if isinstance(v, (str, bool)))
            out.append(pytest.param(case, variant, id=f"{case['id']}[{variant['factory']}{',' if switches else ''}{switches}]"))
    return out


TORCH_VARIANTS = _torch_variants()


def torch_case_error(case, variant):
    reference = ARRAYS[case["path"]]
    path = replay(variant["factory"], variant["kwargs"], case["objective"], ARRAYS[case["start"]],
                  META["steps"], variant["compare"])
    return max_relative_error(path, reference), path, reference


# --- the stored file --------------------------------------------------------------------

def test_reference_file_is_complete_and_small():
    assert DATA.stat().st_size < 1_000_000
    assert META["torch_version"].startswith("2.13.0")
    assert META["steps"] == 250
    covered = {(v["factory"], c["objective"]) for c in META["cases"] for v in c["gdlib"]}
    # torch.optim has no QHAdam or AggMo: tests/test_optimizers_later.py checks them against
    # their papers' equations and against Adam / momentum, which they reduce to.
    for name in set(ALL) - {"qhadam", "aggmo"}:
        for objective in OBJECTIVES:
            assert (name, objective) in covered, f"no torch reference for {name} on {objective}"
    for case in META["cases"]:
        path = ARRAYS[case["path"]]
        d = 2 if case["objective"] == "rosenbrock" else 5
        assert path.shape == (META["steps"] + 1, d)
        assert np.all(np.isfinite(path))
        assert np.linalg.norm(path[-1] - path[-2]) > 0          # still moving: every step is informative


# --- gdlib against torch.optim -----------------------------------------------------------

@pytest.mark.parametrize("case, variant", TORCH_VARIANTS)
def test_matches_torch_step_for_step(case, variant):
    error, path, reference = torch_case_error(case, variant)
    np.testing.assert_allclose(path, reference, rtol=RTOL, atol=1e-12,
                               err_msg=f"{variant['factory']}({variant['kwargs']}) vs {case['torch_class']}"
                                       f"({case['torch_kwargs']}) on {case['objective']}")
    assert error <= RTOL, f"max relative error {error:.3e} > {RTOL:g}"


# --- the survey's forms, against plain-Python transcriptions of the equations -------------

def _plain_grad(objective):
    """The objective's gradient in plain Python (lists of floats), independent of gdlib."""
    if objective == "rosenbrock":
        def grad(p):
            x, y = p
            return [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
        return grad
    A = ARRAYS["quadratic_A"].tolist()
    b = ARRAYS["quadratic_b"].tolist()

    def grad(p):
        return [sum(A[i][j] * p[j] for j in range(len(p))) - b[i] for i in range(len(p))]
    return grad


def plain_nadam_survey(grad, p, steps, eta, beta1, beta2, eps):
    """Ruder (2016), eq. for Nadam: theta -= eta / (sqrt(v_hat) + eps) (beta1 m_hat + (1 - beta1) g / (1 - beta1^t))."""
    m = [0.0] * len(p)
    v = [0.0] * len(p)
    path = [list(p)]
    for t in range(1, steps + 1):
        g = grad(p)
        new = []
        for i in range(len(p)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            m_hat = m[i] / (1 - beta1 ** t)
            v_hat = v[i] / (1 - beta2 ** t)
            new.append(p[i] - eta / (math.sqrt(v_hat) + eps) * (beta1 * m_hat + (1 - beta1) * g[i] / (1 - beta1 ** t)))
        p = new
        path.append(p)
    return path


def plain_amsgrad_survey(grad, p, steps, eta, beta1, beta2, eps):
    """Reddi et al. (2018) / Ruder (2016): v_hat = max(v_hat, v); theta -= eta / (sqrt(v_hat) + eps) m, no bias correction."""
    m = [0.0] * len(p)
    v = [0.0] * len(p)
    v_hat = [0.0] * len(p)
    path = [list(p)]
    for _ in range(steps):
        g = grad(p)
        new = []
        for i in range(len(p)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            v_hat[i] = max(v_hat[i], v[i])
            new.append(p[i] - eta / (math.sqrt(v_hat[i]) + eps) * m[i])
        p = new
        path.append(p)
    return path


def plain_adagrad_survey(grad, p, steps, eta, eps):
    """Ruder (2016), eq. for Adagrad: G += g^2; theta -= eta / sqrt(G + eps) g."""
    G = [0.0] * len(p)
    path = [list(p)]
    for _ in range(steps):
        g = grad(p)
        for i in range(len(p)):
            G[i] += g[i] ** 2
        p = [p[i] - eta / math.sqrt(G[i] + eps) * g[i] for i in range(len(p))]
        path.append(p)
    return path


def plain_rmsprop_survey(grad, p, steps, eta, gamma, eps):
    """Ruder (2016), eq. for RMSprop: E = gamma E + (1 - gamma) g^2; theta -= eta / sqrt(E + eps) g."""
    E = [0.0] * len(p)
    path = [list(p)]
    for _ in range(steps):
        g = grad(p)
        for i in range(len(p)):
            E[i] = gamma * E[i] + (1 - gamma) * g[i] ** 2
        p = [p[i] - eta / math.sqrt(E[i] + eps) * g[i] for i in range(len(p))]
        path.append(p)
    return path


# (id, gdlib factory, gdlib kwargs, plain implementation, its kwargs, objective)
SURVEY_CASES = [
    ("nadam-survey-rosenbrock", "nadam", dict(eta=1e-2), plain_nadam_survey,
     dict(eta=1e-2, beta1=0.9, beta2=0.999, eps=1e-8), "rosenbrock"),
    ("nadam-survey-quadratic", "nadam", dict(eta=5e-3, beta1=0.85, beta2=0.98, eps=1e-5), plain_nadam_survey,
     dict(eta=5e-3, beta1=0.85, beta2=0.98, eps=1e-5), "quadratic"),
    ("amsgrad-survey-rosenbrock", "amsgrad", dict(eta=1e-2), plain_amsgrad_survey,
     dict(eta=1e-2, beta1=0.9, beta2=0.999, eps=1e-8), "rosenbrock"),
    ("amsgrad-survey-quadratic", "amsgrad", dict(eta=5e-2, beta1=0.8, beta2=0.9, eps=1e-6, bias_correction=False),
     plain_amsgrad_survey, dict(eta=5e-2, beta1=0.8, beta2=0.9, eps=1e-6), "quadratic"),
    ("adagrad-survey-rosenbrock", "adagrad", dict(eta=0.1, eps=1e-8), plain_adagrad_survey,
     dict(eta=0.1, eps=1e-8), "rosenbrock"),
    ("adagrad-survey-quadratic", "adagrad", dict(eta=0.1, eps=1e-2, eps_inside_sqrt=True), plain_adagrad_survey,
     dict(eta=0.1, eps=1e-2), "quadratic"),
    ("rmsprop-survey-rosenbrock", "rmsprop", dict(eta=3e-4, gamma=0.9, eps=1e-8), plain_rmsprop_survey,
     dict(eta=3e-4, gamma=0.9, eps=1e-8), "rosenbrock"),
    ("rmsprop-survey-quadratic", "rmsprop", dict(eta=3e-3, gamma=0.99, eps=1e-3), plain_rmsprop_survey,
     dict(eta=3e-3, gamma=0.99, eps=1e-3), "quadratic"),
]


def survey_case_error(factory, kwargs, plain, plain_kwargs, objective):
    start = ARRAYS[f"start_{objective}"]
    reference = np.array(plain(_plain_grad(objective), start.tolist(), META["steps"], **plain_kwargs))
    path = replay(factory, kwargs, objective, start, META["steps"])
    return max_relative_error(path, reference), path, reference


@pytest.mark.parametrize("factory, kwargs, plain, plain_kwargs, objective",
                         [pytest.param(*c[1:], id=c[0]) for c in SURVEY_CASES])
def test_survey_form_matches_plain_transcription(factory, kwargs, plain, plain_kwargs, objective):
    error, path, reference = survey_case_error(factory, kwargs, plain, plain_kwargs, objective)
    assert np.all(np.isfinite(reference)) and np.linalg.norm(reference[-1] - reference[0]) > 1e-2
    np.testing.assert_allclose(path, reference, rtol=RTOL, atol=1e-12)
    assert error <= RTOL, f"max relative error {error:.3e} > {RTOL:g}"


@pytest.mark.parametrize("case_id, switch", [
    ("nadam-rosenbrock", dict(momentum_decay=None)),         # survey's Nadam vs torch's momentum schedule
    ("nadam-quadratic", dict(momentum_decay=None)),
    ("amsgrad-rosenbrock", dict(bias_correction=False)),     # no bias correction vs torch's
    ("amsgrad-quadratic", dict(bias_correction=False)),
    ("adagrad-quadratic", dict(eps_inside_sqrt=True)),       # eps inside vs outside the sqrt
    ("rmsprop-quadratic", dict(eps_inside_sqrt=True)),
])
def test_survey_switches_matter(case_id, switch):
    """Flipping a switch to the survey's form breaks the agreement with torch (else the tests prove little)."""
    case = next(c for c in META["cases"] if c["id"] == case_id)
    variant = case["gdlib"][0]
    path = replay(variant["factory"], dict(variant["kwargs"], **switch), case["objective"],
                  ARRAYS[case["start"]], META["steps"])
    assert max_relative_error(path, ARRAYS[case["path"]]) > 1e-6


if __name__ == "__main__":
    print(f"torch reference: torch {META['torch_version']}, {META['steps']} steps, relative error "
          f"max |gdlib - ref| / max(1, |ref|)")
    worst = {}
    for param in TORCH_VARIANTS:
        case, variant = param.values
        error = torch_case_error(case, variant)[0]
        worst[variant["factory"]] = max(worst.get(variant["factory"], 0.0), error)
        print(f"  {param.id:60s} {error:.2e}")
    for case_id, *args in SURVEY_CASES:
        error = survey_case_error(*args)[0]
        print(f"  {case_id + ' (plain Python)':60s} {error:.2e}")
    print("max per optimizer (torch cases):")
    for name, error in worst.items():
        print(f"  {name:10s} {error:.2e}")
