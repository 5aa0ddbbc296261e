"""Results for one unit: load answers as plain arrays, score them in ``indicators``, compare with riket.

One query loads every answer needed for a request (the unit's, and with a computed reference
all förbund's), never a query per item. Withdrawn responses are excluded everywhere.
The output is an ``indicators.results.ResultSet``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, select

from indicators.answers import AnswerSet
from indicators.catalogue import GROUP_CODES, Instrument
from indicators.compare import Reference, compare_indicator, compare_item, reference_indicators, reference_items
from indicators.results import CombinedRow, IndicatorRow, ItemRow, ResultSet
from indicators.scoring import combine_groups, score_indicators, score_items

from .errors import ServiceError
from .extensions import db
from .instruments import instrument
from .local_indicators import load_local
from .models import Answer, Forbund, FreeText, Insats, ReferenceValue, Response

REFERENCE_KINDS = ("computed", "imported", "none")


@dataclass(frozen=True)
class AnswerFrame:
    """Answers as parallel arrays, one row per (response, item); a response without answers
    has one row with item "" (it still counts as a response)."""

    response: np.ndarray  #: int64 dense response code
    forbund: np.ndarray  #: int64 förbund id
    insats: np.ndarray  #: int64 insats id, -1 for none
    group: np.ndarray  #: object: questionnaire code
    year: np.ndarray  #: int64 measurement year
    item: np.ndarray  #: object: item id ("" = no answer row)
    value: np.ndarray  #: float64 code 1..6, NaN for "Vet ej"

    def __len__(self) -> int:
        return self.value.shape[0]


def load_answers(*, years: Iterable[int], groups: Iterable[str], forbund_id: int | None = None,
                 insats_id: int | None = None) -> AnswerFrame:
    """Load the answers of non-withdrawn responses with ONE query, scoped when ids are given.

    ``forbund_id=None`` loads every förbund of the installation (for a computed riket).
    """
    stmt = (
        select(Response.id, Response.forbund_id, Response.insats_id, Response.questionnaire,
               Response.measurement_year, Answer.item_id, Answer.value)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Response.withdrawn.is_(false()), Response.measurement_year.in_(list(years)),
               Response.questionnaire.in_(list(groups)))
    )
    if forbund_id is not None:
        stmt = stmt.where(Response.forbund_id == forbund_id)
    if insats_id is not None:
        stmt = stmt.where(Response.insats_id == insats_id)
    rows = db.session.execute(stmt).all()
    if not rows:
        empty_i, empty_o = np.zeros(0, np.int64), np.zeros(0, object)
        return AnswerFrame(empty_i, empty_i, empty_i, empty_o, empty_i, empty_o, np.zeros(0))
    rid, fid, iid, grp, year, item, value = zip(*rows, strict=True)
    codes: dict[str, int] = {}
    response = np.fromiter((codes.setdefault(r, len(codes)) for r in rid), np.int64, len(rid))
    return AnswerFrame(
        response=response,
        forbund=np.asarray(fid, np.int64),
        insats=np.fromiter((-1 if i is None else i for i in iid), np.int64, len(iid)),
        group=np.asarray(grp, object),
        year=np.asarray(year, np.int64),
        item=np.asarray([i or "" for i in item], object),
        value=np.asarray([np.nan if v is None else v for v in value], np.float64),
    )


def answer_set(frame: AnswerFrame, mask: np.ndarray, items: tuple[str, ...], *, by_forbund: bool = False) -> AnswerSet:
    """Build an AnswerSet of the masked rows for one questionnaire's items (others dropped)."""
    index = {item: k for k, item in enumerate(items)}
    sel = np.flatnonzero(mask)
    codes = np.fromiter((index.get(i, -1) for i in frame.item[sel]), np.int64, sel.size)
    keep = sel[codes >= 0]
    codes = codes[codes >= 0]
    if not by_forbund:
        return AnswerSet(frame.response[keep], codes, frame.value[keep], items)
    units, unit = np.unique(frame.forbund[keep], return_inverse=True)
    return AnswerSet(frame.response[keep], codes, frame.value[keep], items, unit,
                     tuple(int(u) for u in units))


