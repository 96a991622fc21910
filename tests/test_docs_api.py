"""The API reference (docs/api.rst) documents every public name: each name in
``fastconv.__all__`` and ``fastconv.nn.__all__`` appears in an autosummary
table, an ``auto*`` directive, or (for a module) an ``automodule``, so a new
public name fails here until it is documented."""
import pathlib
import re

import fastconv
import fastconv.nn

API = pathlib.Path(__file__).resolve().parents[1] / "docs" / "api.rst"


def documented_names(text):
    """Fully qualified names that docs/api.rst hands to autodoc/autosummary."""
    names, module, in_autosummary = set(), "", False
    for line in text.splitlines():
        directive = re.match(r"\.\. (\w+(?:-\w+)?)::\s*(\S*)", line.strip())
        if directive and not line.startswith(" "):
            kind, arg = directive.groups()
            in_autosummary = kind == "autosummary"
            if kind == "currentmodule":
                module = arg
            elif kind.startswith("auto") and kind != "autosummary" and arg:
                names.add(arg if "." in arg or not module else f"{module}.{arg}")
            continue
        if in_autosummary:
            if line and not line.startswith(" "):
                in_autosummary = False
            elif re.fullmatch(r"   [A-Za-z_][\w.]*", line):
                names.add(f"{module}.{line.strip()}" if module else line.strip())
    return names


def test_every_public_name_is_in_the_api_reference():
    names = documented_names(API.read_text(encoding="utf-8"))
    wanted = {f"fastconv.{n}" for n in fastconv.__all__} | {f"fastconv.nn.{n}" for n in fastconv.nn.__all__}
    missing = sorted(wanted - names)
    assert not missing, f"add these to docs/api.rst: {missing}"


def test_every_name_of_fastconv_dask_is_in_the_api_reference():
    import pytest
    pytest.importorskip("dask.array")
    import fastconv.dask
    import fastconv.dask.nn
    names = documented_names(API.read_text(encoding="utf-8"))
    wanted = {f"fastconv.dask.{n}" for n in fastconv.dask.__all__ if n != "nn"}
    wanted |= {f"fastconv.dask.nn.{n}" for n in fastconv.dask.nn.__all__}
    missing = sorted(wanted - names)
    assert not missing, f"add these to docs/api.rst: {missing}"


def test_the_parser_sees_the_tables():
    text = """
.. currentmodule:: fastconv

.. autosummary::
   :toctree: generated/

   convolve
   correlate

Text.

.. automodule:: fastconv.nn
.. autofunction:: fastconv.isa
"""
    assert documented_names(text) == {"fastconv.convolve", "fastconv.correlate", "fastconv.nn",
                                      "fastconv.isa"}
