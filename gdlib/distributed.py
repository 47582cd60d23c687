r"""Synchronous data-parallel SGD on a real engine: ``torch.distributed`` (gloo backend, CPU).

Each of $p$ processes holds a full copy of the model and a $1/p$ share of the global batch; after
the backward pass the gradients are averaged by an **all-reduce**, so every copy takes the step

$$\theta \leftarrow \theta - \eta\,\frac1p \sum_{r=1}^{p} \nabla J_r(\theta),$$

which, with equal shares and a mean loss, is exactly the one-process step on the global batch.
Three ways to do the averaging are here, all giving that step: :func:`ring_allreduce_` (the ring
algorithm written by hand with point-to-point sends), ``torch.distributed.all_reduce`` called by
hand on every gradient, and ``DistributedDataParallel`` (which buckets the gradients and overlaps
their all-reduce with the backward pass) (Paszke et al. 2019, ``paszke2019pytorch``).

Entry points: :func:`spawn` runs :func:`_worker` in ``world`` fresh processes (start method
``spawn``; the worker is importable because it lives here) and returns rank 0's results;
``python -m gdlib.distributed`` is the script ``torchrun`` launches (:func:`main`). Every process
group is shut down with a ``barrier()`` before ``destroy_process_group()`` (gloo otherwise lets a
fast rank leave while a slow one is still talking to it). Each process uses one thread, standing in
for one machine. torch is imported here only, so ``import gdlib`` does not need it.
"""
import argparse
import datetime
import os
import socket
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist


def free_port():
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ring_allreduce_(tensor):
    r"""Sum ``tensor`` over all ranks in place with the ring algorithm, by hand (``send``/``recv``).

    The flat tensor is cut into $p$ chunks. *Reduce-scatter*: in $p-1$ rounds each rank sends one
    chunk to its right neighbour and adds the chunk it receives from its left one; afterwards rank
    $r$ holds the full sum of chunk $r+1$. *All-gather*: $p-1$ more rounds pass the finished chunks
    around. Each rank sends $2(p-1)/p$ times the tensor's size in total, independent of $p$: the
    reason rings scale (the cost model's bandwidth term).
    """
    rank, p = dist.get_rank(), dist.get_world_size()
    if p == 1:
        return tensor
    flat = tensor.view(-1)
    chunks = list(torch.tensor_split(flat, p))
    right, left = (rank + 1) % p, (rank - 1) % p
    for step in range(p - 1):                                   # reduce-scatter
        send, recv = (rank - step) % p, (rank - step - 1) % p
        buf = torch.empty_like(chunks[recv])
        req = dist.isend(chunks[send].contiguous(), right)
        dist.recv(buf, left)
        req.wait()
        chunks[recv] += buf
    for step in range(p - 1):                                   # all-gather
        send, recv = (rank + 1 - step) % p, (rank - step) % p
        buf = torch.empty_like(chunks[recv])
        req = dist.isend(chunks[send].contiguous(), right)
        dist.recv(buf, left)
        req.wait()
        chunks[recv].copy_(buf)
    return tensor


def mlp(d_in, width, d_out, seed, dtype=torch.float64):
    """A two-layer tanh network with a seeded initialisation (the same on every rank)."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(d_in, width), torch.nn.Tanh(),
                               torch.nn.Linear(width, d_out)).to(dtype)


def batch(n, d_in, d_out, seed, dtype=torch.float64):
    """A seeded regression batch ``(X, Y)`` (the same on every rank; each rank takes its rows)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d_in, generator=g, dtype=dtype)
    return X, torch.sin(X[:, :d_out]) + 0.1 * torch.randn(n, d_out, generator=g, dtype=dtype)


