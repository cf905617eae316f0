"""The dependency rule: trainer.core never imports Qt or trainer.ui."""

from __future__ import annotations

import subprocess
import sys


def test_core_and_cli_import_without_qt() -> None:
    code = (
        "import sys, importlib, pkgutil, trainer.core, trainer.cli\n"
        "for m in pkgutil.walk_packages(trainer.core.__path__, 'trainer.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.startswith(('PySide6', 'trainer.ui')))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
