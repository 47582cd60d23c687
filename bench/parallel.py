"""Parallel SGD on this machine: ratios measured side by side in one run (chapter 5).

* Hogwild! (gdlib.parallel.hogwild): one epoch of a sparse logistic regression (200,000 examples,
  10 of 100,000 features each) by 2 lock-free processes, 2 processes holding a lock around every
  update, and 1 process; updates per second and the loss after the epoch.
* Synchronous data parallelism (gdlib.distributed, gloo on the CPU, one thread per process):
  seconds per SGD step of a two-layer network on a global batch of 2048, two processes with
  DistributedDataParallel (half the batch each) vs one process, for a small and a large width.

Each configuration runs ``--repeats`` times, interleaved; the medians are compared. Run it on an
otherwise idle machine: with 2 cores, any other load takes a core from one of the workers.

    python bench/parallel.py [--repeats 3]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gdlib import parallel  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs; load average {load:.2f} (ideally below 0.5)")
    if load > 1:
        print("  the machine is busy: Linux's autogroup scheduler shares the CPU between sessions, so all the\n"
              "  processes started here together get about one session's share, and wall-clock ratios say\n"
              "  little; the updates per CPU-second below still show whether each process slows the others.")

    data = parallel.sparse_logistic(n=200_000, d=100_000, k=10, rng=np.random.default_rng(0))
    eta = 0.1
    configs = {"1 process": dict(processes=1), "2 lock-free": dict(processes=2), "2 locked": dict(processes=2, lock=True)}
    rates, losses, cpu = {k: [] for k in configs}, {k: [] for k in configs}, {k: [] for k in configs}
    for _ in range(args.repeats):
        for name, cfg in configs.items():
            r = parallel.hogwild(data, eta, **cfg)
            rates[name].append(r.rate)
            cpu[name].append(r.cpu_rate)
            losses[name].append(r.loss)
    rate = {k: float(np.median(v)) for k, v in rates.items()}
    print("\nHogwild! (one epoch, 200,000 updates; medians of", args.repeats, "runs)")
    for name in configs:
        print(f"  {name:12s} {rate[name] / 1e3:8.0f} thousand updates/s (wall clock), "
              f"{np.median(cpu[name]) / 1e3:6.0f} thousand per CPU-second   loss {np.median(losses[name]):.4f}")
    print(f"  ratio 2 lock-free / 1 process: {rate['2 lock-free'] / rate['1 process']:.2f}")
    print(f"  ratio 2 locked    / 1 process: {rate['2 locked'] / rate['1 process']:.2f}")
    print(f"  ratio locked / lock-free:      {rate['2 locked'] / rate['2 lock-free']:.2f}")
    eff = np.median(cpu["2 lock-free"]) / np.median(cpu["1 process"])
    print(f"  updates per CPU-second, 2 lock-free / 1 process: {eff:.2f} "
          "(the wall-clock ratio an idle 2-core machine would reach is about twice this)")

    from gdlib import distributed
    widths = [16, 512]
    tasks = [("steps", dict(widths=widths, n=2048, d_in=64, d_out=8, steps=20))] * args.repeats
    runs = [distributed.spawn([t], world=2)["steps"] for t in tasks]
    print("\nDistributedDataParallel, 2 processes vs 1 (global batch 2048, one thread per process; medians)")
    for w in widths:
        one = np.median([r[w]["one process"] for r in runs])
        two = np.median([r[w]["2 processes"] for r in runs])
        print(f"  width {w:4d} ({runs[0][w]['params']:6,d} parameters): 1 process {1e3 * one:7.2f} ms/step, "
              f"2 processes {1e3 * two:7.2f} ms/step, speedup {one / two:.2f}")


if __name__ == "__main__":
    main()
