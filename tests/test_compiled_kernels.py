"""What the compiler made of the C core, where no test of values can see it.

The signal tiles prefetch the input rows of the row blocks ahead
(corr2d_direct.template.c, prefetch_rows_ahead): without the prefetch the
results are the same and images up to 512 wide read from memory run 2-3x
slower.  GCC 12 once deleted every call of that function (it only
prefetches, and GCC's pure-const analysis counted it as doing nothing);
fc_prefetch in csrc/util.h now prevents that, and this test checks the
built extension still holds the prefetch instructions.
"""
import platform
import shutil
import subprocess
import sys

import pytest

from fastconv._ext import _signal


def _functions_with(instruction, library):
    """Names of the functions of `library` whose disassembly holds `instruction`."""
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", library],
                             capture_output=True, text=True, check=True).stdout
    found, current = set(), None
    for line in listing.splitlines():
        if line.endswith(">:"):
            current = line.split("<", 1)[1][:-2]
        elif current is not None and instruction in line.split():
            found.add(current)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.machine() != "x86_64"
                    or shutil.which("objdump") is None,
                    reason="needs objdump and an x86-64 Linux build")
def test_signal_tiles_keep_their_row_prefetch():
    functions = _functions_with("prefetcht0", _signal.__file__)
    tiles = [f for f in functions if "prefetch_rows_ahead" in f or f.startswith("corr2d_")]
    assert tiles, f"no prefetch in the signal tiles; prefetching functions: {sorted(functions)}"
