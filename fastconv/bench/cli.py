"""The command line of ``python -m fastconv.bench``: options, and `main`."""
import argparse
import os
import sys

from fastconv.bench import grid, limits, threads, timing

DESCRIPTION = """\
Time fastconv (every method, and 'auto') against NumPy, SciPy, OpenCV and
PyTorch on a standard grid of 1-D, 2-D and CNN convolutions, on this machine.
Anchors that are not installed are skipped.  Prints a table; exit status 1 if
any fastconv result is wrong or raised."""

EPILOG = """\
examples:
  python -m fastconv.bench --quick
  python -m fastconv.bench --only 'conv1d-*-float32-*' --json out.json
  python -m fastconv.bench --threads 2 --plot ratios.png
  python -m fastconv.bench --only 'train_step*' --threads 2   # the CNN training step
  python -m fastconv.bench --fit-auto            # refit 'auto' (writes fastconv/data/auto_model.json)
  python -m fastconv.bench --auto-quality --threads 2"""


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m fastconv.bench", description=DESCRIPTION,
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes of each kind of case, short sampling (a few seconds)")
    parser.add_argument("--threads", default="1", metavar="N",
                        help="threads for every library (positive integer or 'all'; default 1, "
                             "the fair comparison while fastconv is single-threaded)")
    parser.add_argument("--dtype", choices=grid.DTYPES, action="append", metavar="{float32,float64}",
                        help="only cases of this dtype (repeatable; default both; the CNN cases are float32)")
    parser.add_argument("--only", action="append", metavar="PATTERN",
                        help="only cases whose name contains PATTERN, or matches it as a glob if it "
                             "has * ? or [ (repeatable; see --list)")
    parser.add_argument("--list", action="store_true", help="list the selected case names and exit")
    parser.add_argument("--json", metavar="PATH", help="also write every measurement, with machine info, as JSON")
    parser.add_argument("--plot", metavar="PATH", help="also write a PNG bar chart of the ratios (needs matplotlib)")
    parser.add_argument("--report", metavar="PATH",
                        help="print (and --plot) the results saved by --json PATH instead of measuring")
    parser.add_argument("--format", choices=("text", "markdown"), default="text", help="table format")
    parser.add_argument("--verbose", action="store_true", help="also list every contender of every case")
    memory = parser.add_mutually_exclusive_group()
    memory.add_argument("--memory", dest="memory", action="store_true", default=None,
                        help="measure peak memory of the CNN cases and the training step (default, "
                             "except with --quick)")
    memory.add_argument("--no-memory", dest="memory", action="store_false",
                        help="do not measure peak memory")
    parser.add_argument("--time-limit", type=float, default=limits.DEFAULT_LIMIT_SECONDS, metavar="SECONDS",
                        help="skip a contender predicted to need more than this per call (default %(default)g)")
    parser.add_argument("--anchors-alone", action="store_true",
                        help="time the anchors of a case even when no fastconv method can run it "
                             "(e.g. the CNN cases while fastconv.nn is missing)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--fit-auto", nargs="?", const="", default=None, metavar="PATH",
                        help="measure fastconv's methods on this machine and fit the cost model "
                             "of method='auto'; write it to PATH (default: the package's "
                             "data/auto_model.json) and exit")
    parser.add_argument("--auto-quality", action="store_true",
                        help="time every fastconv method on the signal cases of the grid and on "
                             "a random sweep of shapes; print auto's time over the fastest "
                             "method's, and exit")
    parser.add_argument("--sweep", type=int, default=200, metavar="N",
                        help="shapes in the --auto-quality random sweep (default %(default)s)")
    return parser


def parse_options(argv):
    """Parsed options; invalid values exit with status 2 and a message, as
    argparse does."""
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        options.threads = threads.parse_threads(options.threads)
    except ValueError as exc:
        parser.error(str(exc))
    if options.time_limit <= 0:
        parser.error("--time-limit must be positive")
    if options.memory is None:
        options.memory = not options.quick
    return options


def select_cases(options):
    """The cases the options ask for."""
    cases = grid.quick_grid() if options.quick else grid.standard_grid()
    return grid.select(cases, dtypes=options.dtype, patterns=options.only)


def settings_from(options):
    from fastconv.bench.runner import Settings

    return Settings(plan=timing.QUICK if options.quick else timing.FULL,
                    time_limit_seconds=options.time_limit, measure_memory=options.memory,
                    gemm_size=512 if options.quick else 1024, progress=not options.no_progress,
                    anchors_alone=options.anchors_alone)


def main(argv=None, reexec=False):
    """Run the benchmark; returns the exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).
    reexec : bool
        Start the interpreter again with the thread variables set when they
        are not (``python -m fastconv.bench`` does; an in-process caller,
        such as a test, cannot limit BLAS threads after NumPy was imported,
        and only torch and OpenCV are limited then).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    options = parse_options(argv)
    if options.fit_auto is not None or options.auto_quality:
        return _auto(options, argv, reexec)
    if options.report:
        return _show_saved(options)
    cases = select_cases(options)
    if options.list:
        print("\n".join(case.name for case in cases))
        return 0
    if not cases:
        print("no case matches the options (see --list)", file=sys.stderr)
        return 2
    if options.plot and not _can_plot():
        return 2
    if reexec:
        threads.reexec_with_threads(options.threads, argv)
    else:
        os.environ[threads.MARKER] = str(options.threads)

    from fastconv.bench import report
    from fastconv.bench.runner import run

    record = report.to_json(run(cases, settings_from(options)))
    return _output(record, options)


def _auto(options, argv, reexec):
    """--fit-auto (measures at 1 thread and at every core itself, through the
    calls' threads=) and --auto-quality (at --threads)."""
    from fastconv.bench import autofit

    if options.fit_auto is not None:
        autofit.fit(options.fit_auto or None)
        return 0
    if reexec:
        threads.reexec_with_threads(options.threads, argv)
    grid_cases = [c for c in select_cases(options) if c.family == "signal"]
    print(f"auto quality at {options.threads} thread(s); model {autofit._method.describe()}")
    print("standard grid (signal cases):")
    rows = autofit.quality([autofit.case_shapes(c) for c in grid_cases], options.threads)
    print("kernel gradients of the grid's 2-D cases:")
    grads = autofit.quality(autofit.kernel_grad_shapes(), options.threads)
    print("random sweep:")
    sweep = autofit.quality(autofit.random_shapes(options.sweep), options.threads)
    print(autofit.summary(rows, "grid"))
    print(autofit.summary(grads, "kernel gradients"))
    print(autofit.summary(sweep, "sweep"))
    if options.json:
        import json
        with open(options.json, "w") as f:
            json.dump({"threads": options.threads, "grid": rows, "kernel_grad": grads,
                       "sweep": sweep}, f, indent=1,
                      default=str)
    return 0


def _can_plot():
    from fastconv.bench.plot import require_matplotlib

    try:
        require_matplotlib()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


def _show_saved(options):
    from fastconv.bench import report

    if options.plot and not _can_plot():
        return 2
    try:
        record = report.read_json(options.report)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _output(record, options)


def _output(record, options):
    """Print the report, write the JSON and the plot; the exit status."""
    from fastconv.bench import report

    print(report.render(record, options.format, options.verbose), end="")
    if options.json and options.json != options.report:
        report.write_json(record, options.json)
        print(f"wrote {options.json}")
    if options.plot:
        from fastconv.bench.plot import plot_ratios

        plot_ratios(record, options.plot)
        print(f"wrote {options.plot}")
    return 1 if report.fastconv_failures(record) else 0
