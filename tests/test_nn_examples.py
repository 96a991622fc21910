"""The worked examples of fastconv.nn: the README's example (one SGD step of
a tiny CNN) runs as written and prints what its last comment says, and every
docstring example gives the output it shows."""
import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def nn_example():
    """The python block of the README's "CNN layers" section that uses
    conv2d_backward."""
    text = README.read_text()
    section = text[text.index("## CNN layers (fastconv.nn)"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    (example,) = [b for b in blocks if "conv2d_backward" in b]
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
