"""gdlib's BFGS, L-BFGS and Newton-CG against scipy.optimize.minimize: iterations, evaluations, time.

Both sides stop at the same test, max|grad f| <= 1e-5 (gdlib.second_order.scipy_minimize switches
off scipy's other stopping tests and ends scipy's run at the first iterate that passes). Prints,
for Rosenbrock (2-D) and the extended Rosenbrock function (10-D, 100-D) from (-1.2, 1, -1.2, 1, ...):
gdlib's iterations over scipy's (issue 11 asks for at most 1.25), the evaluation counts, and the
wall-time ratio measured in this run (best of --repeats). Then the same iteration ratio as the
median over --starts perturbed starts, where the blocks of the extended function differ, and what
BFGS's initial scaling H0 = (s'y / y'y) I is worth.

    python bench/second_order.py [--repeats 5] [--starts 20]
"""
import argparse
import time

import numpy as np

from gdlib import functions, second_order

PAIRS = [("BFGS", second_order.bfgs), ("L-BFGS-B", second_order.lbfgs), ("Newton-CG", second_order.newton_cg)]
LIMIT = 1.25


def best_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def standard_starts(repeats):
    worst = 0.0
    print(f"{'problem':<24} {'method':<10} {'gdlib nit':>9} {'scipy nit':>9} {'ratio':>6}   "
          f"{'gdlib f/g/H evals':>17}   {'scipy f/g/H evals':>17}   {'time ratio':>10}")
    for n in (2, 10, 100):
        obj, x0 = functions.extended_rosenbrock(n), np.tile([-1.2, 1.0], n // 2)
        for method, ours in PAIRS:
            mine, ref = ours(obj, x0), second_order.scipy_minimize(obj, x0, method)
            assert mine.success and ref.success, (n, method, mine.message, ref.message)
            ratio = mine.nit / ref.nit
            worst = max(worst, ratio)
            t_ratio = (best_time(lambda: ours(obj, x0), repeats)
                       / best_time(lambda: second_order.scipy_minimize(obj, x0, method), repeats))
            counts = lambda r: f"{r.nfev}/{r.njev}/{r.nhev}"  # noqa: E731
            print(f"{obj.name:<24} {method:<10} {mine.nit:9d} {ref.nit:9d} {ratio:6.2f}   "
                  f"{counts(mine):>17}   {counts(ref):>17}   {t_ratio:10.2f}")
    return worst


def perturbed_starts(starts):
    rng = np.random.default_rng(2024)
    print(f"\nmedian over {starts} starts (-1.2, 1, ...) + N(0, 0.3^2) per coordinate")
    print(f"{'problem':<24} {'method':<10} {'gdlib nit':>9} {'scipy nit':>9} {'ratio':>6}")
    for n in (2, 10, 100):
        obj = functions.extended_rosenbrock(n)
        X0 = np.tile([-1.2, 1.0], n // 2) + 0.3 * rng.standard_normal((starts, n))
        for method, ours in PAIRS:
            a = np.median([ours(obj, x0).nit for x0 in X0])
            b = np.median([second_order.scipy_minimize(obj, x0, method).nit for x0 in X0])
            print(f"{obj.name:<24} {method:<10} {a:9.1f} {b:9.1f} {a / b:6.2f}")


def initial_scaling():
    print("\nBFGS and its first inverse-Hessian approximation H0 (standard start)")
    for n in (2, 10, 100):
        obj, x0 = functions.extended_rosenbrock(n), np.tile([-1.2, 1.0], n // 2)
        scaled, identity = second_order.bfgs(obj, x0), second_order.bfgs(obj, x0, scale_H0=False)
        ref = second_order.scipy_minimize(obj, x0, "BFGS")
        print(f"{obj.name:<24} gdlib scaled H0: {scaled.nit:4d}   gdlib H0 = I: {identity.nit:4d}   "
              f"scipy (H0 = I): {ref.nit:4d}")


def main(repeats, starts):
    worst = standard_starts(repeats)
    print(f"\nlargest iteration ratio: {worst:.2f} (limit {LIMIT})")
    perturbed_starts(starts)
    initial_scaling()
    if worst > LIMIT:
        raise SystemExit(f"an iteration ratio exceeds {LIMIT}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--starts", type=int, default=20)
    main(**vars(parser.parse_args()))