@dataclass(frozen=True)
class ResultRequest:
    """What to show: a förbund (or one of its insatser), years, groups and the reference."""

    forbund: Forbund
    years: tuple[int, ...]
    groups: tuple[str, ...] = GROUP_CODES
    insats: Insats | None = None
    reference: str = "computed"
    #: For an imported reference: the source to use (default: the latest import per year).
    reference_source: str | None = None

    def __post_init__(self):
        if self.reference not in REFERENCE_KINDS:
            raise ServiceError("reference", _l("Välj en av %(kinds)s.", kinds=', '.join(REFERENCE_KINDS)))
        if not self.years:
            raise ServiceError("year", _l("Välj minst ett år."))
        unknown = [g for g in self.groups if g not in GROUP_CODES]
        if unknown or not self.groups:
            raise ServiceError("groups", _l("Okänd grupp."))
        if self.insats is not None and self.insats.forbund_id != self.forbund.id:
            raise ServiceError("insats", _l("Insatsen hör inte till förbundet."))


def shown_groups(inst: Instrument, request: ResultRequest) -> tuple[str, ...]:
    """Groups in instrument order; for an insats only the questionnaires answered about one."""
    groups = [g for g in GROUP_CODES if g in request.groups and g in inst.questionnaires]
    if request.insats is not None:
        groups = [g for g in groups if inst.questionnaires[g].about == "insats"]
    return tuple(groups)


def build_result_set(request: ResultRequest) -> ResultSet:
    """Score items and indicators per group and year for the unit and compare with the reference."""
    threshold = current_app.config["REPORTING_THRESHOLD"]
    inst = instrument()
    years = tuple(sorted(set(request.years)))
    groups = shown_groups(inst, request)
    forbund = request.forbund
    insats_id = request.insats.id if request.insats is not None else None

    if request.reference == "computed":
        frame = load_answers(years=years, groups=groups)
        unit_mask = frame.forbund == forbund.id
        if insats_id is not None:
            unit_mask &= frame.insats == insats_id
    else:
        frame = load_answers(years=years, groups=groups, forbund_id=forbund.id, insats_id=insats_id)
        unit_mask = np.ones(len(frame), bool)

    imported, ref_source, ref_demo = {}, "", False
    if request.reference == "imported":
        imported, ref_source, ref_demo = imported_references(years, request.reference_source)
    contributors: set[int] = set()

    items, indicators, combined, counts = [], [], [], {}
    for year in years:
        by_group_indicator: dict[str, dict] = {}
        for group in groups:
            q = inst.questionnaires[group]
            item_ids = q.item_ids
            item_indicator = {i.id: i.indicator for i in q.items}
            cell = (frame.group == group) & (frame.year == year)
            unit_cell = cell & unit_mask
            n_resp = np.unique(frame.response[unit_cell]).size
            counts[(group, year)] = n_resp if n_resp >= threshold else None

            answers = answer_set(frame, unit_cell, item_ids)
            item_results = score_items(answers, threshold=threshold)
            ind_results = score_indicators(answers, item_indicator, threshold=threshold)
            item_refs: dict = {}
            ind_refs: dict = {}
            if request.reference == "computed":
                pooled = answer_set(frame, cell, item_ids, by_forbund=True)
                item_refs = reference_items(pooled, threshold=threshold)
                ind_refs = reference_indicators(pooled, item_indicator, threshold=threshold)
                for ref in (*item_refs.values(), *ind_refs.values()):
                    contributors |= ref.contributors or set()
            elif request.reference == "imported":
                item_refs = {t: r for (y, g, t), r in imported.items() if y == year and g == group}
                ind_refs = item_refs

            for item in q.items:
                result = item_results[item.id]
                ref = item_refs.get(item.id)
                cmp = compare_item(result, ref, unit=forbund.id) if ref is not None else None
                items.append(ItemRow(group, item.id, item.indicator, dict(item.text), item.scale, year,
                                     result, ref, cmp))
            for ind_id, result in ind_results.items():
                ref = ind_refs.get(ind_id)
                cmp = compare_indicator(result, ref, unit=forbund.id) if ref is not None else None
                indicators.append(IndicatorRow(group, ind_id, dict(inst.indicators[ind_id].name), year,
                                               result, ref, cmp))
                by_group_indicator.setdefault(ind_id, {})[group] = result
        for ind in inst.measured_indicators:
            if ind.id in by_group_indicator:
                combined.append(CombinedRow(ind.id, year, combine_groups(by_group_indicator[ind.id])))

    if request.reference == "computed":
        ref_source, ref_demo = computed_source(contributors, forbund.id)
    order = {ind.id: k for k, ind in enumerate(inst.indicators.values())}
    indicators.sort(key=lambda r: (r.year, groups.index(r.group), order[r.indicator_id]))
    return ResultSet(
        unit_label=request.insats.name if request.insats is not None else _("Hela förbundet"),
        forbund_name=forbund.name,
        insats_name=request.insats.name if request.insats is not None else None,
        years=years,
        groups=groups,
        threshold=threshold,
        reference_kind=request.reference,
        reference_source=ref_source,
        is_demo=bool(forbund.is_demo),
        response_counts=counts,
        items=tuple(items),
        indicators=tuple(indicators),
        combined=tuple(combined),
        local=load_local(forbund.id, years) if request.insats is None else (),
        instrument_version=inst.version,
        reference_is_demo=ref_demo,
    )


