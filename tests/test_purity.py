"""indicators/ stays pure: importing it loads neither Flask nor SQLAlchemy nor surveys."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_indicators_imports_no_web_or_database_code():
    code = (
        "import sys, pkgutil, importlib, indicators\n"
        "for m in pkgutil.iter_modules(indicators.__path__):\n"
        "    importlib.import_module('indicators.' + m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'surveys', 'flask_sqlalchemy', 'werkzeug')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_app_module_only_defines_the_factory():
    import ast

    tree = ast.parse((ROOT / "app.py").read_text())
    public = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("configure")]
    assert public == ["create_app"]
    # Nothing imports app.py except the tests' fixtures.
    for path in list((ROOT / "surveys").rglob("*.py")) + list((ROOT / "indicators").rglob("*.py")):
        text = path.read_text()
        assert "from app import" not in text and "import app\n" not in text, path
