"""The read after every submission (a leaf cell's pending responses) finds them in the partial
index of unreleased rows, not by going through every response of the measurement year."""

from __future__ import annotations

import pytest

from surveys import releases
from surveys.extensions import db


@pytest.mark.parametrize("without_insats", [False, True])
def test_the_pending_read_uses_the_unreleased_index(app, without_insats):
    connection = db.session.connection()
    compiled = releases._pending_select(connection.dialect, "pending", without_insats).compile(
        dialect=connection.dialect)
    if connection.dialect.name == "sqlite":
        values = tuple(1 for _ in compiled.positiontup)
        plan = " ".join(str(row) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, values))
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # an empty table: no scan would be cheaper
        values = {name: 1 for name in compiled.bind_names.values()} | {"questionnaire": "DP"}
        plan = " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + compiled.string, values))
    db.session.rollback()
    assert "ix_response_unreleased" in plan, plan
