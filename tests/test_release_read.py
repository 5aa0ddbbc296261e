"""The read after every submission (a leaf cell's pending responses) finds them in the partial
index of unreleased rows, not by going through every response of the measurement year.

Checked on SQLite, whose planner takes a partial index only when the query repeats the index's
condition word for word; PostgreSQL proves the condition itself and picks among its indexes by
the table's statistics."""

from __future__ import annotations

import pytest

from surveys import releases
from surveys.extensions import db


@pytest.mark.parametrize("without_insats", [False, True])
def test_the_pending_read_uses_the_unreleased_index(app, without_insats):
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        pytest.skip("SQLite's planner only")
    compiled = releases._pending_select(connection.dialect, "pending", without_insats).compile(
        dialect=connection.dialect)
    values = tuple(1 for _ in compiled.positiontup)
    plan = " ".join(str(row) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, values))
    db.session.rollback()
    assert "USING INDEX ix_response_unreleased" in plan, plan
