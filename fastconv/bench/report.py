"""Turns a `RunResult` into the printed table (text or Markdown), the memory
table of the CNN cases, and the JSON record."""
import dataclasses
import json

from fastconv.bench.contenders import FASTCONV_METHODS
from fastconv.bench.timing import gflops

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


def _time_cell(result, notes):
    if result is None:
        return "-"
    if result.status == "skipped":
        return "skip" + notes.ref(f"{result.name}: {result.note}")
    if result.status == "error":
        return "ERROR" + notes.ref(f"{result.name}: {result.note}")
    cell = format_seconds(result.timing.median)
    if result.timing.spread >= 0.005:
        cell += f" ±{result.timing.spread * 100:.0f}%"
    return cell


def _check_cell(case_result, notes):
    ours = [r for r in case_result.contenders if r.is_fastconv and r.ok]
    if not ours:
        return "-"
    wrong = [r.method for r in ours if r.correct is False]
    if wrong:
        for r in ours:
            if r.correct is False:
                notes.ref(f"{case_result.name} {r.name}: {r.verdict.reason}")
        return "FAIL(" + ",".join(wrong) + ")"
    if any(r.correct is None for r in ours):
        return "n/a" + notes.ref(f"{case_result.name}: {case_result.check_note}")
    return "pass"


def rows(run):
    """The table's rows (lists of strings, COLUMNS order) and its footnotes."""
    notes = _Notes()
    table = []
    for case_result in run.cases:
        name = case_result.name
        if case_result.skipped:
            table.append([name, "skip" + notes.ref(case_result.skipped)] + [""] * (len(COLUMNS) - 2))
            continue
        row = [name] + [_time_cell(case_result.fastconv(m), notes) for m in FASTCONV_METHODS]
        best = case_result.best_anchor()
        if best is None:
            row += ["none", "-"]
        else:
            row += [best.name, _time_cell(best, notes)]
        ratio = case_result.ratio()
        row.append("-" if ratio is None else f"{ratio:.2f}")
        auto = case_result.fastconv("auto")
        if auto is not None and auto.ok:
            rate = gflops(case_result.case.flops, auto.timing.median)
            row += [f"{rate:.2f}", f"{rate / run.sgemm_gflops * 100:.1f}"]
        else:
            row += ["-", "-"]
        row.append(_check_cell(case_result, notes))
        for anchor in case_result.anchors():
            if anchor.correct is False:
                notes.ref(f"{name} anchor {anchor.name} is wrong: {anchor.verdict.reason}")
            if anchor.status == "error":
                notes.ref(f"{name} anchor {anchor.name}: {anchor.note}")
            if anchor.status == "skipped":
                notes.ref(f"{anchor.name}: {anchor.note}")
        table.append(row)
    return table, notes.texts


def memory_rows(run):
    """Rows of the memory table: one per measured contender of a CNN case."""
    table = []
    for case_result in run.cases:
        for result in case_result.contenders:
            m = result.memory
            if not m:
                continue
            if "error" in m:
                table.append([case_result.name, result.name, "error: " + m["error"], "", "", ""])
                continue
            table.append([case_result.name, result.name, format_bytes(m["first_call_extra"]),
                          format_bytes(m["steady_extra"]), format_bytes(m["retained"]),
                          format_bytes(m["output_bytes"])])
    return table


MEMORY_COLUMNS = ("case", "contender", "first-call extra", "steady extra", "retained", "output")


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


def header_lines(run):
    """The lines above the table: software, machine, threads, GEMM rates."""
    m = run.machine
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    threads = m["threads"]
    requested = threads["requested"]
    sg, dg = run.gemm["float32"], run.gemm["float64"]
    load = m.get("load_average_at_start")
    lines = [
        f"fastconv benchmark, {m['date']}: {libs}",
        f"machine: {m['cpu_model']} ({', '.join(m['cpu_flags'])}), {m['cores_available']} of "
        f"{m['cores_logical']} cores available, {m['memory_gib']:.1f} GiB; {m['platform']}; "
        f"Python {m['python']}; numpy BLAS {m['numpy_blas']}",
        f"threads: {requested if requested else 'not limited'}"
        + (" (OMP/OpenBLAS/MKL variables set before import; torch.set_num_threads, cv2.setNumThreads)"
           if requested else ""),
        f"sgemm (numpy float32 matmul, {sg['size']}^3): {sg['gflops_median']:.1f} GFLOP/s, median of "
        f"{sg['n']} (best {sg['gflops_best']:.1f}, spread {sg['spread'] * 100:.0f}%); "
        f"dgemm: {dg['gflops_median']:.1f} GFLOP/s",
    ]
    if load:
        lines.append(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
                     + (" (other processes are using the cores: expect noise)" if load[0] > 0.5 else ""))
    lines.append("times: median per call, samples alternated between contenders after a warm-up; "
                 "±: (max - min) / median")
    lines.append("ratio: best anchor time / fastconv[auto] time (> 1: fastconv is faster); "
                 "GFLOP/s, %sgemm: fastconv[auto]'s; check: every fastconv method vs a float64 "
                 "reference, |err| <= 4 K eps max(|x|*|w|)")
    return lines


def render(run, fmt="text", verbose=False):
    """The whole report as a string; `fmt` is 'text' or 'markdown'."""
    table, notes = rows(run)
    make = _markdown_table if fmt == "markdown" else _text_table
    parts = ["\n".join(header_lines(run)), make(COLUMNS, table)]
    mem = memory_rows(run)
    if mem:
        parts.append("peak extra memory of one call (CNN cases; measured in a subprocess per call "
                     "from /proc/self/status VmHWM, see fastconv.bench.memory):\n"
                     + make(MEMORY_COLUMNS, mem))
    if verbose:
        parts.append("every contender:\n" + make(DETAIL_COLUMNS, detail_rows(run)))
    if notes:
        parts.append("notes:\n" + "\n".join(f"[{i}] {t}" for i, t in enumerate(notes, 1)))
    parts.append(f"total time: {run.seconds:.0f} s for {len(run.cases)} cases")
    return "\n\n".join(parts) + "\n"


DETAIL_COLUMNS = ("case", "contender", "median", "samples", "GFLOP/s", "check")


def detail_rows(run):
    """Every contender of every case (for --verbose)."""
    table = []
    notes = _Notes()
    for case_result in run.cases:
        for r in case_result.contenders:
            if not r.ok:
                table.append([case_result.name, r.name, f"{r.status}: {r.note}", "", "", ""])
                continue
            check = "-" if r.verdict is None else ("pass" if r.verdict.ok else "FAIL")
            table.append([case_result.name, r.name, _time_cell(r, notes),
                          f"{len(r.timing.samples)}x{r.timing.calls_per_sample}",
                          f"{gflops(case_result.case.flops, r.timing.median):.2f}", check])
    return table


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
    return {"format": "fastconv.bench/1", "machine": run.machine, "gemm": run.gemm,
            "settings": run.settings, "seconds": run.seconds, "cases": cases}


def write_json(run, path):
    with open(path, "w") as f:
        json.dump(to_json(run), f, indent=1, default=str)
        f.write("\n")
