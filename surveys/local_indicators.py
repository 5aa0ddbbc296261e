"""I15 and I16: figures a förbund enters itself, shown in its results, never compared with riket.

I15: completing participants by main source of support at start and at completion.
I16: a socio-economic value with its method and source.
These functions flush; the request commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from indicators.results import SUPPORT_CATEGORIES, SUPPORT_PHASES, Economic, LocalIndicators

from .audit import record
from .errors import ServiceError
from .extensions import db
from .models import EconomicValue, Forbund, SupportCount

#: Swedish labels of the I15 categories (codes are stable; see indicators.results).
CATEGORY_LABELS = {
    "work_study": _l("Arbete/studier"),
    "social_assistance": _l("Försörjningsstöd"),
    "sickness": _l("Sjukpenning/rehabiliteringspenning"),
    "activity_sickness_comp": _l("Aktivitetsersättning/sjukersättning"),
    "unemployment": _l("A-kassa/aktivitetsstöd"),
    "no_public_support": _l("Ingen offentlig försörjning"),
    "other": _l("Annan"),
}
PHASE_LABELS = {"start": _l("Vid start"), "end": _l("Vid avslut")}

MAX_COUNT = 1_000_000


def load_local(forbund_id: int, years: Iterable[int]) -> tuple[LocalIndicators, ...]:
    """Return I15/I16 for each year (oldest first), empty where nothing was entered."""
    years = sorted(set(years))
    counts: dict[int, dict[str, dict[str, int]]] = {y: {} for y in years}
    rows = db.session.execute(
        select(SupportCount.year, SupportCount.phase, SupportCount.category, SupportCount.count).where(
            SupportCount.forbund_id == forbund_id, SupportCount.year.in_(years)
        )
    )
    for year, phase, category, count in rows:
        counts[year].setdefault(phase, {})[category] = count
    economic = {
        e.year: Economic(e.value, e.method, e.source)
        for e in db.session.scalars(
            select(EconomicValue).where(EconomicValue.forbund_id == forbund_id, EconomicValue.year.in_(years))
        )
    }
    return tuple(
        LocalIndicators(
            year=y,
            support_counts={p: {c: counts[y][p][c] for c in SUPPORT_CATEGORIES if c in counts[y].get(p, {})}
                            for p in SUPPORT_PHASES if p in counts[y]},
            economic=economic.get(y),
        )
        for y in years
    )


def check_counts(counts: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, int | None]]:
    """Validate phase -> category -> count (blank = None); raise ValueError naming the field."""
    out: dict[str, dict[str, int | None]] = {}
    for phase in SUPPORT_PHASES:
        out[phase] = {}
        for category in SUPPORT_CATEGORIES:
            raw = counts.get(phase, {}).get(category)
            label = f"{CATEGORY_LABELS[category]} ({str(PHASE_LABELS[phase]).lower()})"
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                out[phase][category] = None
                continue
            try:
                value = int(str(raw).strip()) if not isinstance(raw, int) or isinstance(raw, bool) else raw
            except ValueError:
                raise ServiceError(f"{phase}_{category}", _l("Ange ett heltal, 0 eller större."), label=label) from None
            if isinstance(value, bool) or value < 0 or value > MAX_COUNT:
                raise ServiceError(f"{phase}_{category}", _l("Ange ett heltal, 0 eller större."), label=label)
            out[phase][category] = value
    return out


def save_local(forbund: Forbund, year: int, counts: Mapping[str, Mapping[str, int | None]],
               economic: Economic | None) -> None:
    """Replace one year's I15 counts and I16 value of a förbund (blank counts are removed)."""
    if not 2000 <= year <= 2200:
        raise ServiceError("year", _l("Ange ett år mellan 2000 och 2200."))
    counts = check_counts(counts)
    db.session.execute(delete(SupportCount).where(SupportCount.forbund_id == forbund.id, SupportCount.year == year))
    entered = 0
    for phase, by_category in counts.items():
        for category, value in by_category.items():
            if value is not None:
                db.session.add(SupportCount(forbund_id=forbund.id, year=year, phase=phase, category=category, count=value))
                entered += 1
    existing = db.session.scalar(
        select(EconomicValue).where(EconomicValue.forbund_id == forbund.id, EconomicValue.year == year)
    )
    if economic is None or not economic.value.strip():
        if existing is not None:
            db.session.delete(existing)
    else:
        if existing is None:
            existing = EconomicValue(forbund_id=forbund.id, year=year)
            db.session.add(existing)
        existing.value = economic.value.strip()
        existing.method = economic.method.strip()
        existing.source = economic.source.strip()
    db.session.flush()
    record(
        "local_indicators.save",
        target=f"I15/I16 {year}",
        detail=f"{entered} antal I15; I16 {'angivet' if economic and economic.value.strip() else 'tomt'}",
        forbund_id=forbund.id,
    )
