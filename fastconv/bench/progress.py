"""A text progress bar on stderr (no dependency).

On a terminal the bar is redrawn in place; otherwise (a log file, CI) one
line is written per finished case, so the log still shows where a long run
is.
"""
import sys
import time


class Progress:
    """Progress over `total` cases.

    Parameters
    ----------
    total : int
    stream : file, optional
        Default ``sys.stderr``.
    enabled : bool
        False writes nothing.
    width : int
        Characters of the bar itself.
    """

    def __init__(self, total, stream=None, enabled=True, width=30):
        self.total = max(total, 1)
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.width = width
        self.done = 0
        self.started = time.monotonic()
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())

    def _bar(self, label):
        filled = int(self.width * self.done / self.total)
        elapsed = time.monotonic() - self.started
        text = (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                f"{elapsed:5.0f} s  {label}")
        if self.done:
            remaining = elapsed / self.done * (self.total - self.done)
            text += f"  (~{remaining:.0f} s left)"
        return text

    def start_case(self, label):
        """Show that `label` is being measured (terminal only)."""
        if self.enabled and self.interactive:
            self.stream.write("\r\033[K" + self._bar(label))
            self.stream.flush()

    def finish_case(self, label):
        """Count one case as done."""
        self.done += 1
        if not self.enabled:
            return
        if self.interactive:
            self.stream.write("\r\033[K" + self._bar(label))
        else:
            self.stream.write(self._bar(label) + "\n")
        self.stream.flush()

    def close(self):
        if self.enabled and self.interactive:
            self.stream.write("\n")
            self.stream.flush()