def computed_source(contributors: set[int], unit_id: int) -> tuple[str, bool]:
    """Describe a computed riket: how many förbund it pools, and whether any is demo data."""
    if not contributors:
        return _("Beräknat i installationen: för få svar för att beräkna riket."), False
    demo = bool(db.session.scalar(
        select(func.count()).select_from(Forbund).where(Forbund.id.in_(contributors), Forbund.is_demo.is_(True))
    ))
    text = _("Beräknat från %(n)d förbund i installationen", n=len(contributors))
    if contributors == {unit_id}:
        text += " – " + _("bara ert eget förbund, så ingen jämförelse görs")
    if demo:
        text += " (" + _("demodata") + ")"
    return text, demo


def latest_sources(years: Iterable[int]) -> dict[int, str]:
    """The most recently imported reference source of each year."""
    out: dict[int, str] = {}
    rows = db.session.execute(
        select(ReferenceValue.year, ReferenceValue.source, func.max(ReferenceValue.id))
        .where(ReferenceValue.year.in_(list(years)))
        .group_by(ReferenceValue.year, ReferenceValue.source)
        .order_by(func.max(ReferenceValue.id))
    )
    for year, source, _last in rows:
        out[year] = source
    return out


def imported_references(years: tuple[int, ...], source: str | None) -> tuple[dict, str, bool]:
    """Imported riket per (year, group, target) from one source per year; its description; demo flag."""
    sources = {y: source for y in years} if source else latest_sources(years)
    refs: dict[tuple[int, str, str], Reference] = {}
    demo = False
    if not sources:
        return refs, _("Inga importerade riksvärden för valda år."), False
    for year, src in sources.items():
        for rv in db.session.scalars(
            select(ReferenceValue).where(ReferenceValue.year == year, ReferenceValue.source == src)
        ):
            refs[(rv.year, rv.group, rv.target)] = Reference(rv.mean, rv.sd, rv.n, source="imported")
            demo |= rv.is_demo
    found = sorted({y for y, _g, _t in refs})
    parts = [f"{y}: {sources[y]}" for y in found]
    missing = [str(y) for y in years if y not in found]
    text = _("Importerade riksvärden") + " – " + "; ".join(parts) if parts else _("Inga importerade riksvärden för valda år.")
    if parts and missing:
        text += " (" + _("saknas för %(years)s", years=", ".join(missing)) + ")"
    if demo:
        text += " (" + _("demodata, inte officiella siffror") + ")"
    return refs, text, demo


def free_texts(forbund: Forbund, insats: Insats | None, year: int, group: str) -> list[tuple[str, str]] | None:
    """Free-text answers of one group and year, or None when the group is below the threshold.

    Returns (question id, text) pairs in a stable order that does not follow submission order.
    """
    threshold = current_app.config["REPORTING_THRESHOLD"]
    scope = [Response.forbund_id == forbund.id, Response.measurement_year == year,
             Response.questionnaire == group, Response.withdrawn.is_(false())]
    if insats is not None:
        scope.append(Response.insats_id == insats.id)
    n = db.session.scalar(select(func.count()).select_from(Response).where(*scope))
    if n < threshold:
        return None
    rows = db.session.execute(
        select(FreeText.question_id, FreeText.text).join(Response, FreeText.response_id == Response.id)
        .where(*scope).order_by(FreeText.question_id, FreeText.text)
    )
    return [(q, t) for q, t in rows if t.strip()]


def available_years(forbund_id: int, insats_ids: list[int] | None = None) -> list[int]:
    """Measurement years with responses (not withdrawn) in a förbund, or in some of its insatser."""
    stmt = select(Response.measurement_year).distinct().where(
        Response.forbund_id == forbund_id, Response.withdrawn.is_(false())
    )
    if insats_ids is not None:
        stmt = stmt.where(Response.insats_id.in_(insats_ids))
    return sorted(db.session.scalars(stmt))
