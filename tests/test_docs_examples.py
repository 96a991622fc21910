"""Every Python code block of README.md and of the documentation (docs/**/*.rst)
runs as written, in order, one namespace per file: sybil parses the blocks
(```python fences in Markdown; ``.. code-block:: python`` and ``>>>`` doctests
in reStructuredText, whose printed output is compared) and evaluates them.

A block that cannot run as written (a sketch reading files the tests do not
have) is written as ``.. code-block:: text``, or preceded by sybil's
``.. skip: next "reason"``; the names a sketch uses can be defined in a
``.. invisible-code-block: python`` before it."""
import pathlib
import unittest

import pytest

sybil = pytest.importorskip("sybil")
from sybil import Sybil  # noqa: E402
from sybil.parsers import markdown, rest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GENERATED = ("_build", "_generated", "auto_examples", "gen_modules", "generated")


def _doc_files():
    files = [ROOT / "README.md"]
    files += sorted(p for p in DOCS.rglob("*.rst")
                    if not set(p.relative_to(DOCS).parts[:-1]) & set(GENERATED)
                    and p.name != "sg_execution_times.rst")
    return files


MARKDOWN = Sybil(parsers=[markdown.PythonCodeBlockParser()])
REST = Sybil(parsers=[rest.PythonCodeBlockParser(), rest.DocTestParser(), rest.SkipParser()])


def test_the_documents_have_code_to_run():
    names = {p.relative_to(ROOT).as_posix() for p in _doc_files()}
    assert {"README.md", "docs/getting_started.rst", "docs/guide/backward.rst"} <= names


@pytest.mark.parametrize("path", _doc_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_blocks_run_as_written(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    parser = MARKDOWN if path.suffix == ".md" else REST
    document = parser.parse(path)
    for example in document.examples():
        try:
            example.evaluate()
        except unittest.SkipTest:        # a block marked ``.. skip: next``; the rest still run
            continue
