"""The backward-pass example of the user guide (docs/guide/backward.rst) runs
as printed and recovers the filter."""
import contextlib
import io
import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "docs" / "guide" / "backward.rst"


def _backward_example():
    from sybil import Sybil
    from sybil.parsers.rest import PythonCodeBlockParser
    document = Sybil(parsers=[PythonCodeBlockParser()]).parse(README)
    blocks = [str(example.region.parsed) for example in document.examples()]
    assert len(blocks) == 1, "expected one python example in the backward passes page"
    return blocks[0]


def test_readme_filter_fitting_example_recovers_the_filter():
    code = _backward_example()
    namespace = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(README), "exec"), namespace)
    h, h_true = namespace["h"], namespace["h_true"]
    # least squares with 0.01 noise on 2000 samples: the estimate is within ~1e-3
    np.testing.assert_allclose(h, h_true, atol=2e-3)
    # and the output shown in the README is what it prints
    shown = re.search(r"print\(np\.round\(h, 3\)\)\s+# (.*)", code).group(1).strip()
    assert printed.getvalue().strip() == shown
