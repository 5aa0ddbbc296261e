"""Flask commands; each domain keeps its commands in its own module with a ``register(app)``."""

from __future__ import annotations

import importlib

from flask import Flask

#: Modules that define commands (each has ``register(app)``).
COMMAND_MODULES = ("surveys.demo", "surveys.import_cli", "surveys.setup_cli", "surveys.backup_cli", "surveys.results_cli", "surveys.report_cli")


def register(app: Flask) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
