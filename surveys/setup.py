"""The named steps of the application factory."""

from __future__ import annotations

import sqlite3

from flask import Flask, abort, g, has_request_context, render_template, request, session
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from werkzeug.routing import IntegerConverter

from . import sqlite_writer
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .web_input import CleanRequest

#: Names of the form fields that take a file upload (the import pages).
UPLOAD_FIELDS = {"file"}


def configure_extensions(app: Flask) -> None:
    from . import logs

    logs.install(app.logger)  # no respondent path, SQL parameter or answer text in any log line
    app.request_class = CleanRequest  # control characters removed from every text input
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_writer.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(app), render_as_batch=True, compare_type=True)

    @app.before_request
    def refuse_nameless_fields():
        # A multipart part whose name cannot be parsed arrives as a field named None, which
        # crashes the CSRF check (500); no browser sends one, so refuse it as a bad request.
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and (None in request.form or None in request.files):
            abort(400)
        # A file part under a text field's name reaches that field as a file (a 500 in a length
        # check); uploads only ever come in a field named "file".
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and set(request.files) - UPLOAD_FIELDS:
            abort(400, description=_l("Formuläret innehöll en fil i ett fält för text. Skicka formuläret från sidan igen."))

    csrf.init_app(app)  # after the check above: before_request functions run in order
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logga in för att se sidan.")
    login_manager.session_protection = "basic"

    from . import job_models, models  # noqa: F401 -- every table in the metadata

    @login_manager.user_loader
    def load_user(user_id: str):
        ident, _, token = user_id.partition(":")
        if not ident.isdigit():
            return None
        user = db.session.get(models.User, int(ident))
        if user is None or user.session_token != token or not user.active:
            return None
        return user

    @app.teardown_request
    def rollback_unfinished(exc):  # a failed request never leaves half a transaction behind
        if exc is not None:
            db.session.rollback()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite under several gunicorn workers: WAL lets readers run beside the one writer, a busy
    timeout makes a writer wait for the lock instead of failing with "database is locked" (a 500
    for the respondent), and each commit is on disk when it returns, synced after the lock
    (``surveys.sqlite_writer``). Foreign keys are enforced as on PostgreSQL, so deleting a
    response removes its answers on both. Other databases are left alone."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        journal_mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        cursor.execute("PRAGMA foreign_keys = ON")
        databases = cursor.execute("PRAGMA database_list").fetchall()  # (seq, name, file)
        cursor.close()
        main = next((file for _seq, name, file in databases if name == "main"), "")
        sqlite_writer.configure(dbapi_connection, journal_mode, main)
        _owner_only([file for _seq, _name, file in databases if file])


def _owner_only(paths) -> None:
    """The database holds every answer: readable by the app's own user only (0600), with its
    write-ahead log and shared-memory files; SQLite creates them with the process umask."""
    import os

    for path in paths:
        for name in (path, path + "-wal", path + "-shm"):
            try:
                if os.stat(name).st_mode & 0o077:
                    os.chmod(name, 0o600)
            except FileNotFoundError:
                pass


def _migrations_dir(app: Flask) -> str:
    import os

    return os.path.join(app.root_path, "migrations")


def select_locale() -> str:
    """Respondent pages carry ?lang=; staff pages follow the user's choice; Swedish first."""
    from flask import current_app

    langs = current_app.config["UI_LANGUAGES"]
    if not has_request_context():  # CLI commands (results, reports) use the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = getattr(g, "respondent_lang", None)
    if lang:
        return lang
    langs = current_app.config.get("STAFF_UI_LANGUAGES", langs)  # staff pages: no Arabic UI
    if current_user and getattr(current_user, "is_authenticated", False):
        if current_user.language in langs:
            return current_user.language
    if session.get("lang") in langs:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def configure_i18n(app: Flask) -> None:
    import os

    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", os.path.join(app.root_path, "surveys", "translations")
    )
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def locale_helpers():
        from flask_babel import get_locale

        return {"current_locale": lambda: str(get_locale() or "sv")}

    @app.template_filter("localized")
    def localized(texts: dict) -> str:
        """An instrument text table ({"sv": ..., "en": ...}) in the page's language, else Swedish."""
        from flask_babel import get_locale

        return texts.get(str(get_locale() or "sv")) or texts.get("sv") or next(iter(texts.values()), "")


