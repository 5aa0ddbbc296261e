"""Application factory. Nothing imports this module; ``flask --app app`` finds ``create_app``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from surveys import setup
from surveys.config import Defaults, instance_secret_key, normalise_database_url


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    configure_settings(app, test_config)
    setup.configure_extensions(app)
    setup.configure_i18n(app)
    setup.configure_security(app)
    setup.configure_blueprints(app)
    setup.configure_errors(app)
    setup.configure_cli(app)
    return app


def configure_settings(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Defaults, then instance/config.py, then the environment, then the test override."""
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "surveys.sqlite")
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.from_prefixed_env("SURVEYS")
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if int(app.config["REPORTING_THRESHOLD"]) < 3:
        raise ValueError("REPORTING_THRESHOLD must be at least 3")
