#!/usr/bin/env bash
# Sanitizer build: the C core and the Cython drivers compiled with
# AddressSanitizer + UndefinedBehaviorSanitizer, in a venv of its own, then a
# representative subset of the tests run under them.  Any sanitizer report
# fails the script (exit status 1) and is printed.
#
#   .ci/sanitize.sh                 # from the repository root, or anywhere
#   SANITIZE_TESTS="tests/test_x.py" .ci/sanitize.sh     # another subset
#
# What it does, so that it can be repeated by hand (docs/guide/reliability.rst):
#  1. copies the source tree (without build outputs: build/, *.so, the
#     Cython-generated .c files) to a scratch directory, so no object file
#     of the regular build is reused;
#  2. builds it there (editable install, no build isolation) in a fresh
#     venv with CFLAGS/LDFLAGS = -fsanitize=address,undefined
#     -fno-omit-frame-pointer (setuptools adds the environment's CFLAGS and
#     LDFLAGS to every compile and link, also the C core library's);
#  3. runs pytest with the ASan runtime preloaded (the Python interpreter
#     itself is not instrumented, and ASan must be the first library
#     loaded), leak detection off (CPython keeps objects alive at exit on
#     purpose), allocator_may_return_null=1 (a huge request returns NULL, as
#     without ASan, so the MemoryError paths stay testable), every report
#     written to a log directory and UBSan stopping at the first report;
#  4. fails if pytest fails or if any report was written.
#
# The subset (about a minute of tests under the sanitizers on 2 cores, after
# a 1-2 minute build): every op, method and ISA level through the
# guard-buffer tests, the regression tests of issue 11, the signal and nn
# value tests, the backward passes, bad input (error paths) and the stress
# tests (threads, repeated calls, huge sizes).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

TESTS=${SANITIZE_TESTS:-"tests/test_guard_buffers.py tests/test_regressions.py
    tests/test_signal_values.py tests/test_signal_errors.py tests/test_nn_values.py
    tests/test_nn_errors.py tests/test_signal_backward.py tests/test_stress.py
    tests/test_batch.py tests/test_nn_dense_kernel.py"}

# Not under ASan: this test caps the address space (RLIMIT_AS), which ASan's
# shadow memory cannot live with; test_stress.py covers the same huge sizes.
DESELECT=(--deselect tests/test_nn_errors.py::test_zero_stride_views_of_absurd_size_fail_cleanly)

step() { echo "sanitize.sh: $1 (${SECONDS}s so far)"; }

WORK="$(mktemp -d)"
SRC="$WORK/src"
LOGS="$WORK/sanitizer-logs"
mkdir -p "$SRC" "$LOGS"

# 1. a clean copy of the sources
step "copying the sources to $SRC"
tar --exclude=./build --exclude=./.git --exclude='*.so' --exclude='*.egg-info' \
    --exclude='./fastconv/_ext/*.c' --exclude=__pycache__ --exclude=.pytest_cache \
    --exclude=.hypothesis -cf - . | tar -xf - -C "$SRC"

# 2. a venv of its own, the package built with the sanitizers
step "making the venv"
python3 -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet "setuptools>=68" "Cython>=3.0" "numpy>=2.0" "scipy>=1.11" \
    "threadpoolctl>=3.1" "pytest>=7" "hypothesis>=6.80"
SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -g"
CC_PLAIN="${CC:-gcc}"
# CFLAGS / LDFLAGS reach every compile and shared-library link; CC carries the
# flags too because setup.py's OpenMP probe links an executable, which
# LDFLAGS does not reach (without them the probe fails and the build drops
# OpenMP).  -O1: the sanitizers' usual level, and -O3 with them takes minutes
# per SIMD file.
step "building with $SAN_FLAGS"
(cd "$SRC" && CC="$CC_PLAIN $SAN_FLAGS" CFLAGS="$SAN_FLAGS" LDFLAGS="$SAN_FLAGS" \
    FASTCONV_OPT_FLAG=-O1 "$PY" -m pip install --quiet --no-build-isolation -e .)

# 3. the tests under the sanitizers
LIBASAN="$($CC_PLAIN -print-file-name=libasan.so)"
if [ ! -e "$LIBASAN" ]; then
    echo "sanitize.sh: no libasan.so for $CC_PLAIN" >&2
    exit 2
fi
SAN_ENV=(LD_PRELOAD="$LIBASAN"
    ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:halt_on_error=1:log_path=$LOGS/asan"
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LOGS/ubsan")
# the sanitized build must have OpenMP: the threaded paths are part of what it checks
if ! (cd "$SRC" && env "${SAN_ENV[@]}" "$PY" -c \
        "from fastconv._ext import _runtime; assert _runtime.openmp_enabled()"); then
    echo "sanitize.sh: the sanitized build has no OpenMP" >&2
    exit 2
fi
status=0
step "running the tests under the sanitizers"
# shellcheck disable=SC2086
(cd "$SRC" && env "${SAN_ENV[@]}" "$PY" -m pytest -q -p no:cacheprovider "${DESELECT[@]}" \
    $TESTS) || status=$?
step "tests done"

# 4. any report fails the run, whatever pytest said.  The one line that is
# not a report: ASan's warning that an impossible allocation returned NULL
# (allocator_may_return_null=1; the MemoryError tests ask for terabytes).
BENIGN="WARNING: AddressSanitizer failed to allocate 0x[0-9a-f]* bytes$"
if compgen -G "$LOGS/*" > /dev/null; then
    grep -h -v "$BENIGN" "$LOGS"/* > "$WORK/reports.txt" || true
    echo "sanitize.sh: $( (grep -h "$BENIGN" "$LOGS"/* || true) | wc -l) refused huge allocations (expected)"
    if [ -s "$WORK/reports.txt" ]; then
        echo "sanitize.sh: sanitizer reports:" >&2
        cat "$WORK/reports.txt" >&2
        status=1
    fi
fi
if [ "$status" -ne 0 ]; then
    echo "sanitize.sh: FAILED (status $status)" >&2
    exit "$status"
fi
rm -rf "$WORK"
echo "sanitize.sh: no sanitizer reports"
