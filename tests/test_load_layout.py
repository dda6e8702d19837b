"""The load's layers: auditor.load's modules build on nothing above them, the adapters use only
their public names, and auditor.ingest runs both."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "auditor"


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every `from X import name` and (X, "") of every `import X`, anywhere in
    the file (a function-local import too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_no_loading_module_imports_the_adapters_or_the_orchestrator():
    for path in sorted((PACKAGE / "load").glob("*.py")):
        for module, name in _imports(path):
            assert not module.startswith(("auditor.adapters", "auditor.ingest")), (path.name, module)
            assert not (module == "auditor" and name in ("adapters", "ingest")), (path.name, name)


def test_the_adapters_import_no_private_name_of_the_load():
    for path in sorted((PACKAGE / "adapters").glob("*.py")):
        for module, name in _imports(path):
            if module.startswith(("auditor.load", "auditor.ingest")):
                assert not name.startswith("_"), (path.name, module, name)
                assert not module.startswith("auditor.ingest"), (path.name, module)  # the orchestrator is above them
