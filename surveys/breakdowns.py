"""Background breakdowns of one unit's results (Scoring rule 8): kön, åldersgrupp and time in the
intervention (DP, DA) and partner organisation (PE, CH, ST).

Loads the background answers of the förbund's released responses with ONE query and hands each
shown cell to :func:`indicators.breakdown.breakdown_cell`, which applies the disclosure rules.
Breakdowns are made for the whole förbund only: an insats view beside the förbund's would let
the two breakdowns be subtracted.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import select

from indicators.answers import AnswerSet
from indicators.breakdown import NOT_ANSWERED, BreakdownRow, breakdown_dimensions

from .extensions import db
from .models import BackgroundAnswer, Response
from .releases import visible


def load_background(forbund_id: int, years: Iterable[int], groups: Iterable[str]) -> dict[str, dict[str, str]]:
    """Background answers of the förbund's released responses: ``{response id: {question: option}}``."""
    rows = db.session.execute(
        select(BackgroundAnswer.response_id, BackgroundAnswer.question_id, BackgroundAnswer.value)
        .join(Response, Response.id == BackgroundAnswer.response_id)
        .where(visible(), Response.forbund_id == forbund_id, Response.measurement_year.in_(list(years)),
               Response.questionnaire.in_(list(groups)))
    )
    out: dict[str, dict[str, str]] = {}
    for rid, qid, value in rows:
        out.setdefault(rid, {})[qid] = value
    return out


def cell_breakdowns(frame, mask: np.ndarray, questionnaire, year: int, gated, k: int,
                    background: dict[str, dict[str, str]], views: dict | None = None) -> list[BreakdownRow]:
    """Breakdown rows of one shown cell (group x year) for every background question of the group.

    ``views``: the plan of every insats view of the cell (``indicators.gate.plan_cell``), so
    that the breakdowns are checked together with the insatser's own figures (D1)."""
    if gated.responses is None or not questionnaire.background:
        return []
    items = questionnaire.item_ids
    index = {item: c for c, item in enumerate(items)}
    sel = np.flatnonzero(mask)
    codes = np.fromiter((index.get(i, -1) for i in frame.item[sel]), np.int64, sel.size)
    keep, codes = sel[codes >= 0], codes[codes >= 0]
    response = frame.response[keep]
    item_indicator = {i.id: i.indicator for i in questionnaire.items}
    dimensions = []
    for question in questionnaire.background:
        categories = (*question.options, NOT_ANSWERED)
        position = {c: u for u, c in enumerate(categories)}
        unit = np.fromiter(
            (position.get(background.get(frame.ids[r], {}).get(question.id, NOT_ANSWERED), len(categories) - 1)
             for r in response), np.int64, response.size)
        dimensions.append((unit, categories))
    shown_views = {v: plan for v, plan in (views or {}).items() if v is not None}
    results = breakdown_dimensions(
        AnswerSet(response, codes, frame.value[keep], items), dimensions, gated.items, gated.indicators,
        item_indicator, k, leaf=frame.insats[keep],
        leaf_items={v: plan.items for v, plan in shown_views.items()},
        leaf_indicators={v: tuple(plan.indicator_items) for v, plan in shown_views.items()})
    rows: list[BreakdownRow] = []
    for question, (by_item, by_indicator) in zip(questionnaire.background, results, strict=True):
        rows += [BreakdownRow(questionnaire.code, year, question.id, "indicator", str(j), cells)
                 for j, cells in by_indicator.items()]
        rows += [BreakdownRow(questionnaire.code, year, question.id, "item", i, cells) for i, cells in by_item.items()]
    return rows


def breakdown_labels(inst, lang: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Display texts: background question id -> (question text, {option: label}) in `lang`."""
    from flask_babel import gettext as _

    out: dict[str, tuple[str, dict[str, str]]] = {}
    for q in inst.questionnaires.values():
        for b in q.background:
            use = lang if lang in b.labels else "sv"
            labels = {o: b.option_label(o, use) for o in b.options}
            labels[NOT_ANSWERED] = _("Uppgift saknas")
            out[b.id] = (b.text.get(lang) or b.text["sv"], labels)
    return out
