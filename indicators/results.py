"""A complete result set for one unit (a förbund or one insats): what pages, charts and reports show.

Pure: frozen dataclasses built from the scoring and comparison results, plus small lookups and
the JSON shape of ``flask results --format json``. ``surveys.results`` fills it from the
database; nothing here queries or computes statistics.

Suppression carries through: a suppressed ``ItemResult``/``IndicatorResult`` has no figures,
and a response count below the threshold is stored as ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from indicators.breakdown import BreakdownRow, breakdown_json
from indicators.compare import Comparison, Reference
from indicators.scoring import CombinedIndicator, IndicatorResult, ItemResult

#: Reference kinds a result set can use.
REFERENCE_KINDS = ("computed", "imported", "none")

#: Near-census groups (board, chefsgrupp): figures without p-values or significance marks.
CENSUS_GROUPS = ("ST", "CH")

#: I15 phases: main source of support at the start and at completion of the insats.
SUPPORT_PHASES = ("start", "end")

#: I15 categories (stable codes; the platform gives them their Swedish labels).
SUPPORT_CATEGORIES = (
    "work_study",  # arbete/studier
    "social_assistance",  # försörjningsstöd
    "sickness",  # sjukpenning/rehabiliteringspenning
    "activity_sickness_comp",  # aktivitetsersättning/sjukersättning
    "unemployment",  # a-kassa/aktivitetsstöd
    "no_public_support",  # ingen offentlig försörjning
    "other",  # annan
)


@dataclass(frozen=True)
class ItemRow:
    """One question in one respondent group and year, with its reference and comparison."""

    group: str
    item_id: str
    indicator_id: str
    text: Mapping[str, str]  #: language -> question text (instrument data)
    scale_id: str
    year: int
    result: ItemResult
    reference: Reference | None = None  #: None: no reference used, or none for this cell
    comparison: Comparison | None = None
    #: Why the figure is hidden (``indicators.disclosure`` reason code), None when shown.
    hidden_reason: str | None = None


@dataclass(frozen=True)
class IndicatorRow:
    """One of the 14 measured indicators in one respondent group and year."""

    group: str
    indicator_id: str
    name: Mapping[str, str]  #: language -> indicator name
    year: int
    result: IndicatorResult
    reference: Reference | None = None
    comparison: Comparison | None = None
    #: Why the figure is hidden (``indicators.disclosure`` reason code), None when shown.
    hidden_reason: str | None = None

    @property
    def reference_index(self) -> float | None:
        """The reference mean on the 0-100 index scale: (mean - 1) / 5 * 100; None if not shown."""
        ref = self.reference
        return None if ref is None or ref.suppressed else index_of(ref.mean)

    @property
    def index_difference(self) -> float | None:
        """The compared difference in index points: difference / 5 * 100; None if not compared."""
        cmp = self.comparison
        return None if cmp is None or not cmp.compared else cmp.difference / 5 * 100


@dataclass(frozen=True)
class CombinedRow:
    """One indicator across the respondent groups shown (unweighted mean of group indices)."""

    indicator_id: str
    year: int
    combined: CombinedIndicator


class Economic(NamedTuple):
    """I16: a locally entered value with its method and source (free text)."""

    value: str
    method: str
    source: str


@dataclass(frozen=True)
class LocalIndicators:
    """I15 and I16 for one year: locally entered, never compared with riket.

    `support_counts` maps phase ("start"/"end") -> category code -> count; empty when
    nothing was entered. `economic` is None when no I16 value was entered.
    """

    year: int
    support_counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    economic: Economic | None = None

    @property
    def has_support_counts(self) -> bool:
        return any(self.support_counts.get(p) for p in SUPPORT_PHASES)

    def support_total(self, phase: str) -> int:
        return sum(self.support_counts.get(phase, {}).values())


def index_of(mean: float) -> float:
    """Index 0-100 of a mean on the 1-6 scale: (mean - 1) / 5 * 100."""
    return (mean - 1) / 5 * 100


def _num(x):
    return None if x is None else float(x)


@dataclass(frozen=True)
class ResultSet:
    """Everything shown for one unit: items, indicators, combined indices, I15/I16.

    Attributes
    ----------
    unit_label : str
        "Hela förbundet" or the insats name (display text).
    forbund_name, insats_name : str, str | None
    years, groups : tuple
        The chosen measurement years (oldest first) and respondent groups (instrument order).
    threshold : int
        The reporting threshold used.
    reference_kind : "computed" | "imported" | "none"
    reference_source : str
        Where riket came from (e.g. "Beräknat från 3 förbund i installationen" or the
        import's source note); empty for "none".
    reference_is_demo : bool
        The reference is generated demo data (never official figures).
    is_demo : bool
        The förbund is demo data.
    response_counts : mapping (group, year) -> int | None
        Responses (not withdrawn) per group and year; None when below the threshold.
    items, indicators, combined, local : tuples of rows
    instrument_version : str
    """

    unit_label: str
    forbund_name: str
    insats_name: str | None
    years: tuple[int, ...]
    groups: tuple[str, ...]
    threshold: int
    reference_kind: str
    reference_source: str
    is_demo: bool
    response_counts: Mapping[tuple[str, int], int | None]
    items: tuple[ItemRow, ...]
    indicators: tuple[IndicatorRow, ...]
    combined: tuple[CombinedRow, ...]
    local: tuple[LocalIndicators, ...]
    instrument_version: str
    reference_is_demo: bool = False
    #: (group, year) -> reason code of a hidden response count
    response_count_reasons: Mapping[tuple[str, int], str] = field(default_factory=dict)
    #: Background breakdowns (kön, åldersgrupp, time in the intervention, partner); only for
    #: the whole förbund, under the disclosure rules (indicators.breakdown.breakdown_cell).
    breakdowns: tuple[BreakdownRow, ...] = ()
    #: Years not final yet: their breakdowns and free-text answers are withheld until the
    #: measurement year has ended (D2, D4: indicators.disclosure.subgroups_shown).
    not_final_years: tuple[int, ...] = ()
    #: (group, year) -> how many were asked (sum over the links that recorded it); None unknown.
    asked: Mapping[tuple[str, int], int | None] = field(default_factory=dict)

    def __post_init__(self):
        if self.reference_kind not in REFERENCE_KINDS:
            raise ValueError(f"reference_kind must be one of {REFERENCE_KINDS}, got {self.reference_kind!r}")

    # -- lookups -------------------------------------------------------------------------------

    def items_for(self, group: str, year: int) -> tuple[ItemRow, ...]:
        """The item rows of one group and year, in questionnaire order."""
        return tuple(r for r in self.items if r.group == group and r.year == year)

    def item(self, group: str, item_id: str, year: int) -> ItemRow | None:
        for r in self.items:
            if r.group == group and r.item_id == item_id and r.year == year:
                return r
        return None

    def indicators_for(self, group: str, year: int) -> tuple[IndicatorRow, ...]:
        """The indicator rows of one group and year, in indicator order."""
        return tuple(r for r in self.indicators if r.group == group and r.year == year)

    def indicator(self, group: str, indicator_id: str, year: int) -> IndicatorRow | None:
        for r in self.indicators:
            if r.group == group and r.indicator_id == indicator_id and r.year == year:
                return r
        return None

    def indicator_ids(self) -> tuple[str, ...]:
        """The measured indicators present, in first-seen (instrument) order."""
        return tuple(dict.fromkeys(r.indicator_id for r in self.indicators))

    def groups_for_indicator(self, indicator_id: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.group for r in self.indicators if r.indicator_id == indicator_id))

    def combined_for(self, indicator_id: str, year: int) -> CombinedRow | None:
        for r in self.combined:
            if r.indicator_id == indicator_id and r.year == year:
                return r
        return None

    def item_trend(self, group: str, item_id: str) -> tuple[ItemRow, ...]:
        """One question over the chosen years, oldest first (each year with its own n and CI)."""
        return tuple(r for r in self.items if r.group == group and r.item_id == item_id)

    def indicator_trend(self, group: str, indicator_id: str) -> tuple[IndicatorRow, ...]:
        return tuple(r for r in self.indicators if r.group == group and r.indicator_id == indicator_id)

    def indicator_change(self, group: str, indicator_id: str, year: int) -> float | None:
        """Index change from the previous chosen year; None when either year is suppressed."""
        trend = self.indicator_trend(group, indicator_id)
        for before, row in zip(trend, trend[1:], strict=False):
            if row.year == year:
                if before.result.suppressed or row.result.suppressed:
                    return None
                return row.result.index - before.result.index
        return None

    def local_for(self, year: int) -> LocalIndicators | None:
        for r in self.local:
            if r.year == year:
                return r
        return None

    def response_rate(self, group: str, year: int) -> tuple[float, bool] | None:
        """(rate, capped) beside a shown n: released responses / asked, at most 1 (capped True
        when more answered than were recorded as asked, e.g. paper forms); None when n is hidden
        or the number asked is unknown."""
        n, asked = self.response_counts.get((group, year)), self.asked.get((group, year))
        if n is None or not asked:
            return None
        return min(n / asked, 1.0), n > asked

    def response_count(self, group: str, year: int) -> int | None:
        """Responses of one group and year; None when below the threshold (or none)."""
        return self.response_counts.get((group, year))

    # -- JSON ----------------------------------------------------------------------------------

    def _reference_fields(self, reference, comparison, *, index: bool = False) -> dict:
        ref = reference if reference is not None and not reference.suppressed else None
        out = {
            "reference_mean": _num(ref.mean) if ref else None,
            "reference_sd": _num(ref.sd) if ref else None,
            "reference_n": ref.n if ref else None,
        }
        if index:
            out["reference_index"] = index_of(ref.mean) if ref else None
        cmp = comparison if comparison is not None and comparison.compared else None
        out.update(
            difference=_num(cmp.difference) if cmp else None,
            p_value=_num(cmp.p_value) if cmp else None,
            significant=cmp.significant if cmp else None,
            test=cmp.method if cmp else None,
            not_compared_reason=(comparison.reason if comparison is not None and not comparison.compared else None),
            difference_ci_low=_num(cmp.difference_ci_low) if cmp else None,
            difference_ci_high=_num(cmp.difference_ci_high) if cmp else None,
            q_value=_num(cmp.q_value) if cmp else None,
            index_difference=_num(cmp.index_difference) if cmp else None,
            no_test_reason=cmp.reason if cmp else None,
        )
        if not index:
            out["reference_share_positive"] = _num(ref.share_positive) if ref else None
            out["share_positive_difference"] = _num(cmp.share_positive_difference) if cmp else None
        return out

    def _item_json(self, row: ItemRow) -> dict:
        r = row.result
        out = {
            "id": row.item_id,
            "group": row.group,
            "year": row.year,
            "indicator": row.indicator_id,
            "suppressed": r.suppressed,
            "n": r.n,
            "mean": _num(r.mean),
            "sd": _num(r.sd),
            "ci_low": _num(r.ci_low),
            "ci_high": _num(r.ci_high),
            "share_positive": _num(r.share_positive),
            "share_positive_ci_low": _num(r.share_positive_ci_low),
            "share_positive_ci_high": _num(r.share_positive_ci_high),
            "counts": list(r.counts) if r.counts is not None else None,
            "hidden_reason": row.hidden_reason,
        }
        if self.reference_kind != "none":
            out.update(self._reference_fields(row.reference, row.comparison))
        return out

    def _indicator_json(self, row: IndicatorRow) -> dict:
        r = row.result
        out = {
            "id": row.indicator_id,
            "group": row.group,
            "year": row.year,
            "suppressed": r.suppressed,
            "n": r.n,
            "mean": _num(r.mean),
            "index": _num(r.index),
            "items": list(r.items) if r.items is not None else None,
            "hidden_reason": row.hidden_reason,
        }
        if self.reference_kind != "none":
            out.update(self._reference_fields(row.reference, row.comparison, index=True))
        return out

    def _rate_json(self, group: str, year: int) -> dict:
        rate = self.response_rate(group, year)
        shown = self.response_counts.get((group, year)) is not None
        return {"asked": self.asked.get((group, year)) if shown else None,
                "response_rate": rate[0] if rate else None,
                "response_rate_capped": rate[1] if rate else None}

    def to_json_dict(self) -> dict:
        """The JSON shape of ``flask results --format json``.

        ``{"items": [...], "indicators": [...], ...}``; each entry has id, group, year, n,
        mean, sd, ci_low, ci_high, share_positive (items) or index (indicators), suppressed,
        and with a reference reference_mean, difference and p_value. Suppressed entries have
        every figure null, n included.
        """
        return {
            "unit": self.unit_label,
            "forbund": self.forbund_name,
            "insats": self.insats_name,
            "years": list(self.years),
            "groups": list(self.groups),
            "threshold": self.threshold,
            "instrument_version": self.instrument_version,
            "is_demo": self.is_demo,
            "reference": self.reference_kind,
            "reference_source": self.reference_source,
            "reference_is_demo": self.reference_is_demo,
            "response_counts": [
                {"group": g, "year": y, "n": n, "hidden_reason": self.response_count_reasons.get((g, y)),
                 **self._rate_json(g, y)}
                for (g, y), n in sorted(self.response_counts.items())
            ],
            "items": [self._item_json(r) for r in self.items],
            "indicators": [self._indicator_json(r) for r in self.indicators],
            "combined": [
                {
                    "id": r.indicator_id,
                    "year": r.year,
                    "suppressed": r.combined.suppressed,
                    "index": _num(r.combined.index),
                    "mean": _num(r.combined.mean),
                    "groups": list(r.combined.groups),
                }
                for r in self.combined
            ],
            "breakdowns": [breakdown_json(r) for r in self.breakdowns],
            "not_final_years": list(self.not_final_years),
            "local": [
                {
                    "year": r.year,
                    "support_counts": {p: dict(c) for p, c in r.support_counts.items()},
                    "economic": r.economic._asdict() if r.economic else None,
                }
                for r in self.local
            ],
        }