def configure_security(app: Flask) -> None:
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies:
        # Behind N trusted reverse proxies: take scheme, host and client address from their headers.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    csp = {
        "default-src": "'self'",
        "img-src": ["'self'", "data:"],
        "style-src": "'self'",
        "script-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=csp,
        frame_options="DENY",
        referrer_policy="no-referrer",
        x_content_type_options=True,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )

    @app.after_request
    def no_store_for_answers(response):
        # Questionnaires and staff pages must not linger in shared browser caches.
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class DatabaseId(IntegerConverter):
    """``<int:...>`` in every route: at most 2**31 - 1 (an integer column on PostgreSQL), so a
    larger number in a URL is a 404 like any unknown id, never a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def configure_blueprints(app: Flask) -> None:
    from .views import auth, pages, respond

    app.url_map.converters["int"] = DatabaseId  # before any rule is added

    app.register_blueprint(pages.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(auth.bp)

    from .views import health

    app.register_blueprint(health.bp)

    from .views import references, results

    app.register_blueprint(results.bp)
    app.register_blueprint(references.bp)

    from .views import admin, link_pages, officer, staff

    app.register_blueprint(admin.bp)
    app.register_blueprint(officer.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(link_pages.bp)

    @app.context_processor
    def navigation_helpers():
        # templates/_nav.html links only to endpoints that exist in this installation
        return {"endpoints": app.view_functions.keys()}

    from .views import datacare, paper, paper_import  # noqa: F401 (paper_import adds routes to paper.bp)

    app.register_blueprint(paper.bp)
    app.register_blueprint(datacare.bp)

    from .views import languages

    app.register_blueprint(languages.bp)

    from .views import reports

    app.register_blueprint(reports.bp)

    from .views import account

    app.register_blueprint(account.bp)


def configure_errors(app: Flask) -> None:
    def render_error(status: int, title, message):
        from . import respondent_language

        respondent_language.apply_for_error_page()  # /s/... pages: the respondent's language
        return render_template("error.html", status=status, title=title, message=message,
                               respondent=bool(g.get("respondent_page_lang")),
                               **respondent_language.page_attributes()), status

    @app.errorhandler(400)
    def bad_request(exc):
        # A view that says what was wrong passes a translatable description (never library English).
        own = getattr(exc, "description", None)
        message = own if isinstance(own, LazyString) else _l("Sidan kunde inte visas eftersom begäran var felaktig.")
        return render_error(400, _l("Felaktig begäran"), message)

    @app.errorhandler(CSRFError)
    def form_expired(exc):
        # A staff form sent after its session expired (or from another tab after logging out):
        # say so, instead of "bad request". Respondents' questionnaires keep their answers instead.
        return render_error(400, _l("Formuläret hade gått ut"), _l(
            "Inget av det du skickade har sparats, eftersom sidan hade varit öppen för länge eller du "
            "hade loggat ut. Gå tillbaka, ladda om sidan och skicka igen."))

    @app.errorhandler(403)
    def forbidden(exc):
        return render_error(403, _l("Ingen behörighet"), _l("Du har inte behörighet att se den här sidan."))

    @app.errorhandler(404)
    def not_found(exc):
        return render_error(404, _l("Sidan finns inte"), _l("Vi hittar inte sidan du söker. Kontrollera adressen eller länken du fick."))

    @app.errorhandler(405)
    def not_allowed(exc):
        return render_error(405, _l("Det går inte att göra så"), _l("Sidan stöder inte den här typen av begäran."))

    @app.errorhandler(413)
    def too_large(exc):
        return render_error(413, _l("För stor fil"), _l("Det du skickade är för stort."))

    @app.errorhandler(429)
    def too_many(exc):
        return render_error(429, _l("För många försök"), _l("Du har gjort för många försök på kort tid. Vänta en stund och försök igen."))

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        # The database did not answer (restarting, connection lost, locked too long): say so,
        # and that nothing was stored, instead of a server error. No SQL or parameters logged.
        db.session.rollback()
        app.logger.warning("database unavailable: %s", type(getattr(exc, "orig", exc)).__name__)
        return render_error(503, _l("Tjänsten är tillfälligt otillgänglig"),
                            _l("Tjänsten kunde inte nå sina uppgifter just nu. Inget av det du skickade har sparats. "
                               "Försök igen om en stund."))

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_error(500, _l("Något gick fel"), _l("Ett fel uppstod. Inget av det du skickade har sparats. Försök igen om en stund."))


def configure_cli(app: Flask) -> None:
    from . import cli
    from .queue import create_huey, worker_command

    cli.register(app)
    create_huey(app)
    app.cli.add_command(worker_command)
