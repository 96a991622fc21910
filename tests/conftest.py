"""Shared pytest configuration: a deterministic hypothesis profile (the same
examples on every run, as SciPy and NumPy do), and the `slow` marker."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fastconv",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("fastconv"), max_examples=1000)
settings.load_profile(os.environ.get("FASTCONV_HYPOTHESIS_PROFILE", "fastconv"))
