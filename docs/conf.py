"""Sphinx configuration of the fastconv documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
The figures of the user guide and of the benchmark page are drawn at build
time (``docs/_figures.py``, from ``bench/results/*.json``); the gallery runs
``examples/plot_*.py`` through sphinx-gallery.  Set ``FASTCONV_EXAMPLES_FAST=1``
to run the examples in their fast mode (CI does), ``FASTCONV_DOCS_NO_GALLERY=1``
to skip running them at all.
"""
import os
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))          # for _figures

import fastconv  # noqa: E402

project = "fastconv"
author = "the fastconv developers"
copyright = "2026, the fastconv developers"
release = version = fastconv.__version__ if hasattr(fastconv, "__version__") else "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "_generated", "**.ipynb_checkpoints", "sg_execution_times.rst"]
templates_path = ["_templates"]
html_static_path = []   # no static files of our own
html_theme = "pydata_sphinx_theme"
html_title = "fastconv"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_show_sourcelink = False

default_role = "code"

# --- API reference ---------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False

intersphinx_mapping = {}     # no network at build time: links to NumPy/SciPy are plain text

# --- example gallery -------------------------------------------------------
# Nothing is downloaded: the examples read the images and digits that
# scikit-image and scikit-learn ship in their wheels.
FAST = os.environ.get("FASTCONV_EXAMPLES_FAST", "") not in ("", "0")
RUN_GALLERY = os.environ.get("FASTCONV_DOCS_NO_GALLERY", "") in ("", "0")

sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",                  # run every example (fast mode in CI)
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": RUN_GALLERY,
    "abort_on_example_error": True,
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("fastconv",),
    "reference_url": {"fastconv": None},
    "remove_config_comments": True,
    "within_subsection_order": "_figures.example_order",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "min_reported_time": 1,
    "show_memory": False,
    "download_all_examples": False,
}


def _draw_figures(app):
    """Draw the user guide's pictures and the benchmark plots and tables."""
    import _figures
    _figures.build_all(HERE / "_generated", HERE.parent / "bench" / "results")


def setup(app):
    app.connect("builder-inited", _draw_figures)
