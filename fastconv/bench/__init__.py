"""fastconv.bench: measure fastconv against NumPy, SciPy, OpenCV and PyTorch.

``python -m fastconv.bench`` runs the standard grid (``--help`` for the
options).  The modules, one job each:

=============  ==============================================================
`cases`        a benchmark problem: inputs, flop count, float64 reference
`grid`         the standard and --quick grids, selection by dtype and name
`contenders`   the `Contender` type and fastconv's own (every method)
`anchors`      NumPy, SciPy, OpenCV and torch, called to give the same result
`checks`       correctness against the reference, tolerance scaled to the problem
`limits`       the time limit: predicted call times, from a smaller case
`timing`       warm-up, batching, alternating samples, medians
`memory`       peak extra memory of one call, in a subprocess (VmHWM)
`machine`      CPU, cores, versions, and this run's sgemm rate
`runner`       runs the cases and collects the results
`report`       the table (text or Markdown) and the JSON record
`plot`         the PNG chart of the ratios
`progress`     the progress bar on stderr
`threads`      thread limits for every library
`cli`          the command line
=============  ==============================================================
"""
