"""``flask results --format json`` checked figure by figure against values computed here by hand.

Responses are stored through the response CSV import (surveys.imports) and then marked released
(as data stored before the release rule; the measurement year is closed, so the release rule
itself would never show them). Every expected figure, and the disclosure rules (hierarchy,
indicators from shown items, riket utom förbundet from three other förbund), are computed by
hand in ``tests/results_json_expected.py`` with plain Python arithmetic and scipy.stats.t only
(no indicators code).
"""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import select, update

from surveys.extensions import db
from surveys.imports import import_responses
from surveys.instruments import instrument
from surveys.models import Response
from surveys.references import import_references
from tests.results_json_expected import IMPORTED, INST, check_families, check_indicators, check_items

YEAR = 2025
DATE = "2025-03-01"  # measurement year 2025


def _records(seed: int = 7):
    """Synthetic responses: (förbund slug, insats name or "", group, {item: code or None (Vet ej)})."""
    rng = random.Random(seed)
    plan = [
        ("fa", "X", "DP", 9), ("fa", "Y", "DP", 4), ("fa", "X", "DA", 3),  # DA below the threshold
        ("fa", "X", "PE", 6), ("fa", "", "CH", 6),
        ("fb", "Z", "DP", 8), ("fb", "Z", "PE", 2), ("fb", "", "CH", 5), ("fb", "", "ST", 6),
        ("fc", "W", "DP", 9), ("fc", "", "CH", 7), ("fd", "V", "DP", 7), ("fd", "", "CH", 6),
    ]
    out = []
    for slug, insats, group, count in plan:
        items = INST.questionnaires[group].item_ids
        for k in range(count):
            answers = {}
            for j, item in enumerate(items):
                roll = rng.random()
                if j == 1 and group == "DP" and slug == "fa" and k:
                    answers[item] = None  # DP02 mostly "Vet ej" in fa: item below the threshold
                elif roll < 0.08:
                    continue  # unanswered
                elif roll < 0.15:
                    answers[item] = None  # Vet ej
                else:
                    answers[item] = rng.randint(1, 6)
            if all(v is None for v in answers.values()):
                answers[items[0]] = 3
            out.append((slug, insats, group, answers))
    return out


def _csv(records, slug):
    items = list(INST.items)
    lines = [",".join(["questionnaire", "insats", "date", *items])]
    for s, insats, group, answers in records:
        if s != slug:
            continue
        cells = []
        for item in items:
            if item not in answers:
                cells.append("")
            else:
                cells.append("9" if answers[item] is None else str(answers[item]))
        lines.append(",".join([group, insats, DATE, *cells]))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def world(app, make_forbund, make_insats):
    fa = make_forbund(slug="fa", name="Förbund A")
    fb = make_forbund(slug="fb", name="Förbund B")
    fc = make_forbund(slug="fc", name="Förbund C")
    fd = make_forbund(slug="fd", name="Förbund D")
    for name in ("X", "Y"):
        make_insats(fa, name)
    make_insats(fb, "Z")
    make_insats(fc, "W")
    make_insats(fd, "V")
    records = _records()
    for forbund in (fa, fb, fc, fd):
        result = import_responses(forbund, _csv(records, forbund.slug), instrument(), entered_by_id=None, source="t.csv")
        assert result.created == sum(1 for r in records if r[0] == forbund.slug)
    # The year is closed: the release rule never shows these; mark them as released earlier.
    assert not any(db.session.scalars(select(Response.released)))
    db.session.execute(update(Response).values(released=True))
    db.session.commit()
    return {"fa": fa.id, "fb": fb.id, "records": records}


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["results", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- tests -------------------------------------------------------------------------------------


def test_whole_forbund_against_computed_riket(app, world):
    out = run(app, "--forbund", "fa", "--year", str(YEAR))
    records = world["records"]
    unit = lambda r: r[0] == "fa"  # noqa: E731
    assert out["reference"] == "computed"
    assert "3 andra förbund" in out["reference_source"]
    assert len(out["items"]) == len(INST.items)
    assert check_items(out, records, unit, "computed") > 10
    assert check_indicators(out, records, unit, "computed") > 5
    assert check_families(out) > 0
    assert any(e["no_test_reason"] == "census" for e in out["items"] if e["group"] == "CH")
    # The suppressed group (DA, 3 responses) and the empty one (ST) carry no figures at all.
    da = [e for e in out["items"] + out["indicators"] if e["group"] in ("DA", "ST")]
    assert da and all(e["suppressed"] and e["n"] is None and e["mean"] is None for e in da)
    counts = {(c["group"], c["year"]): c["n"] for c in out["response_counts"]}
    assert counts[("DP", YEAR)] == 13 and counts[("DA", YEAR)] is None and counts[("ST", YEAR)] is None
    # DP02 is mostly "Vet ej" in fa: the item is suppressed while its group is shown.
    dp02 = next(e for e in out["items"] if e["id"] == "DP02")
    assert dp02["suppressed"] is True


def test_one_insats_and_no_reference(app, world):
    out = run(app, "--forbund", "fa", "--year", str(YEAR), "--insats", "X", "--reference", "none")
    unit = lambda r: r[0] == "fa" and r[1] == "X"  # noqa: E731
    assert out["groups"] == ["DP", "DA", "PE"]  # CH and ST are answered about the förbund
    assert check_items(out, world["records"], unit, "none", ("fa", "X")) > 5
    assert check_indicators(out, world["records"], unit, "none", ("fa", "X")) > 3
    from sqlalchemy import select

    from surveys.models import AuditEvent

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "results.export"))
    assert (event.forbund_id, event.target) == (world["fa"], f"resultat {YEAR}") and "insats=X" in event.detail


def test_no_riket_without_three_other_forbund(app, world):
    # ST is answered only in fb: riket utom förbundet for fb has no other förbund at all.
    out = run(app, "--forbund", "fb", "--year", str(YEAR), "--group", "ST")
    shown = [e for e in out["items"] + out["indicators"] if not e["suppressed"]]
    assert shown
    for entry in shown:
        assert entry["reference_mean"] is None and entry["reference_n"] is None
        assert entry["difference"] is None and entry["p_value"] is None



def test_against_imported_riket(app, world, tmp_path):
    lines = ["year;group;target;mean;sd;n;source"]
    for (group, target), (mean, sd, n) in IMPORTED.items():
        fmt = lambda x: "" if x is None else str(x).replace(".", ",")  # noqa: E731
        lines.append(f"{YEAR};{group};{target};{fmt(mean)};{fmt(sd)};{fmt(n)};Testkälla")
    import_references("\n".join(lines).encode(), filename="ref.csv")
    db.session.commit()
    out = run(app, "--forbund", "fa", "--year", str(YEAR), "--reference", "imported")
    assert out["reference"] == "imported" and "Testkälla" in out["reference_source"]
    unit = lambda r: r[0] == "fa"  # noqa: E731
    check_items(out, world["records"], unit, "imported")
    check_indicators(out, world["records"], unit, "imported")
    assert check_families(out) > 0
    compared = [e for e in out["items"] + out["indicators"] if e["p_value"] is not None]
    assert {e["test"] for e in compared} == {"welch", "one_sample"}
