"""Turns a run into its record (plain data, what --json writes), and a
record into the printed report: the table (text or Markdown), the memory
table of the CNN cases and the notes.  Rendering works from the record alone,
so a saved run can be printed again (``--report PATH``)."""
import dataclasses
import json

from fastconv.bench.contenders import FASTCONV_METHODS
from fastconv.bench.timing import gflops

FORMAT = "fastconv.bench/1"
COLUMNS = ("case", *FASTCONV_METHODS, "best anchor", "anchor time", "ratio", "GFLOP/s", "%sgemm", "check")


def format_seconds(seconds):
    """3 significant digits with a unit: '512 ns', '12.3 µs', '1.23 ms', '4.56 s'."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            value = seconds / scale
            break
    else:
        unit, value = "ns", seconds / 1e-9
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"{value:.{digits}f} {unit}"


def format_bytes(n):
    if n is None:
        return "-"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


class _Notes:
    """Numbered footnotes for skipped/failed cells (same text, same number)."""

    def __init__(self):
        self.texts = []

    def ref(self, text):
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"


def _time_cell(entry, notes):
    if entry is None:
        return "-"
    if entry["status"] == "skipped":
        return "skip" + notes.ref(entry["note"])
    if entry["status"] == "error":
        return "ERROR" + notes.ref(f"{entry['name']}: {entry['note']}")
    t = entry["timing"]
    cell = format_seconds(t["median_s"])
    if t["spread"] >= 0.005:
        cell += f" ±{t['spread'] * 100:.0f}%"
    if entry["note"]:
        cell += notes.ref(f"{entry['name']}: {entry['note']}")
    return cell


def _correct(entry):
    """True, False, or None when not checked."""
    return None if "check" not in entry else entry["check"]["ok"]


def _fastconv(case, method):
    for entry in case["contenders"]:
        if entry["is_fastconv"] and entry["method"] == method:
            return entry
    return None


def _by_name(case, name):
    return next((e for e in case["contenders"] if e["name"] == name), None)


def _check_cell(case, notes):
    ours = [e for e in case["contenders"] if e["is_fastconv"] and e["status"] == "ok"]
    if not ours:
        return "-"
    wrong = [e for e in ours if _correct(e) is False]
    if wrong:
        for e in wrong:
            notes.ref(f"{case['name']} {e['name']}: {e['check']['reason']}")
        return "FAIL(" + ",".join(e["method"] for e in wrong) + ")"
    if any(_correct(e) is None for e in ours):
        return "n/a" + notes.ref(case["check_note"])
    return "pass"


def rows(record):
    """The table's rows (lists of strings, COLUMNS order) and its footnotes."""
    notes = _Notes()
    sgemm = record["gemm"]["float32"]["gflops_median"]
    table = []
    for case in record["cases"]:
        name = case["name"]
        if case["skipped"]:
            table.append([name, "skip" + notes.ref(case["skipped"])] + [""] * (len(COLUMNS) - 2))
            continue
        row = [name] + [_time_cell(_fastconv(case, m), notes) for m in FASTCONV_METHODS]
        best = _by_name(case, case["best_anchor"]) if case["best_anchor"] else None
        row += ["none", "-"] if best is None else [best["name"], _time_cell(best, notes)]
        ratio = case["ratio_best_anchor_over_fastconv_auto"]
        row.append("-" if ratio is None else f"{ratio:.2f}")
        auto = _fastconv(case, "auto")
        if auto is not None and auto["status"] == "ok":
            rate = auto["gflops"]
            row += [f"{rate:.2f}", f"{rate / sgemm * 100:.1f}"]
        else:
            row += ["-", "-"]
        row.append(_check_cell(case, notes))
        for anchor in case["contenders"]:
            if anchor["is_fastconv"]:
                continue
            if _correct(anchor) is False:
                notes.ref(f"{name} anchor {anchor['name']} is wrong: {anchor['check']['reason']}")
            if anchor["status"] == "error":
                notes.ref(f"{name} anchor {anchor['name']}: {anchor['note']}")
            if anchor["status"] == "skipped":
                notes.ref(f"{anchor['name']}: {anchor['note']}")
        table.append(row)
    return table, notes.texts


MEMORY_COLUMNS = ("case", "contender", "first-call extra", "steady extra", "retained", "output")


def memory_rows(record):
    """Rows of the memory table: one per measured contender of a CNN case."""
    table = []
    for case in record["cases"]:
        for entry in case["contenders"]:
            m = entry.get("memory")
            if not m:
                continue
            if "error" in m:
                table.append([case["name"], entry["name"], "error: " + m["error"], "", "", ""])
                continue
            table.append([case["name"], entry["name"], format_bytes(m["first_call_extra"]),
                          format_bytes(m["steady_extra"]), format_bytes(m["retained"]),
                          format_bytes(m["output_bytes"])])
    return table


DETAIL_COLUMNS = ("case", "contender", "median", "samples", "GFLOP/s", "check")


def detail_rows(record):
    """Every contender of every case (for --verbose)."""
    table = []
    notes = _Notes()
    for case in record["cases"]:
        for e in case["contenders"]:
            if e["status"] != "ok":
                table.append([case["name"], e["name"], f"{e['status']}: {e['note']}", "", "", ""])
                continue
            check = {None: "-", True: "pass", False: "FAIL"}[_correct(e)]
            t = e["timing"]
            table.append([case["name"], e["name"], _time_cell(e, notes),
                          f"{t['n_samples']}x{t['calls_per_sample']}", f"{e['gflops']:.2f}", check])
    return table


