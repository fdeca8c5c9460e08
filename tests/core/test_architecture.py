"""The domain never imports the web layer. import-linter (run by `make test`) checks the project's own
modules and whole external packages; this test also keeps Django's web modules out of the domain."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "learncity"
DOMAIN_FILES = ("models.py", "services.py", "selectors.py", "scopes.py", "crypto.py", "tabular.py", "audit.py",
                "bulk.py", "idcard.py", "builder.py", "divisions.py", "errors.py", "pools.py", "pool_selectors.py",
                "ledger.py", "catalog_builder.py", "credit_builder.py", "search.py", "spec.py", "periods.py",
                "rollups.py", "seeds.py", "monitoring_builder.py")
WEB = ("django.http", "django.shortcuts", "django.template", "django.views", "django.urls", "ninja", "django_htmx")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def domain_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.name in DOMAIN_FILES and "migrations" not in p.parts)


def test_the_domain_files_exist():
    names = {p.relative_to(SRC).as_posix() for p in domain_files()}
    assert {"places/services.py", "network/selectors.py", "people/models.py", "core/scopes.py"} <= names


def test_no_domain_module_imports_a_web_module():
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in domain_files()
        for name in _imports(path)
        if any(name == w or name.startswith(w + ".") for w in WEB)
        or (name.startswith("learncity") and name.split(".")[-1] in ("views", "api", "urls", "htmx"))
    ]
    assert offenders == []
