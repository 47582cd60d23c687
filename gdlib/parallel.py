r"""Parallel and distributed SGD, run for real: stale gradients, Hogwild!, Downpour, EASGD.

Four ideas, each as code that runs on one machine:

* **Staleness, exactly** (:func:`delay_limit`, :func:`delay_rate`, :func:`delay_best`,
  :func:`delay_simulate`): gradient descent with a gradient ``tau`` steps old on the quadratic
  $J(x) = \tfrac{L}{2}x^2$, $x_{t+1} = x_t - \eta L\, x_{t-\tau}$. Its characteristic polynomial
  $z^{\tau+1} - z^\tau + \eta L$ has all roots inside the unit circle exactly when
  $\eta L < 2\sin\big(\pi / (2(2\tau+1))\big)$; the fastest rate is $\tau/(\tau+1)$ at
  $\eta L = \tau^\tau/(\tau+1)^{\tau+1}$.
* **Hogwild!** (Niu et al. 2011, ``niu2011hogwild``; :func:`hogwild`): lock-free SGD by several OS
  processes on one weight vector in ``multiprocessing.shared_memory``, on a sparse logistic
  regression (:func:`sparse_logistic`), with the sparsity measures $\Omega, \Delta, \rho$ of the
  paper (:func:`sparsity`).
* **Downpour SGD** (Dean et al. 2012, ``dean2012large``; :func:`downpour`): a parameter-server process
  applying Adagrad to the gradients that worker processes push every ``n_push`` steps; workers fetch
  the parameters every ``n_fetch`` steps; the server measures the staleness of every push.
* **Delay-aware Adagrad** (:func:`delayed_adagrad`): Adagrad on gradients ``tau`` steps old, with
  an optional accumulator that counts the cross terms with the updates a gradient did not see;
  our construction after McMahan & Streeter (2014, ``mcmahan2014delay``), not their algorithm.
* **Elastic averaging SGD** (Zhang, Choromanska & LeCun 2015, ``zhang2015deep``; :func:`easgd`):
  the synchronous form as one broadcast update over a worker axis.

Synchronous data parallelism on ``torch.distributed`` lives in :mod:`gdlib.distributed` (it needs
torch). Worker functions live here, not in a notebook, because a *spawned* process imports the
function it runs by module name and cannot import a notebook's ``__main__``. Every process pool is
started with an explicit start method (``"spawn"``: the same on Linux, macOS and Windows).
"""
import math
import multiprocessing as mp
import time
from multiprocessing import shared_memory
from typing import NamedTuple

import numpy as np

from . import optimizers, run
from ._special import sigmoid
from ._validate import as_generator, flag, integer, real, real_array

START_METHOD = "spawn"
"""How worker processes are started: a fresh interpreter that imports this module (portable)."""

WAIT = 120.0
"""Seconds to wait for worker processes (start-up, results) before giving up with an error."""


# --- staleness, exactly -----------------------------------------------------------------------

def delay_limit(tau):
    r"""The largest stable $h = \eta L$ of $x_{t+1} = x_t - h\, x_{t-\tau}$: $2\sin(\pi / (2(2\tau+1)))$.

    On $|z| = 1$, $z = e^{i\omega}$, the characteristic equation $z^\tau(z - 1) = -h$ needs
    $|z - 1| = 2\sin(\omega/2) = h$ and a phase $\omega\tau + \omega/2 + \pi/2 = \pi$, so
    $\omega = \pi/(2\tau+1)$: the first root to cross the unit circle does so at that $h$.
    ``tau`` = 0 gives 2 (plain gradient descent, $\eta < 2/L$); large ``tau`` gives about
    $\pi/(2\tau)$. ``tau`` may be an integer array.
    """
    tau = np.asarray(tau)
    if tau.dtype.kind not in "iu" or np.any(tau < 0):
        raise ValueError(f"tau must be a non-negative integer (or an integer array), got {tau!r}")
    return 2.0 * np.sin(np.pi / (2.0 * (2.0 * tau + 1.0)))


def delay_roots(h, tau):
    r"""The roots of $z^{\tau+1} - z^\tau + h$, the characteristic polynomial of the delayed iteration."""
    real("h", h, array=False)
    tau = integer("tau", tau, low=0)
    return np.roots([1.0, h - 1.0] if tau == 0 else [1.0, -1.0] + [0.0] * (tau - 1) + [h])


