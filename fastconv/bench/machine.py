"""This machine: CPU, cores, memory, load, library versions, and its GEMM
rate measured in the same run (the denominator of the "% sgemm" column)."""
import datetime
import os
import platform
import statistics
import sys

import numpy as np

from fastconv.bench import threads
from fastconv.bench.timing import time_call

#: Libraries whose versions the report records, with the distributions that
#: provide them (looked up without importing the library: torch takes seconds).
LIBRARIES = {
    "fastconv": ("fastconv",),
    "numpy": ("numpy",),
    "scipy": ("scipy",),
    "cv2": ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless",
            "opencv-contrib-python"),
    "torch": ("torch",),
    "matplotlib": ("matplotlib",),
}


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags():
    """The SIMD features that matter for convolution kernels."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f") if f in flags]
    except OSError:
        pass
    return []


def memory_gib():
    """Total memory in GiB (None if unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def library_versions(libraries=LIBRARIES):
    """``{module: version or None}``: the loaded module's ``__version__`` when it
    is imported already, else the installed distribution's version."""
    from importlib import metadata

    versions = {}
    for module_name, distributions in libraries.items():
        module = sys.modules.get(module_name)
        version = getattr(module, "__version__", None) if module is not None else None
        for dist in distributions:
            if version is not None:
                break
            try:
                version = metadata.version(dist)
            except metadata.PackageNotFoundError:
                pass
        versions[module_name] = None if version is None else str(version)
    return versions


def blas_info():
    """NumPy's BLAS (name and version), as numpy's build configuration says."""
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:   # the configuration's format is not part of NumPy's API
        return "unknown"


def describe():
    """Everything about the machine and the software, for the JSON and header."""
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores_logical": os.cpu_count(),
        "cores_available": threads.available_cores(),
        "memory_gib": memory_gib(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy_blas": blas_info(),
        "libraries": library_versions(),
        "threads": threads.describe(),
        "load_average_at_start": load,
    }


def gemm_rate(dtype="float32", size=1024, repeats=9):
    """Median GFLOP/s of a square ``size`` GEMM through ``numpy.matmul``.

    Returns
    -------
    dict
        ``{'dtype', 'size', 'gflops_median', 'gflops_best', 'spread', 'n'}``.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    time_call(lambda: a @ b)
    seconds = [time_call(lambda: a @ b)[0] for _ in range(repeats)]
    median = statistics.median(seconds)
    flops = 2 * size**3
    return {"dtype": str(dtype), "size": size, "gflops_median": flops / median / 1e9,
            "gflops_best": flops / min(seconds) / 1e9,
            "spread": (max(seconds) - min(seconds)) / median, "n": repeats}
