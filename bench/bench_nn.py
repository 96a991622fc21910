"""CNN layers (float32 NCHW / NCL): fastconv.nn conv1d/conv2d forward and
conv*_backward (grad_input, grad_weight), every method, against torch
(torch.nn.functional.conv1d/conv2d, torch.nn.grad.conv*_input/_weight).
fastconv.nn cases are skipped while fastconv.nn is not importable; torch
ones when torch is not installed."""
import pytest

pytest.importorskip("pytest_benchmark")

FAMILY = "cnn"


def test_layer(run_case, case, contender):
    run_case(case, contender)