def delay_rate(h, tau):
    r"""The asymptotic rate $\max|z|$ over the roots: $|x_t| \sim \rho^t$; stable iff it is < 1."""
    return float(np.abs(delay_roots(h, tau)).max())


def delay_best(tau):
    r"""The step $h^\star = \tau^\tau/(\tau+1)^{\tau+1}$ with the fastest rate $\rho^\star = \tau/(\tau+1)$.

    At $h^\star$ the largest roots meet in a double real root $z = \tau/(\tau+1)$ (where
    $p(z) = p'(z) = 0$); below it the largest root is real and larger, above it a complex pair
    moves outwards. ``tau`` = 0 gives $h^\star = 1$, $\rho^\star = 0$ (one Newton step).
    """
    tau = integer("tau", tau, low=0)
    return float(tau ** tau / (tau + 1.0) ** (tau + 1)), tau / (tau + 1.0)


def delay_simulate(h, tau, steps, x0=1.0):
    r"""$x_{t+1} = x_t - h\, x_{t-\tau}$ ($x_{t} = x_0$ for $t < 0$), run with gdlib's own loop.

    It is SGD (``optimizers.sgd(eta=h)``) on $J(x) = x^2/2$ with the gradient delayed by
    :func:`gdlib.run.delayed`. ``h`` may be an array: one run per entry, all in one call.
    Returns the path, shape ``(steps + 1,) + np.shape(h)``; a run that overflows is NaN from there.
    """
    h = np.asarray(h, dtype=float)
    grad = run.delayed(lambda x: x, integer("tau", tau, low=0))
    traj = run.iterate(optimizers.sgd(eta=h[..., None]), grad, np.full(h.shape + (1,), float(x0)),
                       steps, warn=False)
    return traj.thetas[..., 0]


