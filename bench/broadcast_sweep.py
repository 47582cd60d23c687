"""How much faster is one broadcast call than many separate ones?

1,000 learning rates x 1,000 Adam steps on Rosenbrock: one call with theta0 of shape (1000, 2)
and eta of shape (1000, 1), against 1,000 calls with one learning rate each. Prints both times,
their ratio (measured in this run), and whether the numbers are identical.

    python bench/broadcast_sweep.py [--runs 1000] [--steps 1000]
"""
import argparse
import time
import warnings

import numpy as np

from gdlib import functions, optimizers
from gdlib.run import DivergenceWarning, minimize


def main(runs, steps):
    etas = np.logspace(-4, 0, runs)
    theta0 = np.array([-1.5, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        start = time.perf_counter()
        together = minimize(functions.rosenbrock, optimizers.adam(eta=etas[:, None]),
                            np.tile(theta0, (runs, 1)), steps)
        t_broadcast = time.perf_counter() - start

        start = time.perf_counter()
        separate = [minimize(functions.rosenbrock, optimizers.adam(eta=eta), theta0, steps) for eta in etas]
        t_separate = time.perf_counter() - start

    stacked = np.stack([s.thetas for s in separate], axis=1)
    identical = np.array_equal(together.thetas, stacked, equal_nan=True)
    best = np.nanargmin(together.values[-1])
    print(f"Adam on Rosenbrock, {runs} learning rates x {steps} steps")
    print(f"  one broadcast call : {t_broadcast:8.3f} s")
    print(f"  {runs} separate calls: {t_separate:8.3f} s")
    print(f"  ratio (separate / broadcast): {t_separate / t_broadcast:.0f}x   (target: at least 50x)")
    print(f"  identical paths: {identical}")
    print(f"  best eta {etas[best]:.3g}: f = {together.values[-1, best]:.3g}")
    if not identical:
        raise SystemExit("broadcast and separate runs differ")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=1000)
    main(**vars(parser.parse_args()))