def _text_table(header, body):
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown_table(header, body):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def header_lines(record):
    """The lines above the table: software, machine, threads, GEMM rates."""
    m = record["machine"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    requested = m["threads"]["requested"]
    sg, dg = record["gemm"]["float32"], record["gemm"]["float64"]
    load = m.get("load_average_at_start")
    lines = [
        f"fastconv benchmark, {m['date']}: {libs}",
        f"machine: {m['cpu_model']} ({', '.join(m['cpu_flags'])}), {m['cores_available']} of "
        f"{m['cores_logical']} cores available, {m['memory_gib']:.1f} GiB; {m['platform']}; "
        f"Python {m['python']}; numpy BLAS {m['numpy_blas']}",
        f"threads: {requested if requested else 'not limited'}"
        + (" (OMP/OpenBLAS/MKL variables set before import; torch.set_num_threads, cv2.setNumThreads)"
           if requested and m["threads"]["environment"].get("OMP_NUM_THREADS") == str(requested)
           else " (torch and OpenCV only: BLAS was loaded before the limit was set)" if requested else ""),
        f"sgemm (numpy float32 matmul, {sg['size']}^3): {sg['gflops_median']:.1f} GFLOP/s, median of "
        f"{sg['n']} (best {sg['gflops_best']:.1f}, spread {sg['spread'] * 100:.0f}%); "
        f"dgemm: {dg['gflops_median']:.1f} GFLOP/s",
    ]
    if load:
        end = m.get("load_average_at_end")
        lines.append(f"load average (1/5/15 min) at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
                     + (f", at end: {end[0]:.2f} {end[1]:.2f} {end[2]:.2f}" if end else "")
                     + "  (> 0 before the run: other processes share the cores, expect noise)")
    contended = contention(record)
    if contended is not None:
        lines.append(f"contention: {contended * 100:.0f}% of fastconv's timed samples had less than 80% of a "
                     "core (process CPU time / wall time): other processes were running on its core")
    lines.append("times: median per call, samples alternated between contenders after a warm-up; "
                 "±: (max - min) / median")
    lines.append("ratio: best anchor time / fastconv[auto] time (> 1: fastconv is faster); "
                 "GFLOP/s, %sgemm: fastconv[auto]'s; check: every fastconv method vs a float64 "
                 "reference, |err| <= 4 K eps max(|x|*|w|)")
    return lines


def contention(record, below=0.8):
    """Fraction of fastconv's samples with a CPU share under `below` (None if
    there are none).  fastconv's kernels use one thread, so a lower share
    means the process waited for its core."""
    shares = [share for case in record["cases"] for e in case["contenders"]
              if e["is_fastconv"] and "timing" in e for share in e["timing"].get("cpu_shares", [])]
    if not shares:
        return None
    return sum(share < below for share in shares) / len(shares)


def render(record, fmt="text", verbose=False):
    """The whole report of a run record (`to_json`) as a string; `fmt` is
    'text' or 'markdown'."""
    table, notes = rows(record)
    make = _markdown_table if fmt == "markdown" else _text_table
    head = header_lines(record)
    if fmt == "markdown":
        head = [f"- {line}" for line in head]
    parts = ["\n".join(head), make(COLUMNS, table)]
    mem = memory_rows(record)
    if mem:
        parts.append("peak extra memory of one call (CNN cases and training steps; measured in "
                     "a subprocess per call from /proc/self/status VmHWM, see fastconv.bench.memory):\n"
                     + make(MEMORY_COLUMNS, mem))
    if verbose:
        parts.append("every contender:\n" + make(DETAIL_COLUMNS, detail_rows(record)))
    if notes:
        parts.append("notes:\n" + "\n".join(f"[{i}] {t}" for i, t in enumerate(notes, 1)))
    parts.append(f"total time: {record['seconds']:.0f} s for {len(record['cases'])} cases")
    return "\n\n".join(parts) + "\n"


def to_json(run):
    """The run as plain data (json.dumps-able)."""
    cases = []
    for case_result in run.cases:
        case = case_result.case
        contenders = []
        for r in case_result.contenders:
            entry = {"name": r.name, "library": r.library, "method": r.method,
                     "is_fastconv": r.is_fastconv, "status": r.status, "note": r.note}
            if r.timing is not None:
                entry["timing"] = r.timing.as_dict()
                entry["gflops"] = gflops(case.flops, r.timing.median)
            if r.verdict is not None:
                entry["check"] = dataclasses.asdict(r.verdict)
            if r.memory is not None:
                entry["memory"] = r.memory
            contenders.append(entry)
        best = case_result.best_anchor()
        cases.append({
            "name": case_result.name, "family": case.family, "dtype": case.dtype,
            "parameters": dataclasses.asdict(case), "flops": case.flops, "taps": case.taps,
            "skipped": case_result.skipped, "check_note": case_result.check_note,
            "ratio_best_anchor_over_fastconv_auto": case_result.ratio(),
            "best_anchor": best.name if best else None,
            "seconds": case_result.seconds, "load_average": case_result.load_average,
            "contenders": contenders,
        })
    return {"format": FORMAT, "machine": run.machine, "gemm": run.gemm,
            "settings": run.settings, "seconds": run.seconds, "cases": cases}


def write_json(record, path):
    """Write a run record as JSON."""
    with open(path, "w") as f:
        json.dump(record, f, indent=1, default=str)
        f.write("\n")


def read_json(path):
    """A run record written by `write_json`."""
    with open(path) as f:
        record = json.load(f)
    if record.get("format") != FORMAT:
        raise ValueError(f"{path} is not a fastconv.bench result (format {record.get('format')!r})")
    return record


def fastconv_failures(record):
    """(case, contender) names of fastconv results that were wrong or raised."""
    return [(case["name"], e["name"]) for case in record["cases"] for e in case["contenders"]
            if e["is_fastconv"] and (e["status"] == "error" or _correct(e) is False)]
