"""fastconv.dask on a LocalCluster against dask-image and the in-memory call
(issue 14): an 8192 x 8192 float32 image in 1024 x 1024 chunks blurred with a
5 x 5 kernel, 'same' output with the half-sample symmetric boundary (SciPy's
'symm' = scipy.ndimage's 'reflect', dask-image's default).

    python bench/bench_dask.py                  # the issue's case
    python bench/bench_dask.py --size 4096 --workers 2 --repeat 3
    python bench/bench_dask.py --scheduler threads   # Dask's threads, no cluster

Timed: the filtering of an image already held by the workers (persisted),
until the result is held by the workers too (``persist`` + ``wait``); the
in-memory call on the same image in this process, at fastconv's default
thread count.  Each contender is timed `repeat` times and the best is kept;
the results are checked against each other.  Needs dask[array], distributed
and dask-image (``pip install dask-image``).
"""
import argparse
import os
import platform
import time

import numpy as np


def best_of(repeat, run, forget=None):
    """Best time of `repeat` calls of run(); forget(result) drops a result
    from the cluster, so that the next call computes it again."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
        if forget is not None:
            forget(result)
    return min(times), times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--chunk", type=int, default=1024)
    parser.add_argument("--kernel", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-progress", action="store_true", help="hide Dask's progress bar")
    parser.add_argument("--scheduler", choices=["distributed", "threads"], default="distributed",
                        help="a LocalCluster of worker processes (default), or Dask's threaded "
                             "scheduler in this process")
    args = parser.parse_args(argv)

    import dask.array as da
    import distributed
    from dask_image import ndfilters

    import fastconv
    import fastconv.dask

    kernel = np.full((args.kernel, args.kernel), 1.0 / args.kernel**2, dtype=np.float32)
    print(f"{args.size}x{args.size} float32 in {args.chunk}x{args.chunk} chunks, "
          f"{args.kernel}x{args.kernel} blur, 'same', symmetric boundary; LocalCluster of "
          f"{args.workers} processes x {args.threads_per_worker} thread(s); "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"fastconv ISA {fastconv.isa()}")

    if args.scheduler == "threads":
        return threaded(args, kernel, da, ndfilters, fastconv)

    with distributed.LocalCluster(n_workers=args.workers,
                                  threads_per_worker=args.threads_per_worker,
                                  processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        image = da.random.default_rng(0).random((args.size, args.size), dtype=np.float32,
                                                chunks=args.chunk)
        image = client.persist(image)
        distributed.wait(image)

        def on_cluster(build):
            out = client.persist(build())
            if not args.no_progress:
                distributed.progress(out, notebook=False)
            distributed.wait(out)
            return out

        ours = lambda: fastconv.dask.convolve2d(image, kernel, "same", "symm")   # noqa: E731
        theirs = lambda: ndfilters.convolve(image, kernel, mode="reflect")      # noqa: E731
        def forget(out):
            client.cancel(out)
            time.sleep(0.5)

        # alternate the contenders, so that a change of the machine's load
        # during the run does not favour one of them
        all_ours, all_theirs = [], []
        for _ in range(args.repeat):
            all_ours += best_of(1, lambda: on_cluster(ours), forget)[1]
            all_theirs += best_of(1, lambda: on_cluster(theirs), forget)[1]
        t_ours, t_theirs = min(all_ours), min(all_theirs)
        print(f"\nall times: fastconv.dask {all_ours}, dask_image {all_theirs}")

        # the same result: compare both outputs on the cluster, chunk by chunk
        a, b = on_cluster(ours), on_cluster(theirs)
        scale = float(abs(image).max().compute())
        max_diff = float(abs(a - b).max().compute())
        eps = np.finfo(np.float32).eps * args.kernel**2 * scale
        print(f"max |fastconv.dask - dask_image| = {max_diff:.3g} (bound {4 * eps:.3g})")
        assert max_diff <= 4 * eps, "fastconv.dask and dask_image disagree"

        local_image = image.compute()
        local_out = a.compute()
    del a, b

    t_memory, _ = best_of(args.repeat,
                       lambda: fastconv.convolve2d(local_image, kernel, "same", "symm"))
    memory_out = fastconv.convolve2d(local_image, kernel, "same", "symm")
    max_mem = float(np.abs(memory_out - local_out).max())
    print(f"max |fastconv.dask - fastconv in memory| = {max_mem:.3g}")

    report("LocalCluster", t_ours, t_theirs, t_memory)


def report(where, t_ours, t_theirs, t_memory):
    print(f"\n{'contender':<44}{'best time':>11}")
    print(f"{f'fastconv.dask.convolve2d ({where})':<44}{t_ours:>10.3f}s")
    print(f"{f'dask_image.ndfilters.convolve ({where})':<44}{t_theirs:>10.3f}s")
    print(f"{'fastconv.convolve2d (in memory)':<44}{t_memory:>10.3f}s")
    print(f"\ndask_image / fastconv.dask        = {t_theirs / t_ours:.2f}x  (issue: >= 2x)")
    print(f"fastconv.dask / in-memory fastconv = {t_ours / t_memory:.2f}x  (issue: <= 1.3x)")


def threaded(args, kernel, da, ndfilters, fastconv):
    """The same comparison on Dask's threaded scheduler (GIL released in the
    C kernels), the image in this process's memory."""
    import dask
    import dask.diagnostics

    image = np.random.default_rng(0).random((args.size, args.size), dtype=np.float32)
    lazy = da.from_array(image, chunks=args.chunk)
    ours = fastconv.dask.convolve2d(lazy, kernel, "same", "symm")
    theirs = ndfilters.convolve(lazy, kernel, mode="reflect")
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        if not args.no_progress:
            with dask.diagnostics.ProgressBar():
                ours.compute()
        t_ours, _ = best_of(args.repeat, ours.compute)
        t_theirs, _ = best_of(args.repeat, theirs.compute)
        a, b = ours.compute(), theirs.compute()
    t_memory, _ = best_of(args.repeat, lambda: fastconv.convolve2d(image, kernel, "same", "symm"))
    memory_out = fastconv.convolve2d(image, kernel, "same", "symm")
    print(f"max |fastconv.dask - dask_image| = {float(np.abs(a - b).max()):.3g}; "
          f"max |fastconv.dask - in memory| = {float(np.abs(a - memory_out).max()):.3g}")
    report(f"{args.workers} threads", t_ours, t_theirs, t_memory)


if __name__ == "__main__":
    main()
