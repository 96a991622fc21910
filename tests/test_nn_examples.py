"""The worked examples of fastconv.nn: the user guide's example (one SGD step
of a tiny CNN, docs/guide/cnn_layers.rst) runs as written and prints what its
last comment says, and every docstring example gives the output it shows."""
import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "docs" / "guide" / "cnn_layers.rst"


def nn_example():
    """The python block of the CNN layers page that uses conv2d_backward."""
    from sybil import Sybil
    from sybil.parsers.rest import PythonCodeBlockParser
    document = Sybil(parsers=[PythonCodeBlockParser()]).parse(README)
    blocks = [example.region.parsed for example in document.examples()]
    (example,) = [str(b) for b in blocks if "conv2d_backward" in str(b)]
    return example


def test_readme_sgd_step_runs_and_prints_its_comment():
    example = nn_example()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, str(README), "exec"), {})
    printed = out.getvalue().strip()
    promised = re.search(r"print\(.*\)\s+# (.*)", example).group(1).strip()
    assert printed == promised


def test_docstring_examples():
    import doctest

    import fastconv.nn
    results = doctest.testmod(fastconv.nn, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted >= 12 and results.failed == 0
