"""Pictures and tables drawn when the documentation is built.

``build_all(out_dir, results_dir)`` writes into ``out_dir``:

- ``modes.png``: what 'full', 'same' and 'valid' return for an image and a
  blur kernel, drawn at the same scale;
- ``boundaries.png``: what 'fill', 'wrap' and 'symm' feed the kernel beyond
  the image's edge, and a blur under each;
- for each ``results_dir/*.json`` saved by ``python -m fastconv.bench --json``:
  ``bench-<stem>.png`` (the ratio chart of ``fastconv.bench.plot``) and
  ``bench-<stem>.rst`` (the run's header and its table);
- ``bench_results.rst``, which includes them all (the benchmark page
  includes it).

Everything comes from fastconv itself, the bench JSON files, and an image that
scikit-image ships (``skimage.data.camera``); nothing is downloaded.
"""
import csv
import io
import json
import pathlib

import numpy as np

import fastconv


def _camera(size=128):
    """scikit-image's 'camera' (512x512 uint8, shipped in its wheel), as floats
    in [0, 1], downsampled by block means to ``size`` x ``size``."""
    from skimage import data
    img = data.camera().astype(np.float64) / 255.0
    f = img.shape[0] // size
    return img[: size * f, : size * f].reshape(size, f, size, f).mean(axis=(1, 3))


