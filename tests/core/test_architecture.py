"""The house's rules that import-linter cannot say (pyproject.toml's contracts say the rest; `make test` runs both).

- The domain never imports Django's web modules (import-linter can only forbid whole external packages). The
  domain is every module that is not web by its name, the same classification as the `domain` contract
  (tests/contracts.py), read from pyproject.toml so the two cannot drift.
- No function-local import hides a dependency the layers forbid: a function may import a module lazily only if a
  module-level import of it would be allowed too (the layers contract then checks it like any other).
- Size: no source file over 600 lines, no function over 80 lines.
- Every read in a service or a selector starts from `Model.objects.restrict(actor, action)`, or from
  `Model.objects.unscoped("why")` where no actor's scope governs it: a plain `Model.objects.filter(…)` there is
  an undeclared unscoped read. Creating rows is not a read.
"""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "learncity"
WEB_FRAMEWORK = ("django.http", "django.shortcuts", "django.template", "django.views", "django.urls", "ninja",
                 "django_htmx")
# A domain module that may use one of those, and why.
EXEMPT = {("learncity.core.signin", "django.http"): "axes's lock-out handlers take a request: signin builds one to ask"}
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def _contract(kind: str) -> dict:
    return next(c for c in _config()["contracts"] if c["type"] == kind)


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _is_web(module: str) -> bool:
    web = _contract("domain")["web"]
    return any(n.startswith(w) or n.endswith(w) for n in module.split(".")[1:] for w in web)


def _imports(tree: ast.AST) -> list[tuple[str, ast.AST]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node))
    return found


def test_the_classification_finds_both_sides():
    modules = {_module(p) for p in source_files()}
    domain = {m for m in modules if not _is_web(m)}

    assert {"learncity.places.services", "learncity.core.scopes.scope", "learncity.people.models"} <= domain
    assert {"learncity.catalog.views", "learncity.creditbank.api", "learncity.urls"} <= modules - domain


def test_no_domain_module_imports_a_web_module():
    offenders = [
        f"{_module(path)} imports {name}"
        for path in source_files() if not _is_web(_module(path))
        for name, _ in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if (any(name == w or name.startswith(w + ".") for w in WEB_FRAMEWORK)
            and (_module(path), name) not in EXEMPT)
        or (name.startswith("learncity.") and _is_web(name))
    ]
    assert offenders == []


def _layer_of(module: str, layers: list[list[str]]) -> int | None:
    """The index of the module's layer (0 = top), by its app (the name below the root)."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    for i, layer in enumerate(layers):
        if parts[1] in layer:
            return i
    return None


def test_no_function_local_import_reaches_up_a_layer():
    layers = [[n.strip() for n in row.replace(":", "|").split("|")] for row in _contract("layers")["layers"]]
    offenders = []
    for path in source_files():
        module = _module(path)
        mine = _layer_of(module, layers)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for name, node in _imports(function):
                theirs = _layer_of(name, layers) if name.startswith("learncity.") else None
                if mine is not None and theirs is not None and theirs < mine:
                    offenders.append(f"{module}:{node.lineno} imports {name} (a layer above) inside a function")
    assert offenders == []


def test_no_source_file_is_over_600_lines():
    long = [f"{p.relative_to(SRC)}: {n}" for p in source_files()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES]
    assert long == []


def test_no_function_is_over_80_lines():
    long = []
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    n := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES:
                long.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}: {n}")
    assert long == []


WRITES = {"restrict", "unscoped", "create", "bulk_create"}


def _reads_through(path: Path) -> bool:
    """Services and selectors: the modules (or packages) named so."""
    parts = _module(path).split(".")
    return any(p in ("services", "selectors") or p.endswith(("_services", "_selectors")) for p in parts[1:])


def unscoped_reads() -> list[str]:
    found = []
    for path in source_files():
        if not _reads_through(path):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "objects" and node.attr not in WRITES):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} .objects.{node.attr}")
    return found


def test_every_read_in_a_service_or_selector_is_restricted_or_declared():
    assert unscoped_reads() == []


if __name__ == "__main__":  # python tests/core/test_architecture.py [path prefix]: the reads still to declare
    import sys

    for line in unscoped_reads():
        if line.startswith(sys.argv[1] if len(sys.argv) > 1 else ""):
            print(line)