def flat_params(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


def sgd(model, X, Y, eta, steps, average=None):
    r"""``steps`` steps of $\theta \leftarrow \theta - \eta \nabla J$, $J$ the mean squared error on ``(X, Y)``.

    ``average(model)`` (if given) replaces every gradient by its mean over the ranks before the step.
    """
    for _ in range(steps):
        model.zero_grad()
        torch.nn.functional.mse_loss(model(X), Y).backward()
        if average is not None:
            average(model)
        with torch.no_grad():
            for q in model.parameters():
                q -= eta * q.grad


def average_by_ring(model):
    """Average every gradient over the ranks with :func:`ring_allreduce_` (one flat buffer)."""
    grads = [q.grad for q in model.parameters()]
    flat = torch.cat([g.reshape(-1) for g in grads])
    ring_allreduce_(flat)
    flat /= dist.get_world_size()
    for g, piece in zip(grads, torch.split(flat, [g.numel() for g in grads])):
        g.copy_(piece.view_as(g))


def average_by_allreduce(model):
    """Average every gradient over the ranks with one ``dist.all_reduce`` call per parameter."""
    for q in model.parameters():
        dist.all_reduce(q.grad, op=dist.ReduceOp.SUM)
        q.grad /= dist.get_world_size()


def _shard(X, Y, rank, world):
    rows = torch.tensor_split(torch.arange(X.shape[0]), world)[rank]
    return X[rows], Y[rows]


def _equal(rank, world, cfg):
    """Final parameters after ``steps`` steps: one process on the global batch vs three data-parallel ways."""
    d_in, width, d_out, n, steps, eta = (cfg[k] for k in ("d_in", "width", "d_out", "n", "steps", "eta"))
    X, Y = batch(n, d_in, d_out, seed=1)
    Xr, Yr = _shard(X, Y, rank, world)
    out = {}
    if rank == 0:
        ref = mlp(d_in, width, d_out, seed=0)
        sgd(ref, X, Y, eta, steps)
        out["one process"] = flat_params(ref)
    for name, average in (("ring all-reduce by hand", average_by_ring), ("dist.all_reduce by hand", average_by_allreduce)):
        model = mlp(d_in, width, d_out, seed=0)
        sgd(model, Xr, Yr, eta, steps, average)
        out[name] = flat_params(model)
    ddp = torch.nn.parallel.DistributedDataParallel(mlp(d_in, width, d_out, seed=0))
    sgd(ddp, Xr, Yr, eta, steps)
    out["DistributedDataParallel"] = flat_params(ddp.module)
    return out


def _allreduce_times(rank, world, cfg):
    """Median seconds of one ``dist.all_reduce`` of float32 tensors of each size in ``cfg['bytes']``."""
    times = {}
    for nbytes in cfg["bytes"]:
        t = torch.ones(max(nbytes // 4, 1), dtype=torch.float32)
        reps = []
        for _ in range(cfg["reps"] + 2):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(t)
            reps.append(time.perf_counter() - start)
        times[nbytes] = float(np.median(reps[2:]))               # the first two are warm-up
    return times


def _step_times(rank, world, cfg):
    """Seconds per SGD step: ``world`` DDP processes on 1/world of the batch each, then one process on all of it."""
    out = {}
    for width in cfg["widths"]:
        X, Y = batch(cfg["n"], cfg["d_in"], cfg["d_out"], seed=1, dtype=torch.float32)
        Xr, Yr = _shard(X, Y, rank, world)
        ddp = torch.nn.parallel.DistributedDataParallel(mlp(cfg["d_in"], width, cfg["d_out"], 0, torch.float32))
        sgd(ddp, Xr, Yr, 1e-3, 2)                                  # warm-up
        dist.barrier()
        start = time.perf_counter()
        sgd(ddp, Xr, Yr, 1e-3, cfg["steps"])
        dist.barrier()
        parallel = (time.perf_counter() - start) / cfg["steps"]
        single = None
        if rank == 0:                                               # the other ranks wait at the barrier
            model = mlp(cfg["d_in"], width, cfg["d_out"], 0, torch.float32)
            sgd(model, X, Y, 1e-3, 2)
            start = time.perf_counter()
            sgd(model, X, Y, 1e-3, cfg["steps"])
            single = (time.perf_counter() - start) / cfg["steps"]
        dist.barrier()
        params = sum(q.numel() for q in ddp.module.parameters())
        out[width] = {"params": params, "bytes": 4 * params, "one process": single, f"{world} processes": parallel}
    return out


TASKS = {"equal": _equal, "allreduce": _allreduce_times, "steps": _step_times}


def _worker(rank, world, port, tasks, path):
    """One rank: join the gloo group on 127.0.0.1:``port``, run ``tasks`` in order, leave cleanly."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=300))     # an error, not a hang, if a rank is lost
    try:
        results = {name: TASKS[name](rank, world, cfg) for name, cfg in tasks}
    finally:
        dist.barrier()
        dist.destroy_process_group()
    if rank == 0:
        torch.save(results, path)


def spawn(tasks, world=2):
    """Run ``tasks`` (a list of ``(name, config)``) on ``world`` spawned ranks; rank 0's results as a dict."""
    import torch.multiprocessing as tmp
    if not 1 <= int(world) <= 64:
        raise ValueError(f"world must be an integer in [1, 64], got {world!r}")
    for name, _ in tasks:
        if name not in TASKS:
            raise ValueError(f"task must be one of {sorted(TASKS)}, got {name!r}")
    with tempfile.TemporaryDirectory() as tmpdir:
        path = os.path.join(tmpdir, "rank0.pt")
        tmp.start_processes(_worker, args=(world, free_port(), list(tasks), path), nprocs=world,
                            join=True, start_method="spawn")
        return torch.load(path)


def main(argv=None):
    """The script ``torchrun`` launches: DDP training of :func:`mlp` on a global batch split over the ranks.

    ``torchrun --standalone --nproc-per-node=2 -m gdlib.distributed --steps 20`` on one machine;
    on several, the same command with ``--nnodes``, ``--node-rank`` and ``--rdzv-endpoint``.
    Rank 0 prints the loss before and after, and the largest difference between its parameters
    and one-process SGD on the whole batch.
    """
    ap = argparse.ArgumentParser(prog="python -m gdlib.distributed")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--eta", type=float, default=0.1)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    dist.init_process_group("gloo")                          # rank, world size, address: from torchrun's environment
    rank, world = dist.get_rank(), dist.get_world_size()
    X, Y = batch(args.n, 8, 2, seed=1)
    Xr, Yr = _shard(X, Y, rank, world)
    ddp = torch.nn.parallel.DistributedDataParallel(mlp(8, args.width, 2, seed=0))
    with torch.no_grad():
        before = torch.nn.functional.mse_loss(ddp.module(X), Y).item()
    sgd(ddp, Xr, Yr, args.eta, args.steps)
    if rank == 0:
        ref = mlp(8, args.width, 2, seed=0)
        sgd(ref, X, Y, args.eta, args.steps)
        with torch.no_grad():
            after = torch.nn.functional.mse_loss(ddp.module(X), Y).item()
        gap = (flat_params(ddp.module) - flat_params(ref)).abs().max().item()
        print(f"{world} processes, {args.steps} DDP steps: loss {before:.4f} -> {after:.4f}; "
              f"largest difference from one-process SGD {'< 1e-12' if gap < 1e-12 else f'{gap:.1e}'}")
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