def draw_modes(path):
    import matplotlib.pyplot as plt
    img = _camera(96)
    k = np.ones((25, 25)) / 625.0                        # a 25x25 box blur
    outs = {m: fastconv.convolve2d(img, k, m) for m in ("full", "same", "valid")}
    big = outs["full"].shape[0]
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.3))
    panels = [("input: " + "x".join(map(str, img.shape)), img)] + [
        (f"'{m}': " + "x".join(map(str, o.shape)), o) for m, o in outs.items()]
    for ax, (title, a) in zip(axes, panels):
        off = (big - a.shape[0]) / 2                    # centre every panel on one scale
        ax.imshow(a, cmap="gray", vmin=0, vmax=1,
                  extent=(off, off + a.shape[1], off + a.shape[0], off))
        ax.set_xlim(0, big)
        ax.set_ylim(big, 0)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.add_patch(plt.Rectangle((off, off), a.shape[1], a.shape[0], fill=False,
                                   edgecolor="tab:red", linewidth=1))
    fig.suptitle("convolve2d(image, 25x25 box blur, mode): every position where the kernel "
                 "touches the image ('full'), the image's shape ('same'), only where it fits "
                 "('valid')", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def draw_boundaries(path):
    import matplotlib.pyplot as plt
    img = _camera(96)[10:74, 16:80]                      # 64x64: the face and the camera
    p = 32                                               # show 32 pixels beyond each edge
    delta = np.zeros((2 * p + 1, 2 * p + 1))
    delta[p, p] = 1.0                                    # 'full' with a centred delta = the extension
    blur = np.ones((15, 15)) / 225.0
    cases = [("fill (fillvalue=0)", dict(boundary="fill")),
             ("fill (fillvalue=1)", dict(boundary="fill", fillvalue=1)),
             ("wrap", dict(boundary="wrap")),
             ("symm", dict(boundary="symm"))]
    fig, axes = plt.subplots(2, 4, figsize=(11, 5.6))
    for col, (name, kw) in enumerate(cases):
        extended = fastconv.correlate2d(img, delta, "full", **kw)
        ax = axes[0, col]
        ax.imshow(extended, cmap="gray", vmin=0, vmax=1)
        ax.add_patch(plt.Rectangle((p - 0.5, p - 0.5), img.shape[1], img.shape[0], fill=False,
                                   edgecolor="tab:red", linewidth=1.2))
        ax.set_title(f"boundary='{name.split()[0]}'" + (" " + name.split(" ", 1)[1]
                                                         if " " in name else ""), fontsize=10)
        ax = axes[1, col]
        ax.imshow(fastconv.convolve2d(img, blur, "same", **kw), cmap="gray", vmin=0, vmax=1)
        ax.set_title("15x15 blur, 'same'", fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("what the kernel sees\n(image in red)")
    axes[1, 0].set_ylabel("the blurred image")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _escape(cell):
    out = str(cell)
    for ch in "\\*|`_":
        out = out.replace(ch, "\\" + ch)
    return out


def bench_rst(record, stem, png_name):
    """The reStructuredText of one saved run: a header, the chart, the table."""
    from fastconv.bench import report
    table, notes = report.rows(record)
    m = record["machine"]
    threads = m["threads"]["requested"] or "not limited"
    title = f"{stem}: {len(record['cases'])} cases, {threads} thread(s), {m['date'][:16]} UTC"
    lines = [title, "~" * len(title), "",
             f"Raw data: ``bench/results/{stem}.json``; "
             f"``python -m fastconv.bench --report bench/results/{stem}.json`` prints it again.", "",
             ".. code-block:: text", ""]
    lines += ["   " + line for line in report.header_lines(record)]
    lines += ["", f".. image:: /_generated/{png_name}", f"   :alt: ratio chart of {stem}", "   :width: 100%", ""]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in table:
        w.writerow([_escape(c) for c in row])
    lines += [".. csv-table::", "   :header: " + ", ".join(f'"{c}"' for c in report.COLUMNS),
              "   :class: fastconv-bench", ""]
    lines += ["   " + line for line in buf.getvalue().splitlines()]
    lines.append("")
    if notes:
        lines += ["Notes:", ""]
        lines += [f"{i}. {_escape(t)}" for i, t in enumerate(notes, 1)]
        lines.append("")
    mem = report.memory_rows(record)
    if mem:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for row in mem:
            w.writerow([_escape(c) for c in row])
        lines += ["Peak extra memory of one call (measured in a fresh subprocess per contender):", "",
                  ".. csv-table::",
                  "   :header: " + ", ".join(f'"{c}"' for c in report.MEMORY_COLUMNS), ""]
        lines += ["   " + line for line in buf.getvalue().splitlines()]
        lines.append("")
    return "\n".join(lines)


def draw_benchmarks(out_dir, results_dir):
    from fastconv.bench import plot
    parts = []
    for path in sorted(pathlib.Path(results_dir).glob("*.json")):
        record = json.loads(path.read_text())
        png = f"bench-{path.stem}.png"
        plot.plot_ratios(record, out_dir / png)
        (out_dir / f"bench-{path.stem}.rst").write_text(bench_rst(record, path.stem, png))
        parts.append(f".. include:: /_generated/bench-{path.stem}.rst")
    if not parts:
        parts.append("No saved results in ``bench/results``.")
    (out_dir / "bench_results.rst").write_text("\n\n".join(parts) + "\n")


def build_all(out_dir, results_dir):
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    draw_modes(out_dir / "modes.png")
    draw_boundaries(out_dir / "boundaries.png")
    draw_benchmarks(out_dir, results_dir)
    (out_dir / "goals.rst").write_text(goals_table(results_dir)[0])


# --- the README's headline table ------------------------------------------
#: (results file stem prefix, case name, the function fastconv replaces)
HEADLINE_CASES = [
    ("signal-1thread", "conv1d-full-float32-n100000-k3", "numpy.convolve"),
    ("signal-1thread", "conv1d-full-float32-n100000-k31", "numpy.convolve"),
    ("signal-1thread", "conv1d-full-float64-n1000000-k10001", "scipy.signal.convolve"),
    ("signal-1thread", "conv2d-same-float32-512x512-k3x3", "scipy.signal.convolve2d"),
    ("signal-1thread", "conv2d-same-float32-2048x2048-k5x5", "scipy.signal.convolve2d"),
    ("signal-1thread", "conv2d-same-float64-2048x2048-k31x31", "scipy.signal.convolve"),
    ("signal-1thread", "batch1d-same-float32-1000x4096-k31", "loop of numpy.convolve"),
    ("signal-1thread", "lags-full-float64-n1000000-maxlag100", "scipy.signal.correlate + slice"),
    ("cnn-1thread", "nn.conv2d-forward-float32-N16-C64-56x56-K64-3x3-p1-resnet3x3", "torch F.conv2d"),
    ("cnn-1thread", "nn.conv2d-grad_input-float32-N32-C1-28x28-K32-5x5-p2-mnist", "torch grad.conv2d_input"),
    ("cnn-1thread", "nn.conv2d-grad_weight-float32-N16-C64-56x56-K256-1x1-pointwise", "torch grad.conv2d_weight"),
    ("cnn-1thread", "nn.conv2d-forward-float32-N16-C128-28x28-K128-3x3-p1g128-depthwise", "torch F.conv2d"),
    ("cnn-1thread", "train_step-float32-N32-C3-32x32-32-64-64-10-small_cnn", "torch autograd step"),
]


def readme_headline_table(results_dir):
    """The Markdown table that README.md shows between its ``bench-table``
    markers, computed from the newest saved run of each kind at 1 thread and
    at 2 threads (a test checks that the README holds exactly this), and the
    files it read."""
    from fastconv.bench import report
    records = {}
    for prefix in {p for p, _, _ in HEADLINE_CASES} | {
            p.replace("1thread", "2threads") for p, _, _ in HEADLINE_CASES}:
        source, record = _newest(results_dir, prefix)
        if record is not None:
            records[prefix] = (source, record)
    lines = ["| case | fastconv `'auto'` | replaces | its time | speed-up | "
             "fastest other library, speed-up over it: 1 thread | 2 threads |",
             "|---|---:|---|---:|---:|---|---|"]
    sources = []
    for prefix, name, twin in HEADLINE_CASES:
        if prefix not in records:
            continue
        source, record = records[prefix]
        case = next((c for c in record["cases"] if c["name"] == name), None)
        if case is None:
            continue
        by_name = {e["name"]: e for e in case["contenders"]}
        auto = next(e for e in case["contenders"] if e["is_fastconv"] and e["method"] == "auto")
        other = by_name.get(twin)
        if auto["status"] != "ok" or other is None or other["status"] != "ok":
            continue
        t_auto, t_other = auto["timing"]["median_s"], other["timing"]["median_s"]
        cells = []
        for run_prefix in (prefix, prefix.replace("1thread", "2threads")):
            run = records.get(run_prefix, (None, None))[1]
            run_case = None if run is None else next(
                (c for c in run["cases"] if c["name"] == name), None)
            best = None if run_case is None else run_case["best_anchor"]
            ratio = None if run_case is None else run_case["ratio_best_anchor_over_fastconv_auto"]
            cells.append(f"{best}, {ratio:.2f}x" if best and ratio is not None else "-")
            if run_case is not None and records[run_prefix][0] not in sources:
                sources.append(records[run_prefix][0])
        lines.append(f"| `{name}` | {report.format_seconds(t_auto)} | {twin} | "
                     f"{report.format_seconds(t_other)} | {t_other / t_auto:.1f}x | "
                     f"{cells[0]} | {cells[1]} |")
    return "\n".join(lines), sources


# --- the gallery's order: from the definition to a trained CNN -------------
GALLERY_ORDER = ["plot_convolution_by_hand.py", "plot_flip.py", "plot_filters.py",
                 "plot_learn_a_filter.py", "plot_cnn_digits.py", "plot_speed.py"]


def example_order(filename):
    """Sort key of sphinx-gallery's ``within_subsection_order``: the examples
    in GALLERY_ORDER first, in that order, then any other by name."""
    name = pathlib.Path(filename).name
    return (GALLERY_ORDER.index(name), "") if name in GALLERY_ORDER else (len(GALLERY_ORDER), name)


# --- the speed goals of the open issues, measured -------------------------
def _signal(dim, mode, dtype, size, k):
    if dim == 1:
        return f"conv1d-{mode}-{dtype}-n{size}-k{k}"
    return f"conv2d-same-{dtype}-{size}x{size}-k{k}x{k}"


_DENSE = ("N16-C64-56x56-K64-3x3-p1-resnet3x3", "N8-C256-14x14-K256-3x3-p1-deep3x3")
_DEPTHWISE = "N16-C128-28x28-K128-3x3-p1g128-depthwise"

#: (issue, goal, kind of run, case names, anchor ('best' = the fastest anchor), minimum
#: speed-up (anchor time / fastconv 'auto' time) at 1 thread and at all cores)
GOALS = (
    [(8, "1-D n=1e5, k=3 and 31: 4x the best anchor", "signal",
      [_signal(1, m, "float32", 100000, k) for k in (3, 31) for m in ("full", "valid")],
      "best", (4.0, 4.0)),
     (8, "1-D n=1e6, k=101: 1.5x the best anchor", "signal",
      [_signal(1, m, "float32", 1000000, 101) for m in ("full", "valid")], "best", (1.5, 1.5)),
     (8, "2-D 3x3 and 5x5: 1.5x cv2.filter2D (float32)", "signal",
      [_signal(2, "same", "float32", s, k) for s in (512, 2048) for k in (3, 5)],
      "cv2.filter2D", (1.5, 1.5)),
     (8, "2-D 3x3 and 5x5: 3x cv2.filter2D (float64)", "signal",
      [_signal(2, "same", "float64", s, k) for s in (512, 2048) for k in (3, 5)],
      "cv2.filter2D", (3.0, 3.0)),
     (8, "2-D 512x512 15x15: 1.2x the best anchor", "signal",
      [_signal(2, "same", "float32", 512, 15)], "best", (1.2, 1.2)),
     (8, "n=1000, k=3: within 1.3x of numpy.convolve", "signal",
      [_signal(1, m, "float32", 1000, 3) for m in ("full", "valid")], "numpy.convolve",
      (1 / 1.3, 1 / 1.3)),
     (9, "long kernels: 1.0x the best anchor at 1 thread, 1.3x at all cores", "signal",
      [_signal(1, m, d, n, k) for d in ("float32", "float64") for n, k in
       ((100000, 1001), (1000000, 10001)) for m in ("full", "valid")]
      + [_signal(2, "same", d, s, k) for d in ("float32", "float64")
         for s, k in ((512, 31), (2048, 15), (2048, 31))], "best", (1.0, 1.3)),
     (12, "stacks in one call (axis= / axes=): 3x the fastest anchor", "signal",
      [f"batch1d-same-{d}-1000x4096-k31" for d in ("float32", "float64")]
      + [f"batch2d-same-{d}-64x256x256-k5x5" for d in ("float32", "float64")], "best", (3.0, 3.0)),
     (12, "lags=100 of two 1e6-sample signals: 5x scipy.signal.correlate + slice", "signal",
      [f"lags-full-{d}-n1000000-maxlag100" for d in ("float32", "float64")], "best", (5.0, 5.0)),
     (10, "dense 3x3 forward and grad_input: 1.0x torch", "cnn",
      [f"nn.conv2d-{op}-float32-{d}" for d in _DENSE for op in ("forward", "grad_input")],
      "best", (1.0, 1.0)),
     (10, "dense 3x3 grad_weight: 1.2x torch", "cnn",
      [f"nn.conv2d-grad_weight-float32-{d}" for d in _DENSE], "best", (1.2, 1.2)),
     (10, "depthwise 3x3: 1.5x torch", "cnn",
      [f"nn.conv2d-{op}-float32-{_DEPTHWISE}" for op in ("forward", "grad_input", "grad_weight")],
      "best", (1.5, 1.5)),
     (10, "training step: 1.3x torch", "cnn",
      ["train_step-float32-N32-C3-32x32-32-64-64-10-small_cnn"], "best", (1.3, 1.3))])


def _newest(results_dir, prefix):
    paths = sorted(pathlib.Path(results_dir).glob(f"{prefix}-*.json"))
    return (paths[-1].name, json.loads(paths[-1].read_text())) if paths else (None, None)


def _speedup(record, name, anchor):
    """anchor time / fastconv 'auto' time of case `name` in a saved run, or None."""
    if record is None:
        return None
    case = next((c for c in record["cases"] if c["name"] == name), None)
    if case is None:
        return None
    if anchor == "best":
        return case["ratio_best_anchor_over_fastconv_auto"]
    by_name = {e["name"]: e for e in case["contenders"]}
    auto = next((e for e in case["contenders"] if e["is_fastconv"] and e["method"] == "auto"), None)
    other = by_name.get(anchor)
    if auto is None or other is None or auto["status"] != "ok" or other["status"] != "ok":
        return None
    return other["timing"]["median_s"] / auto["timing"]["median_s"]


def goals_table(results_dir):
    """reStructuredText of every speed goal of the open issues against the
    newest saved runs at 1 thread and at 2 threads ('signal-1thread',
    'signal-2threads', 'cnn-1thread', 'cnn-2threads'), case by case, and the
    files it read."""
    runs = {(kind, t): _newest(results_dir, f"{kind}-{t}")
            for kind in ("signal", "cnn") for t in ("1thread", "2threads")}
    header = ["issue", "goal", "case", "needs (1 / all)", "1 thread", "2 threads", "met"]
    rows, met, total = [], 0, 0
    for issue, goal, kind, names, anchor, (need1, need2) in GOALS:
        for name in names:
            got1 = _speedup(runs[(kind, "1thread")][1], name, anchor)
            got2 = _speedup(runs[(kind, "2threads")][1], name, anchor)
            ok = got1 is not None and got2 is not None and got1 >= need1 and got2 >= need2
            met += ok
            total += 1
            rows.append([str(issue), goal, name, f"{need1:.2f}x / {need2:.2f}x",
                         "-" if got1 is None else f"{got1:.2f}x",
                         "-" if got2 is None else f"{got2:.2f}x", "yes" if ok else "no"])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow([_escape(c) for c in row])
    lines = [".. csv-table::", "   :header: " + ", ".join(f'"{c}"' for c in header),
             "   :class: fastconv-bench", ""]
    lines += ["   " + line for line in buf.getvalue().splitlines()]
    sources = sorted({name for name, _ in runs.values() if name})
    lines += ["", f"{met} of {total} goals met (speed-up = the anchor's median time over "
              f"fastconv 'auto''s, in the same run; from {', '.join(sources) or 'no saved run'})."]
    return "\n".join(lines) + "\n", met, total
