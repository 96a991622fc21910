"""Type information (issue 12, item 4): the stubs of fastconv, fastconv.nn
and fastconv.dask (a) type-check a file of typical calls with mypy and flag
its wrong calls, and (b) name every parameter of the runtime functions, in
order, with the same kinds and defaults, so that a parameter added to a
function (``threads=``, ``axis=``, ``out=`` ...) fails here until its stub
says so too."""
import ast
import importlib
import inspect
import pathlib
import re
import sys

import pytest

import fastconv

PACKAGE = pathlib.Path(fastconv.__file__).parent
TYPING_DIR = pathlib.Path(__file__).parent / "typing"

# (module, stub file) of every public module with a stub
STUBS = [
    ("fastconv", PACKAGE / "__init__.pyi"),
    ("fastconv.nn", PACKAGE / "nn.pyi"),
    ("fastconv.dask", PACKAGE / "dask" / "__init__.pyi"),
    ("fastconv.dask.nn", PACKAGE / "dask" / "nn.pyi"),
]


def _stub_functions(path):
    """{name: ast.FunctionDef} of the top-level functions of a stub."""
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _stub_parameters(node):
    """[(name, kind, default or inspect.Parameter.empty)] of a stub's def."""
    P = inspect.Parameter
    args = node.args
    positional = args.posonlyargs + args.args
    defaults = [P.empty] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = [(a.arg, P.POSITIONAL_ONLY, d) for a, d in zip(args.posonlyargs, defaults)]
    out += [(a.arg, P.POSITIONAL_OR_KEYWORD, d)
            for a, d in zip(args.args, defaults[len(args.posonlyargs):])]
    if args.vararg:
        out.append((args.vararg.arg, P.VAR_POSITIONAL, P.empty))
    out += [(a.arg, P.KEYWORD_ONLY, P.empty if d is None else d)
            for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        out.append((args.kwarg.arg, P.VAR_KEYWORD, P.empty))
    return [(name, kind, P.empty if d is P.empty else ast.literal_eval(d))
            for name, kind, d in out]


def _module(name):
    if name.startswith("fastconv.dask"):
        pytest.importorskip("dask.array", reason="fastconv.dask needs dask[array]")
    return importlib.import_module(name)


@pytest.mark.parametrize("module_name,stub", STUBS, ids=[m for m, _ in STUBS])
def test_stubs_match_the_runtime_signatures(module_name, stub):
    module = _module(module_name)
    functions = _stub_functions(stub)
    public = [name for name in module.__all__
              if callable(getattr(module, name)) and not inspect.ismodule(getattr(module, name))]
    assert sorted(functions) == sorted(public), (
        f"{stub.name}: stubs for {sorted(functions)}, but {module_name}.__all__ has the "
        f"functions {sorted(public)}")
    for name, node in functions.items():
        runtime = [(p.name, p.kind, p.default)
                   for p in inspect.signature(getattr(module, name)).parameters.values()]
        assert _stub_parameters(node) == runtime, (
            f"{module_name}.{name}: the stub's parameters differ from the function's; "
            f"update {stub.relative_to(PACKAGE.parent)}")


def test_py_typed_and_stubs_are_installed_with_the_package():
    assert (PACKAGE / "py.typed").exists()
    for _, stub in STUBS:
        assert stub.exists()


def _mypy_output(tmp_path):
    mypy = pytest.importorskip("mypy.api", reason="mypy is not installed")
    pytest.importorskip("dask.array", reason="the typical calls use fastconv.dask")
    # dask's own annotations are not what is tested, and reading them doubles
    # mypy's time: dask.array.Array is Any here
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n[mypy-dask.*]\nfollow_imports = skip\n")
    stdout, stderr, _ = mypy.run([
        "--config-file", str(config),
        "--no-incremental", "--cache-dir", "/dev/null", "--show-error-codes",
        "--no-error-summary", "--hide-error-context", "--python-version",
        f"{sys.version_info.major}.{sys.version_info.minor}",
        str(TYPING_DIR / "typical_calls.py")])
    return stdout + stderr


def test_mypy_accepts_typical_calls_and_rejects_wrong_ones(tmp_path):
    output = _mypy_output(tmp_path)
    source = (TYPING_DIR / "typical_calls.py").read_text().splitlines()
    expected_errors = {i + 1: line.split("# E:")[1].strip()
                       for i, line in enumerate(source) if "# E:" in line}
    expected_notes = {i + 1: line.split("# N:")[1].strip()
                      for i, line in enumerate(source) if "# N:" in line}
    seen_errors, seen_notes = {}, {}
    for line in output.splitlines():
        match = re.match(r".*typical_calls\.py:(\d+): (error|note): (.*)", line)
        if not match:
            continue
        number, level, message = int(match[1]), match[2], match[3]
        (seen_errors if level == "error" else seen_notes).setdefault(number, []).append(message)
    unexpected = {n: m for n, m in seen_errors.items() if n not in expected_errors}
    assert not unexpected, f"mypy rejected typical calls:\n{output}"
    for number, code in expected_errors.items():
        assert any(f"[{code}]" in m for m in seen_errors.get(number, [])), (
            f"line {number} ({source[number - 1].strip()}) should be a [{code}] error:\n{output}")
    for number, text in expected_notes.items():
        assert any(text in m for m in seen_notes.get(number, [])), (number, output)
