"""Results for one unit: load answers as plain arrays, score them in ``indicators``, compare with riket.

One query loads every answer needed for a request (the unit's, and with a computed reference
all förbund's), never a query per item. Withdrawn responses are excluded everywhere.
The output is an ``indicators.results.ResultSet``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from indicators.answers import AnswerSet
from indicators.catalogue import GROUP_CODES, Instrument, measurement_year
from indicators.compare import Reference, compare_indicator, compare_item
from indicators.disclosure import PENDING, TOO_FEW, hide_categories, subgroups_shown
from indicators.gate import plan_cell
from indicators.gated import score_cell
from indicators.multiplicity import adjust_rows
from indicators.results import CENSUS_GROUPS, CombinedRow, IndicatorRow, ItemRow, ResultSet
from indicators.scoring import combine_groups

from .breakdowns import cell_breakdowns, load_background
from .clock import today
from .errors import ServiceError
from .extensions import db
from .instruments import instrument
from .local_indicators import load_local
from .models import Answer, Forbund, FreeText, Insats, ReferenceValue, Response
from .releases import pending_count, visible
from .response_rates import asked_counts

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
    ids: tuple = ()  #: database id of each dense response code (for background breakdowns)

    def __len__(self) -> int:
        return self.value.shape[0]


def load_answers(*, years: Iterable[int], groups: Iterable[str], forbund_id: int | None = None,
                 insats_id: int | None = None) -> AnswerFrame:
    """Load the answers of released responses (spec D2) with ONE query, scoped when ids are given.

    ``forbund_id=None`` loads every förbund of the installation (for a computed riket).
    """
    stmt = (
        select(Response.id, Response.forbund_id, Response.insats_id, Response.questionnaire,
               Response.measurement_year, Answer.item_id, Answer.value)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(visible(), Response.measurement_year.in_(list(years)),
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
        ids=tuple(codes),
    )


def answer_set(frame: AnswerFrame, mask: np.ndarray, items: tuple[str, ...], *, by_forbund: bool = False,
               by_insats: bool = False) -> AnswerSet:
    """Build an AnswerSet of the masked rows for one questionnaire's items (others dropped).

    With ``by_forbund`` (or ``by_insats``) its units are the förbund (insatser, -1 = none).
    """
    index = {item: k for k, item in enumerate(items)}
    sel = np.flatnonzero(mask)
    codes = np.fromiter((index.get(i, -1) for i in frame.item[sel]), np.int64, sel.size)
    keep = sel[codes >= 0]
    codes = codes[codes >= 0]
    if not (by_forbund or by_insats):
        return AnswerSet(frame.response[keep], codes, frame.value[keep], items)
    units, unit = np.unique((frame.insats if by_insats else frame.forbund)[keep], return_inverse=True)
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
    """Score items and indicators per group and year for the unit through the disclosure gate.

    Only released answers count (D2). Every figure passes :func:`indicators.gated.score_cell`
    (D1 hierarchy, scoring rule 3, response counts); a computed riket pools the OTHER förbund
    only and needs three of them with at least k answers each (D3).
    """
    threshold = current_app.config["REPORTING_THRESHOLD"]
    inst = instrument()
    years = tuple(sorted(set(request.years)))
    groups = shown_groups(inst, request)
    # Scoring rule 5: the q-values' family is every item and indicator of every group of the unit,
    # whichever groups are shown, so a figure is marked significant alike on every page and file.
    family = shown_groups(inst, dataclasses.replace(request, groups=GROUP_CODES))
    forbund = request.forbund
    insats_id = request.insats.id if request.insats is not None else None
    computed = request.reference == "computed"
    frame = load_answers(years=years, groups=family, forbund_id=None if computed else forbund.id)
    own = frame.forbund == forbund.id
    insats_views = tuple(db.session.scalars(select(Insats.id).where(Insats.forbund_id == forbund.id)))

    imported, ref_source, ref_demo = {}, "", False
    if request.reference == "imported":
        imported, ref_source, ref_demo = imported_references(years, request.reference_source)
    contributors: set[int] = set()

    items, indicators, combined, counts, reasons = [], [], [], {}, {}
    breakdowns: list = []
    current_year = measurement_year(today())
    final_years = [y for y in years if subgroups_shown(y, current_year)]  # D2, D4: see subgroups_shown
    background = load_background(forbund.id, final_years, groups) if request.insats is None and final_years else {}
    for year in years:
        by_group_indicator: dict[str, dict] = {}
        for group in family:
            shown = group in groups
            q = inst.questionnaires[group]
            item_indicator = {i.id: i.indicator for i in q.items}
            cell = (frame.group == group) & (frame.year == year)
            fcell = cell & own
            leaf_of = dict(zip(frame.response[fcell].tolist(), frame.insats[fcell].tolist(), strict=True))
            per_leaf: dict[int, int] = {}
            for leaf in leaf_of.values():
                per_leaf[leaf] = per_leaf.get(leaf, 0) + 1
            others = answer_set(frame, cell & ~own, q.item_ids, by_forbund=True) if computed else None
            by_leaf = answer_set(frame, fcell, q.item_ids, by_insats=True)
            views = plan_cell(by_leaf, per_leaf, item_indicator, threshold, insats_views)
            gated = score_cell(by_leaf, per_leaf, item_indicator, threshold, view=insats_id, views=insats_views,
                               others=others, own=forbund.id, plans=views)
            cell_reasons = gated.reasons
            if shown:
                pending = pending_count(forbund.id, insats_id, group, year)
                cell_reasons = {t: (PENDING if r == TOO_FEW and pending else r) for t, r in gated.reasons.items()}
                counts[(group, year)] = gated.responses
                if "responses" in cell_reasons:
                    reasons[(group, year)] = cell_reasons["responses"]
                for ref in (*gated.item_refs.values(), *gated.indicator_refs.values()):
                    if not ref.suppressed:
                        contributors |= ref.contributors or set()
            item_refs, ind_refs = gated.item_refs, gated.indicator_refs
            if request.reference == "imported":
                item_refs = {t: r for (y, g, t), r in imported.items() if y == year and g == group}
                ind_refs = item_refs

            for item in q.items:
                result = gated.items[item.id]
                ref = item_refs.get(item.id) if not result.suppressed else None
                cmp = compare_item(result, ref, unit=forbund.id) if ref is not None else None
                items.append(ItemRow(group, item.id, item.indicator, dict(item.text), item.scale, year,
                                     result, ref, cmp, cell_reasons.get(item.id)))
            if shown and request.insats is None and year in final_years:
                breakdowns += cell_breakdowns(frame, fcell, q, year, gated, threshold, background, views)
            for ind_id, result in gated.indicators.items():
                ref = ind_refs.get(ind_id) if not result.suppressed else None
                cmp = compare_indicator(result, ref, unit=forbund.id) if ref is not None else None
                indicators.append(IndicatorRow(group, ind_id, dict(inst.indicators[ind_id].name), year,
                                               result, ref, cmp, cell_reasons.get(ind_id)))
                if shown:
                    by_group_indicator.setdefault(ind_id, {})[group] = result
        for ind in inst.measured_indicators:
            if ind.id in by_group_indicator:
                combined.append(CombinedRow(ind.id, year, combine_groups(by_group_indicator[ind.id])))

    if computed:
        ref_source, ref_demo = computed_source(contributors)
    order = {ind.id: k for k, ind in enumerate(inst.indicators.values())}
    indicators.sort(key=lambda r: (r.year, family.index(r.group), order[r.indicator_id]))
    # One Benjamini-Hochberg family per year: every item and indicator of every group; then only
    # the groups asked for are kept.
    adjusted = adjust_rows([*items, *indicators], census_groups=CENSUS_GROUPS)
    n_items = len(items)
    items = [r for r in adjusted[:n_items] if r.group in groups]
    indicators = [r for r in adjusted[n_items:] if r.group in groups]
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
        response_count_reasons=reasons,
        breakdowns=tuple(breakdowns),
        not_final_years=tuple(y for y in years if y not in final_years),
        asked=asked_counts(forbund.id, insats_id, years, groups),
    )


def computed_source(contributors: set[int]) -> tuple[str, bool]:
    """Describe a computed riket ("riket utom förbundet"): how many other förbund it pools, demo or not."""
    if not contributors:
        return _("Riket utom förbundet: visas när minst tre andra förbund har minst %(k)d svar var.",
                 k=current_app.config["REPORTING_THRESHOLD"]), False
    demo = bool(db.session.scalar(
        select(func.count()).select_from(Forbund).where(Forbund.id.in_(contributors), Forbund.is_demo.is_(True))
    ))
    text = _("Riket utom förbundet: beräknat från %(n)d andra förbund i installationen", n=len(contributors))
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
            refs[(rv.year, rv.group, rv.target)] = Reference(rv.mean, rv.sd, rv.n, source="imported",
                                                             share_positive=rv.share_positive)
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
    """Free-text answers of one group and year, or None when they may not be shown (D4).

    Only a final measurement year shows them (:func:`indicators.disclosure.subgroups_shown`), and
    only released responses count. The förbund's page needs at least k respondents with text;
    an insats page needs k too, and the insatser hidden from it together with the texts
    without insats must hold 0 or at least k respondents (so the förbund page minus the insats
    pages never isolates fewer than k). Returns (question id, text) pairs in a stable order
    that does not follow submission order.
    """
    if not subgroups_shown(year, measurement_year(today())):
        return None  # D4 over time: a release can add fewer than k texts (see subgroups_shown)
    threshold = current_app.config["REPORTING_THRESHOLD"]
    scope = [Response.forbund_id == forbund.id, Response.measurement_year == year,
             Response.questionnaire == group, visible()]
    respondents = db.session.execute(
        select(Response.id, Response.insats_id).distinct().join(FreeText, FreeText.response_id == Response.id)
        .where(*scope, func.length(func.trim(FreeText.text)) > 0)
    ).all()
    total = len(respondents)
    if total < threshold:
        return None
    if insats is not None:
        per_insats = {i: 0 for i in db.session.scalars(select(Insats.id).where(Insats.forbund_id == forbund.id))}
        for _rid, iid in respondents:
            if iid is not None:
                per_insats[iid] = per_insats.get(iid, 0) + 1
        if insats.id in hide_categories(per_insats, threshold, total=total):
            return None
        scope.append(Response.insats_id == insats.id)
    rows = db.session.execute(
        select(FreeText.question_id, FreeText.text).join(Response, FreeText.response_id == Response.id)
        .where(*scope).order_by(FreeText.question_id, FreeText.text)
    )
    return [(q, t) for q, t in rows if t.strip()]


def available_years(forbund_id: int, insats_ids: list[int] | None = None) -> list[int]:
    """Measurement years with released responses in a förbund, or in some of its insatser."""
    stmt = select(Response.measurement_year).distinct().where(
        Response.forbund_id == forbund_id, visible()
    )
    if insats_ids is not None:
        stmt = stmt.where(Response.insats_id.in_(insats_ids))
    return sorted(db.session.scalars(stmt))