def envelope_rate(path, window):
    r"""The growth rate per step of a delayed run: :func:`gdlib.run.envelope_rate` from the middle
    of the path to its end, with peaks over ``window`` steps (a full period of the oscillation)."""
    path = np.asarray(path, dtype=float)
    n = path.shape[0]
    return run.envelope_rate(path, n // 2 - 1, n - 1, window)


# --- sparse logistic regression, the Hogwild! problem ------------------------------------------

class SparseData(NamedTuple):
    """``n`` examples with ``k`` non-zeros each among ``d`` features: example ``i`` is
    ``sum_j val[i, j] e_{idx[i, j]}``, its label ``y[i]`` in {-1, +1}."""
    idx: np.ndarray      # (n, k) int64, distinct within a row
    val: np.ndarray      # (n, k) float64
    y: np.ndarray        # (n,) float64, -1 or +1
    d: int

    @property
    def n(self):
        return self.y.shape[0]


def sparse_logistic(n=20000, d=100000, k=10, rng=None, noise=0.5):
    r"""A sparse classification problem shaped like Hogwild!'s: ``k`` of ``d`` features per example.

    Features are drawn uniformly without repetition within an example, values $N(0, 1)$, a true
    weight $w^\star \sim N(0, I)$, labels $y = \mathrm{sign}(x^\top w^\star + \text{noise}\cdot N(0,1))$.
    """
    n, d, k = integer("n", n, low=1), integer("d", d, low=1), integer("k", k, low=1)
    if k > d:
        raise ValueError(f"k must be at most d = {d}, got {k}")
    rng = as_generator(rng)
    idx = rng.integers(0, d, size=(n, k))
    while True:                                       # redraw the rows with a repeated feature
        srt = np.sort(idx, axis=1)
        bad = np.any(srt[:, 1:] == srt[:, :-1], axis=1)
        if not bad.any():
            break
        idx[bad] = rng.integers(0, d, size=(int(bad.sum()), k))
    val = rng.standard_normal((n, k))
    w_star = rng.standard_normal(d)
    margin = (val * w_star[idx]).sum(1) + noise * rng.standard_normal(n)
    return SparseData(idx, val, np.where(margin >= 0, 1.0, -1.0), d)


def sparse_loss(data, w):
    r"""The mean logistic loss $\frac1n\sum_i \log(1 + e^{-y_i x_i^\top w})$."""
    margin = data.y * (data.val * np.asarray(w)[data.idx]).sum(1)
    return float(np.logaddexp(0.0, -margin).mean())


def sparsity(data, sample=2000, rng=None):
    r"""Niu et al.'s hypergraph measures of a sparse problem: ``(Omega, Delta, rho)``.

    With one hyperedge $e$ per example (its set of features) and $|E| = n$:
    $\Omega = \max_e |e|$, $\Delta = \max_v |\{e : v \in e\}| / |E|$ (the most popular feature's
    share of examples), $\rho = \max_e |\{e' : e' \cap e \ne \emptyset\}| / |E|$ (the largest share of
    examples that collide with one example). $\rho$ is the maximum over ``sample`` examples drawn
    at random (all if ``sample`` >= n), so it is a lower bound on the exact maximum.
    """
    from scipy import sparse
    n = data.n
    a = sparse.csr_matrix((np.ones(data.idx.size), data.idx.ravel(), np.arange(0, data.idx.size + 1, data.idx.shape[1])),
                          shape=(n, data.d))
    omega = int(np.diff(a.indptr).max())
    delta = float(np.asarray(a.sum(axis=0)).max() / n)
    rows = np.arange(n) if sample >= n else as_generator(rng).choice(n, size=sample, replace=False)
    at = a.T.tocsr()
    hits = [((a[rows[i:i + 200]] @ at) > 0).getnnz(axis=1) for i in range(0, len(rows), 200)]
    return omega, delta, float(np.concatenate(hits).max() / n)


def _collect(out, procs, count, timeout=None):
    """``count`` results from the queue ``out``; a clear error (and no orphans) if a worker dies."""
    import queue
    timeout = WAIT if timeout is None else timeout
    results, deadline = [], time.monotonic() + timeout
    while len(results) < count:
        try:
            results.append(out.get(timeout=0.2))
        except queue.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead or time.monotonic() > deadline:
                for p in procs:
                    if p.is_alive():
                        p.terminate()
                    p.join()
                why = f"exit code {dead[0].exitcode}" if dead else f"no result after {timeout:g} s"
                raise RuntimeError(f"a worker process failed ({why}); see its error above")
    return results


# --- Hogwild! with OS processes ----------------------------------------------------------------

class Shared:
    """Named numpy arrays in ``multiprocessing.shared_memory`` (create in the parent, attach in workers)."""

    def __init__(self, arrays=None, spec=None):
        self.blocks, self.arrays = {}, {}
        if arrays is not None:
            for key, value in arrays.items():
                value = np.ascontiguousarray(value)
                shm = shared_memory.SharedMemory(create=True, size=max(value.nbytes, 1))
                self.blocks[key] = shm
                self.arrays[key] = np.ndarray(value.shape, value.dtype, buffer=shm.buf)
                self.arrays[key][...] = value
        else:
            for key, (name, shape, dtype) in spec.items():
                shm = shared_memory.SharedMemory(name=name)
                self.blocks[key] = shm
                self.arrays[key] = np.ndarray(shape, dtype, buffer=shm.buf)

    @property
    def spec(self):
        """What a worker needs to attach: name, shape, dtype of every array (picklable)."""
        return {k: (self.blocks[k].name, a.shape, a.dtype.str) for k, a in self.arrays.items()}

    def close(self, unlink=False):
        self.arrays.clear()
        for shm in self.blocks.values():
            shm.close()
            if unlink:
                shm.unlink()
        self.blocks.clear()


def _hogwild_worker(spec, lo, hi, eta, lock, barrier, out):
    """One Hogwild! process: SGD on examples ``lo..hi-1`` of the shared data, on the shared ``w``."""
    sh = Shared(spec=spec)
    w, idx, val, y = (sh.arrays[k] for k in ("w", "idx", "val", "y"))
    exp = math.exp
    barrier.wait(timeout=WAIT)
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(lo, hi):
        j, v, yi = idx[i], val[i], y[i]
        if lock is not None:
            lock.acquire()
        m = yi * float(w[j] @ v)                                  # margin y_i x_i^T w, read from shared memory
        s = -yi / (1.0 + exp(m)) if m < 700.0 else 0.0           # d/dm log(1 + e^{-m}) times y_i
        w[j] -= eta * s * v                                       # write back only the k touched weights
        if lock is not None:
            lock.release()
    out.put((start, time.perf_counter(), hi - lo, time.process_time() - cpu))
    del w, idx, val, y
    sh.close()


class HogwildResult(NamedTuple):
    final: np.ndarray          # the shared weights at the end
    loss: float                # mean logistic loss at the end
    updates: int               # total updates (examples processed)
    seconds: float             # wall time from the common start to the last worker's end
    processes: int
    locked: bool
    cpu_seconds: float = float("nan")   # CPU time the workers' loops used, summed over the workers

    @property
    def rate(self):
        """Updates per second, all processes together."""
        return self.updates / self.seconds

    @property
    def cpu_rate(self):
        """Updates per CPU-second: unaffected by other programs taking turns on the cores, it
        shows what each process achieves while it runs (lower with collisions or lock hand-overs)."""
        return self.updates / self.cpu_seconds


def hogwild(data, eta, processes=2, lock=False, theta0=None):
    r"""One epoch of SGD on :func:`sparse_logistic` data by ``processes`` OS processes sharing ``w``.

    Each process takes a contiguous share of the examples and applies
    $w_{e} \leftarrow w_{e} - \eta\, \nabla_{w_e} \log(1 + e^{-y\, x^\top w})$ on the example's
    support $e$ only, reading and writing the weights in shared memory *without locks*
    (``lock=False``, Hogwild!) or holding one lock around every read-compute-write
    (``lock=True``, the consistent baseline). Processes start with the ``spawn`` method and wait at
    a barrier, so start-up is not timed. Returns a :class:`HogwildResult`.
    """
    real("eta", eta, low=0, low_open=True, array=False)
    processes = integer("processes", processes, low=1, high=64)
    flag("lock", lock)
    w0 = np.zeros(data.d) if theta0 is None else real_array("theta0", theta0, shape=(data.d,))
    ctx = mp.get_context(START_METHOD)
    sh = Shared({"w": w0, "idx": data.idx, "val": data.val, "y": data.y})
    try:
        barrier, out = ctx.Barrier(processes), ctx.Queue()
        lk = ctx.Lock() if lock else None
        cuts = np.linspace(0, data.n, processes + 1).astype(int)
        procs = [ctx.Process(target=_hogwild_worker, args=(sh.spec, int(cuts[r]), int(cuts[r + 1]), float(eta), lk, barrier, out))
                 for r in range(processes)]
        for p in procs:
            p.start()
        reports = _collect(out, procs, len(procs))
        for p in procs:
            p.join()
        w = sh.arrays["w"].copy()
    finally:
        sh.close(unlink=True)
    start, end = min(r[0] for r in reports), max(r[1] for r in reports)
    return HogwildResult(w, sparse_loss(data, w), sum(r[2] for r in reports), end - start, processes, lock,
                         sum(r[3] for r in reports))


def sequential_sgd(data, eta, theta0=None):
    """The same epoch in this process, in example order: the reference a 1-process Hogwild! run must equal."""
    w = np.zeros(data.d) if theta0 is None else real_array("theta0", theta0, shape=(data.d,)).copy()
    for i in range(data.n):
        j, v, yi = data.idx[i], data.val[i], data.y[i]
        m = yi * float(w[j] @ v)
        w[j] -= eta * (-yi / (1.0 + math.exp(m)) if m < 700.0 else 0.0) * v
    return w


# --- Downpour SGD: a parameter server applying Adagrad -----------------------------------------

def _logistic_grad(w, X, y):
    """Gradient of the mean logistic loss (labels in {0, 1}) at ``w`` on the rows ``X``."""
    p = sigmoid(X @ w)
    return X.T @ (p - y) / len(y)


def _server(requests, replies, w0, eta, eps, workers, out):
    """The parameter server: Adagrad on pushed gradients; answers fetches; records staleness."""
    w, G, version, done, stale = np.array(w0, dtype=float), np.zeros(len(w0)), 0, 0, []
    while done < workers:
        kind, who, payload = requests.get()
        if kind == "fetch":
            replies[who].put((w.copy(), version))
        elif kind == "push":
            g, read_version = payload
            stale.append(version - read_version)                 # updates applied since that read
            G += g * g                                            # Adagrad: G_t = G_{t-1} + g_t^2
            w -= eta / np.sqrt(G + eps) * g                       # w_{t+1} = w_t - eta / sqrt(G_t + eps) g_t
            version += 1
        else:
            done += 1
    out.put((w, np.array(stale)))


def _downpour_worker(who, requests, reply, X, y, steps, batch, n_fetch, n_push, seed, barrier):
    """A Downpour worker: fetch every n_fetch steps, push accumulated gradients every n_push steps."""
    rng = np.random.default_rng(seed)
    barrier.wait(timeout=WAIT)                                    # all workers start together
    acc, w, version = 0.0, None, 0
    for t in range(steps):
        if t % n_fetch == 0:
            requests.put(("fetch", who, None))
            w, version = reply.get()
        rows = rng.integers(0, len(y), size=batch)
        acc = acc + _logistic_grad(w, X[rows], y[rows])
        if (t + 1) % n_push == 0 or t == steps - 1:
            requests.put(("push", who, (acc, version)))
            acc = 0.0
    requests.put(("done", who, None))


class DownpourResult(NamedTuple):
    final: np.ndarray         # the server's weights at the end
    staleness: np.ndarray     # per push: server updates applied between the worker's fetch and this push
    pushes: int
    seconds: float


def downpour(X, y, workers=2, steps=200, batch=32, n_fetch=1, n_push=1, eta=0.1, eps=1e-8, seed=0):
    r"""Downpour SGD on the logistic regression ``(X, y)`` (labels 0/1) with real processes.

    One parameter-server process keeps $w$ and applies Adagrad,
    $G \leftarrow G + g^2,\ w \leftarrow w - \eta\, g / \sqrt{G + \epsilon}$, to every gradient a
    worker pushes. ``workers`` worker processes each run ``steps`` steps: every ``n_fetch`` steps
    they fetch $w$; every step they add a mini-batch gradient (``batch`` rows) at their copy;
    every ``n_push`` steps they push the sum. Between fetches a worker's copy does not move (the
    accumulated gradient is taken at one point). Returns a :class:`DownpourResult`; the staleness
    of a push counts the server updates between the fetch its gradient was computed from and its
    arrival.
    """
    workers = integer("workers", workers, low=1, high=64)
    for name, v in (("steps", steps), ("batch", batch), ("n_fetch", n_fetch), ("n_push", n_push)):
        integer(name, v, low=1)
    real("eta", eta, low=0, low_open=True, array=False)
    ctx = mp.get_context(START_METHOD)
    requests, out, barrier = ctx.Queue(), ctx.Queue(), ctx.Barrier(workers + 1)
    replies = [ctx.Queue() for _ in range(workers)]
    server = ctx.Process(target=_server, args=(requests, replies, np.zeros(X.shape[1]), eta, eps, workers, out))
    procs = [ctx.Process(target=_downpour_worker, args=(r, requests, replies[r], X, y, steps, batch, n_fetch, n_push, seed + r, barrier))
             for r in range(workers)]
    server.start()
    for p in procs:
        p.start()
    try:
        barrier.wait(timeout=WAIT)                                # start-up is not timed
    except Exception:
        for p in procs + [server]:
            p.terminate()
            p.join()
        raise RuntimeError(f"the Downpour processes did not all start within {WAIT:g} s") from None
    start = time.perf_counter()
    (w, stale), = _collect(out, procs + [server], 1)
    seconds = time.perf_counter() - start
    for p in procs + [server]:
        p.join()
    return DownpourResult(w, stale, len(stale), seconds)


# --- delay-aware Adagrad (in simulation) -------------------------------------------------------

def delayed_adagrad(grad_fn, x0, steps, tau, eta, eps=1e-8, delay_aware=False):
    r"""Adagrad fed gradients ``tau`` steps old; optionally with a delay-aware accumulator.

    At step $t$ the gradient is $g_t = $ ``grad_fn(x_{t-tau}, t)`` ($x_0$ for $t < \tau$) and the
    *backlog* $b_t = \sum_{s=t-\tau}^{t-1} g_s$ is the sum of the gradients applied since that read.
    Plain Adagrad: $G_t = G_{t-1} + g_t^2$. Delay-aware (``delay_aware=True``):

    $$G_t = G_{t-1} + g_t^2 + 2\, g_t \odot b_t, \qquad \hat G_t = \max(\hat G_{t-1}, G_t),$$

    so that $G$ is the running square of the *sum* of the gradients, $(\sum_s g_s)^2$ per coordinate,
    with the cross terms between a gradient and the updates it did not see; the maximum keeps the
    learning rate from growing back. Both step $x_{t+1} = x_t - \eta\, g_t / \sqrt{\hat G_t + \epsilon}$.
    This is our construction after the idea of McMahan & Streeter (2014, ``mcmahan2014delay``),
    whose AdaptiveRevision also revises the steps already taken; that revision is not done here.
    Returns the path, shape ``(steps + 1,) + x0.shape``.
    """
    tau, steps = integer("tau", tau, low=0), integer("steps", steps, low=0)
    real("eta", eta, low=0, low_open=True, array=False)
    flag("delay_aware", delay_aware)
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    Z = [np.zeros_like(x)]                                    # Z_t = g_0 + ... + g_{t-1}, the applied gradients
    G, G_hat = np.zeros_like(x), np.zeros_like(x)
    for t in range(steps):
        g = run.at_step(grad_fn, t)(path[max(t - tau, 0)])
        G = G + g * g
        if delay_aware:
            b = Z[t] - Z[max(t - tau, 0)]                    # the backlog b_t: gradients applied since the read
            G = G + 2.0 * g * b
        G_hat = np.maximum(G_hat, G)
        x = x - eta * g / np.sqrt(G_hat + eps)
        Z.append(Z[t] + g)
        path.append(x.copy())
    return np.array(path)


# --- Elastic averaging SGD ---------------------------------------------------------------------

class EASGDResult(NamedTuple):
    center: np.ndarray        # (steps + 1, d) the centre variable x~
    workers: np.ndarray       # (steps + 1, p, d) the local variables x^i


def easgd(grad_fn, x0, p, eta, rho, steps, period=1, center0=None):
    r"""Synchronous elastic averaging SGD: ``p`` workers and a centre, one broadcast update per step.

    With $\alpha = \eta\rho$ and $\beta = p\alpha$ (Zhang et al. 2015, ``zhang2015deep``), at every
    step whose number is a multiple of ``period`` ($\tau$ in the paper; 1 = every step):

    $$x^i \leftarrow x^i - \eta\, g^i(x^i) - \alpha\,(x^i - \tilde x), \qquad
      \tilde x \leftarrow \tilde x + \alpha \sum_i (x^i - \tilde x) = \tilde x + \beta\,(\bar x - \tilde x),$$

    both from the same differences (the elastic force is symmetric); at other steps only the
    workers take their SGD step. ``grad_fn(x, t)`` gets all workers at once, shape ``(p, d)``
    (a stepwise gradient, e.g. each worker's own mini-batch). ``x0`` of shape ``(d,)`` starts all
    workers and the centre there; of shape ``(p, d)`` it starts each worker at its row and the
    centre at ``center0`` (default: the workers' mean). Stability needs $0 \le \beta \le 1$ (the
    paper's condition on the centre).
    """
    p = integer("p", p, low=1)
    real("eta", eta, low=0, array=False)
    real("rho", rho, low=0, array=False)
    steps, period = integer("steps", steps, low=0), integer("period", period, low=1)
    alpha = eta * rho
    beta = p * alpha
    if beta > 1:
        raise ValueError(f"beta = p * eta * rho must be at most 1 for a stable centre, got {beta:g}")
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim == 2 and x0.shape[0] != p:
        raise ValueError(f"x0 of shape (p, d) needs p = {p} rows, got shape {x0.shape}")
    x = np.broadcast_to(x0, (p,) + x0.shape[-1:]).copy()
    center = (x.mean(axis=0) if center0 is None else np.array(center0, dtype=float)) if x0.ndim == 2 else x0.copy()
    centers, xs = [center.copy()], [x.copy()]
    for t in range(steps):
        g = run.at_step(grad_fn, t)(x)
        if t % period == 0:
            diff = x - center                                   # x^i - x~, one row per worker
            x = x - eta * g - alpha * diff
            center = center + alpha * diff.sum(axis=0)          # = center + beta * (mean_i x^i - center)
        else:
            x = x - eta * g
        centers.append(center.copy())
        xs.append(x.copy())
    return EASGDResult(np.array(centers), np.array(xs))
