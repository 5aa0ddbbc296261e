"""Scripted set-up: create-forbund, create-insats, create-user."""

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from surveys.extensions import db
from surveys.models import AuditEvent, Forbund, Insats, User


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_forbund_insats_and_users(runner):
    result = runner.invoke(args=["create-forbund", "norrby", "Samordningsförbundet Norrby"])
    assert result.exit_code == 0, result.output
    assert "Norrby" in result.output
    assert runner.invoke(args=["create-insats", "--forbund", "norrby", "Steg för steg"]).exit_code == 0
    assert runner.invoke(args=["create-insats", "--forbund", "norrby", "Unga vuxna"]).exit_code == 0

    result = runner.invoke(args=["create-user", "Kansli", "--role", "officer", "--forbund", "norrby",
                                 "--name", "Kansliet", "--password-stdin"], input="ett-langt-losen\n")
    assert result.exit_code == 0, result.output
    officer = db.session.scalar(select(User).where(User.username == "kansli"))
    assert officer.role == "officer" and officer.forbund.slug == "norrby" and officer.name == "Kansliet"
    assert check_password_hash(officer.password_hash, "ett-langt-losen")
    assert officer.password_hash != "ett-langt-losen"

    result = runner.invoke(args=["create-user", "personal", "--role", "staff", "--forbund", "norrby",
                                 "--insats", "Steg för steg", "--insats", "Unga vuxna", "--password-stdin"],
                           input="ett-langt-losen\n")
    assert result.exit_code == 0, result.output
    staff = db.session.scalar(select(User).where(User.username == "personal"))
    assert sorted(i.name for i in staff.insatser) == ["Steg för steg", "Unga vuxna"]

    result = runner.invoke(args=["create-user", "root", "--role", "admin", "--password-stdin"], input="ett-langt-losen\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.forbund_id).where(User.username == "root")) is None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"forbund.create", "insats.create", "user.create"} <= actions


def test_password_prompt_is_hidden_and_confirmed(runner):
    runner.invoke(args=["create-forbund", "norrby", "Norrby"])
    result = runner.invoke(args=["create-user", "kansli", "--role", "officer", "--forbund", "norrby"],
                           input="ett-langt-losen\nett-langt-losen\n")
    assert result.exit_code == 0, result.output
    assert "ett-langt-losen" not in result.output  # hidden input is not echoed
    assert count(User) == 1


def test_errors_are_clear_and_nothing_is_half_created(runner):
    runner.invoke(args=["create-forbund", "norrby", "Norrby"])
    runner.invoke(args=["create-insats", "--forbund", "norrby", "Steg för steg"])
    cases = [
        (["create-forbund", "norrby", "Igen"], "redan"),
        (["create-forbund", "Ogiltigt Namn!", "X"], "Kortnamn"),
        (["create-insats", "--forbund", "okand", "X"], "okand"),
        (["create-insats", "--forbund", "norrby", "steg för steg"], "redan"),
        (["create-user", "a", "--role", "officer", "--forbund", "norrby", "--password-stdin"], "Användarnamn"),
        (["create-user", "kansli", "--role", "officer", "--forbund", "okand", "--password-stdin"], "okand"),
        (["create-user", "kansli", "--role", "officer", "--password-stdin"], "Förbund"),
        (["create-user", "kansli", "--role", "admin", "--forbund", "norrby", "--password-stdin"], "administratör"),
        (["create-user", "kansli", "--role", "staff", "--forbund", "norrby", "--password-stdin"], "minst en insats"),
        (["create-user", "kansli", "--role", "staff", "--forbund", "norrby", "--insats", "Finns inte",
          "--password-stdin"], "Finns inte"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args, input="ett-langt-losen\n")
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    result = runner.invoke(args=["create-user", "kansli", "--role", "boss", "--password-stdin"], input="x\n")
    assert result.exit_code == 2 and "boss" in result.output
    result = runner.invoke(args=["create-user", "kansli", "--role", "officer", "--forbund", "norrby",
                                 "--password-stdin"], input="kort\n")
    assert result.exit_code == 1 and "Lösenord" in result.output
    assert count(User) == 0 and count(Forbund) == 1 and count(Insats) == 1


def test_duplicate_username_is_refused(runner):
    runner.invoke(args=["create-user", "root", "--role", "admin", "--password-stdin"], input="ett-langt-losen\n")
    result = runner.invoke(args=["create-user", "ROOT", "--role", "admin", "--password-stdin"], input="ett-langt-losen\n")
    assert result.exit_code == 1 and "upptaget" in result.output
    assert count(User) == 1
