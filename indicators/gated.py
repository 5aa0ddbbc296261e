"""Score one cell (respondent group x year) of one view through the disclosure gate.

Pure: numpy and the standard library. ``surveys.results`` loads the released answers and calls
:func:`score_cell` once per cell; every output (pages, JSON, exports, charts, reports) is built
from what it returns, so nothing else decides suppression. The property test of the gate
(``tests/test_disclosure_property.py``) calls it directly with generated installations.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from indicators.answers import AnswerSet
from indicators.compare import Reference, reference_indicators, reference_items
from indicators.disclosure import TOO_FEW, riket_allowed, riket_indicator_allowed
from indicators.gate import plan_cell
from indicators.scoring import IndicatorResult, ItemResult, indicator_table, item_counts, score_indicators, score_items


@dataclass(frozen=True)
class GatedCell:
    """What one view shows of one cell. Hidden results carry no figures; ``reasons`` says why."""

    responses: int | None  #: released responses, None when hidden
    items: Mapping[str, ItemResult]
    indicators: Mapping[Hashable, IndicatorResult]
    item_refs: Mapping[str, Reference]
    indicator_refs: Mapping[Hashable, Reference]
    #: item id / indicator id / "responses" -> reason code of a hidden figure
    reasons: Mapping[Hashable, str]


def _riket(pooled: AnswerSet | None, own: Hashable, k: int, n_per_forbund, compute) -> dict:
    """References per target, shown only when D3 allows (three other förbund with >= k each)."""
    if pooled is None or not pooled.units:
        return {}
    refs = compute()
    out = {}
    for target, ref in refs.items():
        per = n_per_forbund.get(target)
        if per is None or not riket_allowed(per, own, k):
            out[target] = Reference(None, source="computed", suppressed=True)
        else:
            out[target] = ref
    return out


def score_cell(
    forbund_answers: AnswerSet,
    responses_per_leaf: Mapping[Hashable, int],
    item_indicator: Mapping[str, Hashable],
    k: int,
    *,
    view: Hashable = None,
    views: tuple = (),
    others: AnswerSet | None = None,
    own: Hashable = None,
    plans: Mapping | None = None,
) -> GatedCell:
    """Score the cell of one view of one förbund.

    Parameters
    ----------
    forbund_answers : AnswerSet
        Released answers of the whole förbund in this cell, units = leaves (insats ids, -1 for
        answers without insats).
    responses_per_leaf : mapping leaf -> released responses
    item_indicator : mapping item -> indicator (the questionnaire's items, in order)
    k : int
    view : None (the förbund total) or an insats id
    views : every insats of the förbund (so that empty ones are planned too)
    others : AnswerSet or None
        For a computed riket: the released answers of the OTHER förbund (units = förbund).
        Riket is "riket utom förbundet": the viewer's own förbund never enters it.
    own : the viewer's förbund id (checked against ``others``' units)
    plans : ``plan_cell(forbund_answers, responses_per_leaf, item_indicator, k, views)``, when the
        caller has it already (it needs every view's plan for the breakdowns)
    """
    if plans is None:
        plans = plan_cell(forbund_answers, responses_per_leaf, item_indicator, k, views)
    plan = plans[view]
    if forbund_answers.units is not None and view is not None:
        pos = [u for u, leaf in enumerate(forbund_answers.units) if leaf == view]
        mask = forbund_answers.unit == (pos[0] if pos else -2)
        unit_answers = AnswerSet(forbund_answers.response[mask], forbund_answers.item[mask],
                                 forbund_answers.value[mask], forbund_answers.items)
        n_resp = int(responses_per_leaf.get(view, 0))
    else:
        unit_answers = AnswerSet(forbund_answers.response, forbund_answers.item, forbund_answers.value,
                                 forbund_answers.items)
        n_resp = int(sum(responses_per_leaf.values()))

    scored_items = score_items(unit_answers, threshold=k)
    items = {i: (r if i in plan.items else ItemResult(i, True)) for i, r in scored_items.items()}
    restricted = {i: j for j, its in plan.indicator_items.items() for i in its}
    scored_ind = score_indicators(unit_answers, restricted, threshold=k) if restricted else {}
    indicators = {}
    reasons = dict(plan.hidden)
    for j in dict.fromkeys(item_indicator.values()):
        r = scored_ind.get(j)
        if r is None or r.suppressed:
            indicators[j] = IndicatorResult(j, True)
            reasons.setdefault(j, TOO_FEW)
        else:
            indicators[j] = r

    if others is not None and own in (others.units or ()):
        raise ValueError("riket utom förbundet: the viewer's own förbund must not be in `others`")
    item_refs, ind_refs = {}, {}
    if others is not None and others.units:
        per_item = item_counts(others, by_unit=True).sum(axis=2)
        n_items = {i: {f: int(per_item[u, c]) for u, f in enumerate(others.units)}
                   for c, i in enumerate(others.items)}
        item_refs = _riket(others, own, k, n_items, lambda: reference_items(others, threshold=k))
        if restricted:
            keys, table = indicator_table(others, restricted, by_unit=True)
            n_ind = {j: {f: int(table["n"][u, c]) for u, f in enumerate(others.units)} for c, j in enumerate(keys)}
            ind_refs = _riket(others, own, k, n_ind, lambda: reference_indicators(others, restricted, threshold=k))
            for j, ref in ind_refs.items():  # D3: no riket indicator built from a hidden riket item
                shown = (i in item_refs and not item_refs[i].suppressed for i, ij in restricted.items() if ij == j)
                if not ref.suppressed and not riket_indicator_allowed(shown):
                    ind_refs[j] = Reference(None, source="computed", suppressed=True)
    # A hidden cell carries no figures at all, its reference included.
    item_refs = {i: r for i, r in item_refs.items() if not items[i].suppressed}
    ind_refs = {j: r for j, r in ind_refs.items() if not indicators[j].suppressed}
    return GatedCell(n_resp if plan.responses_shown else None, items, indicators, item_refs, ind_refs, reasons)
