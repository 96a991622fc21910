"""A PNG bar chart of the ratios (best anchor time / fastconv 'auto' time),
one bar per case, log scale, the line at 1 marking parity.  Needs matplotlib."""

MISSING = ("--plot needs matplotlib, which is not installed: "
           "pip install matplotlib (or pip install \"fastconv[bench]\")")


def require_matplotlib():
    """Import matplotlib with the non-interactive backend, or raise
    RuntimeError with the message above (checked before a run starts)."""
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError(MISSING) from None
    matplotlib.use("Agg")
    return matplotlib


def plot_ratios(record, path):
    """Write the chart of a run record (`report.to_json`) to `path`; returns
    the number of bars."""
    require_matplotlib()
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    bars = [(c["name"], c["ratio_best_anchor_over_fastconv_auto"], c["best_anchor"])
            for c in record["cases"] if c["ratio_best_anchor_over_fastconv_auto"] is not None]
    height = max(2.5, 0.28 * len(bars) + 1.5)
    fig, ax = plt.subplots(figsize=(10, height))
    if bars:
        names = [f"{name}  (vs {best})" for name, _, best in bars]
        ratios = [ratio for _, ratio, _ in bars]
        colors = ["tab:green" if r >= 1 else "tab:red" for r in ratios]
        positions = range(len(bars))
        # bars grow from parity (1) to the ratio, on a log axis symmetric about 1
        ax.barh(positions, [r - 1.0 for r in ratios], left=1.0, color=colors)
        ax.set_yticks(list(positions), names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        reach = max(max(ratios), 1 / min(ratios), 2.0) * 1.6
        ax.set_xlim(1 / reach, reach)
        ticks = [2.0**e for e in range(-12, 13) if 1 / reach <= 2.0**e <= reach]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if v >= 1 else f"1/{1 / v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.axvline(1.0, color="black", linewidth=0.8)
        for y, r in zip(positions, ratios):
            ax.text(r, y, f" {r:.2g} ", va="center",
                    ha="left" if r >= 1 else "right", fontsize=6)
    else:
        ax.text(0.5, 0.5, "no case with a ratio", ha="center", va="center", transform=ax.transAxes)
    m = record["machine"]
    threads = m["threads"]["requested"] or "unlimited"
    ax.set_xlabel("best anchor time / fastconv[auto] time  (> 1: fastconv faster)")
    ax.set_title(f"fastconv vs the best anchor: {m['cpu_model']}, {threads} thread(s), {m['date'][:10]}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return len(bars)
