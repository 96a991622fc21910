"""README.md is the front door: short, and its benchmark table is the one
computed from the saved results in bench/results (docs/_figures.py makes it)."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _figures():
    spec = importlib.util.spec_from_file_location("_figures", ROOT / "docs" / "_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_is_short():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 160


def test_readme_benchmark_table_matches_the_saved_results():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- bench-table start")
    start = text.index("\n", start) + 1
    end = text.index("<!-- bench-table end -->")
    table, sources = _figures().readme_headline_table(ROOT / "bench" / "results")
    assert text[start:end].strip() == table.strip(), (
        "README's benchmark table differs from bench/results; regenerate it with "
        "docs/_figures.py readme_headline_table()")
    for source in sources:
        assert source in text


def test_readme_links_point_to_files_that_exist():
    import re
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if "://" not in target:
            assert (ROOT / target).exists(), target
