#!/usr/bin/env bash
# The sdist is complete: build it, install it (not the source tree) into a
# fresh virtual environment, import it from outside any source tree, and run
# a few of the tests it carries against the installed package.
# Usage: bash .ci/sdist_check.sh   (from anywhere; pip's cache is reused)
set -euo pipefail
cd "$(dirname "$0")/.."

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# 1. build the sdist (isolated: only pyproject.toml's build requirements)
python3 -m venv "$WORK/build-venv"
"$WORK/build-venv/bin/python" -m pip install --quiet --upgrade pip build
"$WORK/build-venv/bin/python" -m build --sdist --outdir "$WORK/dist" . >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; exit 1; }
SDIST="$(ls "$WORK"/dist/fastconv-*.tar.gz)"
echo "sdist: $(basename "$SDIST") ($(du -k "$SDIST" | cut -f1) KiB)"

# 2. no build output may be in it; the files the build needs must be
tar -tzf "$SDIST" >"$WORK/contents.txt"
if grep -E '\.(so|o|a|pyd)$|fastconv/_ext/[^/]*\.c$|/build/' "$WORK/contents.txt"; then
    echo "sdist contains build outputs (above)"; exit 1
fi
for needed in LICENSE setup.py fastconv/_ext/_blas_threads.pyx fastconv/_ext/cfastconv.pxd \
              csrc/fastconv.h fastconv/data/auto_model.json tests/conftest.py; do
    grep -q "/$needed\$" "$WORK/contents.txt" || { echo "sdist lacks $needed"; exit 1; }
done

# 3. install it in a fresh venv with the test extra, then test the installed package
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/venv/bin/python" -m pip install --quiet "fastconv[test] @ file://$SDIST"
mkdir "$WORK/run" && tar -xzf "$SDIST" -C "$WORK/run" --strip-components=1 --wildcards '*/tests/*'
cd "$WORK/run"   # no fastconv/ here: the import must find the installed package
"$WORK/venv/bin/python" - <<'PY'
import numpy as np, fastconv, importlib.metadata as md
assert "site-packages" in fastconv.__file__, fastconv.__file__
assert fastconv.__version__ == md.version("fastconv") != "0+unknown"
assert (fastconv.convolve([1, 2], [1, 1]) == np.array([1, 3, 2])).all()
assert md.metadata("fastconv")["License-Expression"] == "BSD-3-Clause"
import pathlib
installed = pathlib.Path(fastconv.__file__).parent
for typed in ("py.typed", "__init__.pyi", "nn.pyi", "dask/__init__.pyi", "dask/nn.pyi"):
    assert (installed / typed).exists(), f"{typed} is not installed"
import fastconv.dask
print(f"sdist install ok: fastconv {fastconv.__version__} from {fastconv.__file__}")
PY
"$WORK/venv/bin/python" -m pytest -q -x -p no:cacheprovider tests/test_examples.py tests/test_reference.py
