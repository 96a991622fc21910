"""The training step of a small CNN (fastconv/bench/train_step.py): one
forward and backward pass with fastconv.nn (method 'auto', and 'winograd'
on the dense 3x3 layers) against torch autograd, each checked against a
float64 recomputation first.  ``pytest bench/bench_train.py
--benchmark-only``; threads from FASTCONV_BENCH_THREADS (default 1).  The
same case runs in ``python -m fastconv.bench --only 'train_step*'``, which
also measures peak memory."""
import pytest

pytest.importorskip("pytest_benchmark")

FAMILY = "train"


def test_train_step(run_case, case, contender):
    run_case(case, contender)
