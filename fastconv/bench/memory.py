"""Peak extra memory of one call, measured in a fresh process.

tracemalloc sees only Python's allocator, not the C mallocs of fastconv,
OpenBLAS, oneDNN or torch, so the measurement reads the kernel's own
accounting of the process's resident memory in /proc/self/status:

1. A subprocess (``python -m fastconv.bench.memory CASE CONTENDER``) imports
   the libraries, builds the case's inputs and prepares the call.
2. It reads VmRSS, resets the peak (VmHWM) to it by writing ``5`` to
   /proc/self/clear_refs (Linux >= 4.0), makes the call and reads VmHWM:
   **first-call extra** = VmHWM - VmRSS before.  This includes one-time
   set-up (thread pools, primitive caches) and the output array.
3. It frees the result, reads VmRSS again (what the first call kept:
   **retained**), resets the peak, calls again: **steady extra** = VmHWM -
   VmRSS before the second call.  This is what a call costs on top of what is
   already there, the output array included (its size is reported apart).

The child runs with ``MALLOC_MMAP_THRESHOLD_=131072``: glibc then serves
every block of 128 KiB or more by mmap and returns it to the system on
free, so memory freed by the first call cannot hide the second call's peak
(by default glibc raises that threshold dynamically after such frees), and
with ``FASTCONV_BLOCK_CACHE_MB=0``, for the same reason: fastconv's cache of
freed blocks (``fastconv.set_block_cache_bytes``) would otherwise hand the
first call's freed result to the second call.
Resident memory counts pages touched, so an allocated but unused buffer
costs nothing, as it costs nothing on the machine.

Without a writable clear_refs (not Linux, or a restricted kernel) the child
falls back to the VmHWM increase over the whole process lifetime, reported
with ``method = 'hwm-increase'`` (a lower bound of the first-call extra; no
steady value).
"""
import gc
import json
import os
import subprocess
import sys

MMAP_THRESHOLD = 131072
CHILD_TIMEOUT_SECONDS = 900


def status_kib(field):
    """A ``kB`` field of /proc/self/status (VmRSS, VmHWM) in KiB, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak():
    """Reset VmHWM to the current VmRSS; False if this kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _nbytes(result):
    if isinstance(result, (tuple, list)):   # a training step's gradients and activations
        return sum(_nbytes(r) for r in result)
    if hasattr(result, "nbytes"):
        return int(result.nbytes)
    return int(result.numel() * result.element_size())   # a torch tensor


def peak_of_call(call):
    """Measure `call` in this process as described in the module docstring.

    Returns
    -------
    dict
        Sizes in bytes: ``first_call_extra``, ``retained``, ``steady_extra``
        (None without clear_refs), ``output_bytes``, ``baseline_rss``, and
        ``method``.
    """
    gc.collect()
    rss0 = status_kib("VmRSS")
    if rss0 is None:
        raise OSError("/proc/self/status is not readable: peak memory cannot be measured here")
    if not reset_peak():
        hwm0 = status_kib("VmHWM")
        result = call()
        extra = max(0, status_kib("VmHWM") - max(hwm0, rss0))
        return {"method": "hwm-increase", "baseline_rss": rss0 * 1024, "first_call_extra": extra * 1024,
                "retained": None, "steady_extra": None, "output_bytes": _nbytes(result)}
    result = call()
    first = status_kib("VmHWM") - rss0
    output_bytes = _nbytes(result)
    del result
    gc.collect()
    rss1 = status_kib("VmRSS")
    reset_peak()
    result = call()
    steady = status_kib("VmHWM") - rss1
    del result
    return {"method": "clear_refs", "baseline_rss": rss0 * 1024, "first_call_extra": first * 1024,
            "retained": (rss1 - rss0) * 1024, "steady_extra": steady * 1024,
            "output_bytes": output_bytes}


def child_main(argv):
    """``python -m fastconv.bench.memory CASE CONTENDER``: print one JSON line."""
    from fastconv.bench import grid
    from fastconv.bench.contenders import Unavailable, contenders_for

    case_name, contender_name = argv
    case = grid.find_case(case_name)
    by_name = {c.name: c for c in contenders_for(case)}
    if contender_name not in by_name:
        raise SystemExit(f"no contender {contender_name!r} for {case_name} (have {sorted(by_name)})")
    try:
        call = by_name[contender_name].prepare(case, case.make_inputs())
    except Unavailable as exc:
        print(json.dumps({"error": str(exc)}))
        return
    print(json.dumps(peak_of_call(call)))


def _child_environment():
    env = dict(os.environ)
    env["MALLOC_MMAP_THRESHOLD_"] = str(MMAP_THRESHOLD)
    env["FASTCONV_BLOCK_CACHE_MB"] = "0"
    # the child must import this same fastconv, wherever it came from
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


def measure(case, contender_name, timeout=CHILD_TIMEOUT_SECONDS):
    """Peak extra memory of `contender_name` on `case`, measured in a subprocess.

    Returns
    -------
    dict
        The child's measurement (see `peak_of_call`), or ``{'error': ...}``.
    """
    command = [sys.executable, "-m", "fastconv.bench.memory", case.name, contender_name]
    try:
        done = subprocess.run(command, env=_child_environment(), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit code {done.returncode}: {tail}"}
    return json.loads(lines[-1])


if __name__ == "__main__":
    child_main(sys.argv[1:])
