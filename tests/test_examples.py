"""The worked examples of the foundation issue and the README, and the demo."""
import subprocess
import sys

import numpy as np
import pytest
import scipy.signal

import fastconv

METHODS = ["direct", "im2col", "auto"]


@pytest.mark.parametrize("method", METHODS)
def test_convolve_textbook_example(method):
    got = fastconv.convolve([1, 0.5, 1, 1], [1, 0.5, 0.25], method=method)
    np.testing.assert_array_equal(got, [1, 1, 1.5, 1.625, 0.75, 0.25])
    np.testing.assert_array_equal(got, np.convolve([1, 0.5, 1, 1], [1, 0.5, 0.25]))


@pytest.mark.parametrize("method", METHODS)
def test_minus_one_one_minus_one_kernel_finds_the_peaks(method):
    """Correlating with [-1, 1, -1] in 'valid' mode scores x[n] - x[n-1] - x[n+1]:
    its largest outputs sit at the local peaks of the signal."""
    rng = np.random.default_rng(0)
    n = 2000
    t = np.arange(n)
    x = 0.2 * np.sin(2 * np.pi * t / 500) + 0.01 * rng.standard_normal(n)
    peaks = np.array([150, 700, 1234, 1800])
    x[peaks] += [3.0, 2.5, 4.0, 2.0]
    score = fastconv.correlate(x, [-1, 1, -1], "valid", method=method)
    found = np.sort(np.argsort(score)[-len(peaks):] + 1)   # 'valid' output n is centred on n + 1
    np.testing.assert_array_equal(found, peaks)
    np.testing.assert_allclose(score, np.correlate(x, [-1, 1, -1], "valid"), rtol=1e-12, atol=1e-12)


def _gaussian(size, sigma):
    ax = np.arange(size) - (size - 1) / 2
    g = np.exp(-(ax[:, None] ** 2 + ax[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", [3, 7])
def test_gaussian_blur_preserves_the_mean_with_symmetric_boundary(method, size):
    """With half-sample symmetric extension, what a symmetric kernel loses over
    one edge it gains back from the mirror: the mean is preserved."""
    rng = np.random.default_rng(1)
    img = rng.random((64, 80))
    img[20:40, 30:50] += 2.0
    blurred = fastconv.convolve2d(img, _gaussian(size, 1.2), "same", "symm", method=method)
    assert blurred.shape == img.shape
    assert abs(blurred.mean() - img.mean()) < 1e-12
    assert blurred.std() < img.std()      # it is a blur
    np.testing.assert_allclose(blurred, scipy.signal.convolve2d(img, _gaussian(size, 1.2), "same", "symm"),
                               rtol=1e-12, atol=1e-12)


def test_readme_quick_example_lines_run():
    rng = np.random.default_rng(2)
    a, v = rng.standard_normal(20), rng.standard_normal(5)
    img, k = rng.standard_normal((12, 10)), rng.standard_normal((3, 3))
    np.testing.assert_allclose(fastconv.correlate(a, v, "same"), np.correlate(a, v, "same"))
    np.testing.assert_allclose(fastconv.convolve2d(img, k, "same", boundary="symm"),
                               scipy.signal.convolve2d(img, k, "same", boundary="symm"))
    np.testing.assert_allclose(fastconv.correlate2d(img, k, "valid"),
                               scipy.signal.correlate2d(img, k, "valid"))
    np.testing.assert_allclose(fastconv.convolve(a, v, method="im2col"), np.convolve(a, v))


def test_docstring_examples():
    import doctest

    import fastconv._signal
    results = doctest.testmod(fastconv._signal, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted >= 5 and results.failed == 0


def test_demo_runs_and_checks_every_result():
    proc = subprocess.run([sys.executable, "-m", "fastconv"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "numpy.convolve" in proc.stdout and "scipy.signal.convolve2d" in proc.stdout
    assert "keeps the mean" in proc.stdout
    assert "nn.conv2d" in proc.stdout and "convolve_backward" in proc.stdout and "gallery" in proc.stdout


# --- the example gallery (examples/plot_*.py) ---------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
GALLERY = sorted((ROOT / "examples").glob("*.py"))


def test_gallery_has_the_examples_of_the_issue():
    if not (ROOT / "examples").is_dir():
        pytest.skip("no examples/ here (tests run from an unpacked sdist)")
    names = {p.stem for p in GALLERY}
    assert {"plot_convolution_by_hand", "plot_flip", "plot_filters", "plot_learn_a_filter",
            "plot_cnn_digits", "plot_speed"} <= names


def test_gallery_data_ships_with_the_packages():
    """The examples read only files that scikit-learn and scikit-image ship in
    their wheels: nothing is downloaded when they run."""
    import importlib.util
    import pathlib
    for package, files in [("sklearn", ["datasets/data/digits.csv.gz", "datasets/images/china.jpg"]),
                           ("skimage", ["data/camera.png"])]:
        spec = importlib.util.find_spec(package)
        if spec is None:
            pytest.skip(f"{package} is not installed (pip install -e '.[docs]')")
        base = pathlib.Path(spec.origin).parent
        for name in files:
            assert (base / name).is_file(), f"{package} does not ship {name}"


@pytest.mark.parametrize("script", GALLERY, ids=lambda p: p.stem)
def test_gallery_example_runs_in_fast_mode(script, tmp_path):
    for package in ("matplotlib", "sklearn", "skimage"):
        pytest.importorskip(package)
    if "import dask" in script.read_text(encoding="utf-8"):
        pytest.importorskip("dask.array")
    import os
    env = dict(os.environ, FASTCONV_EXAMPLES_FAST="1", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
