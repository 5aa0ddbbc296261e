"""The generated summary text of the appendix, the DOCX and the results page.

Pure. Each sentence comes from one rule over the result set; no sentence claims a difference
that is not statistically significant:

1. :func:`period_sentence` — the measurement year and period, and n per reported group.
2. :func:`left_out_sentence` — the groups left out because too few answered (below the threshold).
3. :func:`reference_sentence` — how many indicator values (indicator × group) lie above and below
   riket where the comparison is significant (:func:`significant`), how many differ without
   significance, and which ones are above/below.
4. :func:`change_sentence` — the largest changes since the previous measurement year in the
   result set, among the changes that are significant (Welch's t-test on the per-response scores
   of the two years, :func:`change_test`); if none is, it says so.

The rule for "significant" lives in one place, :func:`significant`: the comparison's
``significant`` field (a q value, where the comparison carries one, takes precedence).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalogue import Instrument
from .disclosure import PROTECT
from .i18n import N_, Tr, as_tr
from .results import CENSUS_GROUPS, IndicatorRow, ResultSet
from .ttests import welch_from_stats

#: Changes listed at most in the change sentence.
MAX_CHANGES = 3
ALPHA = 0.05


def significant(comparison) -> bool:
    """Whether a comparison with riket is significant: the one rule every sentence uses."""
    if comparison is None or not comparison.compared:
        return False
    q = getattr(comparison, "q_value", None)
    if q is not None:
        return q < ALPHA
    return bool(comparison.significant)


@dataclass(frozen=True)
class Change:
    group: str
    indicator_id: str
    before: float  #: index 0–100 in the previous year
    after: float
    p_value: float

    @property
    def difference(self) -> float:
        return self.after - self.before


def change_test(before: IndicatorRow, after: IndicatorRow) -> Change | None:
    """Welch's test of an indicator's per-response scores between two years; None if not testable
    (board and management group are near-censuses: no tests, as for the comparison with riket)."""
    if after.group in CENSUS_GROUPS:
        return None
    a, b = before.result, after.result
    if a.suppressed or b.suppressed or None in (a.score_mean, a.score_sd, b.score_mean, b.score_sd):
        return None
    if a.interval_hidden or b.interval_hidden:
        # The scores' sd holds how the few who answered both of two items paired their answers:
        # no test where the indicator's own interval is withheld (indicators.disclosure, D1).
        return None
    if (a.n or 0) < 2 or (b.n or 0) < 2 or (a.score_sd == 0 and b.score_sd == 0):
        return None
    test = welch_from_stats(b.score_mean, b.score_sd, b.n, a.score_mean, a.score_sd, a.n)
    return Change(after.group, after.indicator_id, a.index, b.index, test.p_value)


def _join(parts: list[str], tr: Tr) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " " + tr.gettext(N_("och")) + " " + parts[-1]


def _group(inst: Instrument, group: str, tr: Tr) -> str:
    from .report_data import group_name

    return group_name(inst, group, tr).lower() if tr.lang == "sv" else group_name(inst, group, tr)


def period_sentence(rs: ResultSet, inst: Instrument, year: int, tr: Tr) -> str | None:
    shown = [(g, rs.response_count(g, year)) for g in rs.groups if rs.response_count(g, year) is not None]
    period = tr.gettext(N_("1 november %(start)d – 31 oktober %(end)d")) % {"start": year - 1, "end": year}
    if not shown:
        return tr.gettext(N_("Mätåret %(year)d (%(period)s) kom för få svar in för att något ska redovisas.")) % {
            "year": year, "period": period}
    total = sum(n for _, n in shown)
    groups = _join([f"{_group(inst, g, tr)} {n}" for g, n in shown], tr)
    return tr.gettext(N_("Mätåret %(year)d (%(period)s) redovisas %(total)d enkätsvar: %(groups)s.")) % {
        "year": year, "period": period, "total": total, "groups": groups}


def left_out_sentence(rs: ResultSet, inst: Instrument, year: int, tr: Tr) -> str | None:
    """Which groups the year's figures leave out, and why: too few answers, or hidden so that a
    smaller group elsewhere (another insats of the förbund) cannot be worked out from them."""
    out = [g for g in rs.groups if rs.response_count(g, year) is None]
    if not out:
        return None
    protected = [g for g in out if rs.response_count_reasons.get((g, year)) == PROTECT]
    few = [g for g in out if g not in protected]
    sentences = []
    if few:
        sentences.append(tr.gettext(
            N_("Gruppen %(groups)s ingår inte i redovisningen eftersom färre än %(n)d enkätsvar kom in.")
            if len(few) == 1
            else N_("Grupperna %(groups)s ingår inte i redovisningen eftersom färre än %(n)d enkätsvar kom in per grupp.")
        ) % {"groups": _join([_group(inst, g, tr) for g in few], tr), "n": rs.threshold})
    if protected:
        sentences.append(tr.gettext(
            N_("Gruppen %(groups)s ingår inte i redovisningen, för att svaren i en mindre grupp inte ska "
               "kunna räknas fram.") if len(protected) == 1
            else N_("Grupperna %(groups)s ingår inte i redovisningen, för att svaren i en mindre grupp inte ska "
                    "kunna räknas fram.")
        ) % {"groups": _join([_group(inst, g, tr) for g in protected], tr)})
    return " ".join(sentences)


def _label(row: IndicatorRow, inst: Instrument, tr: Tr) -> str:
    return f"{row.indicator_id} ({_group(inst, row.group, tr)})"


def reference_sentence(rs: ResultSet, inst: Instrument, year: int, tr: Tr) -> str | None:
    if rs.reference_kind == "none":
        return tr.gettext(N_("Resultaten jämförs inte med riket."))
    compared = [r for r in rs.indicators if r.year == year and r.comparison is not None and r.comparison.compared]
    if not compared:
        return tr.gettext(N_("Inget indikatorvärde kunde jämföras med riket."))
    above = [r for r in compared if significant(r.comparison) and r.comparison.difference > 0]
    below = [r for r in compared if significant(r.comparison) and r.comparison.difference < 0]
    rest = len(compared) - len(above) - len(below)
    text = tr.gettext(N_(
        "Av %(total)d indikatorvärden (indikator per respondentgrupp) som jämförs med riket ligger %(above)d "
        "statistiskt säkerställt över riket och %(below)d statistiskt säkerställt under. För %(rest)d är "
        "skillnaden mot riket inte statistiskt säkerställd.")) % {
        "total": len(compared), "above": len(above), "below": len(below), "rest": rest}
    if above:
        text += " " + tr.gettext(N_("Över riket: %(list)s.")) % {"list": _join([_label(r, inst, tr) for r in above], tr)}
    if below:
        text += " " + tr.gettext(N_("Under riket: %(list)s.")) % {"list": _join([_label(r, inst, tr) for r in below], tr)}
    return text


def changes(rs: ResultSet, year: int) -> tuple[int | None, list[Change]]:
    """(previous year, significant changes since it, largest first) for the indicators of ``year``."""
    earlier = [y for y in rs.years if y < year]
    if not earlier:
        return None, []
    previous = max(earlier)
    found = []
    for row in rs.indicators:
        if row.year != year:
            continue
        before = rs.indicator(row.group, row.indicator_id, previous)
        change = change_test(before, row) if before is not None else None
        if change is not None and change.p_value < ALPHA:
            found.append(change)
    found.sort(key=lambda c: (-abs(c.difference), c.group, c.indicator_id))
    return previous, found


def change_sentence(rs: ResultSet, inst: Instrument, year: int, tr: Tr) -> str | None:
    previous, found = changes(rs, year)
    if previous is None:
        return None
    if not found:
        return tr.gettext(N_("Ingen förändring sedan mätåret %(previous)d är statistiskt säkerställd.")) % {
            "previous": previous}
    parts = [tr.gettext(N_("%(indicator)s från %(before)s till %(after)s")) % {
        "indicator": f"{c.indicator_id} ({_group(inst, c.group, tr)})", "before": tr.number(c.before, 0),
        "after": tr.number(c.after, 0)} for c in found[:MAX_CHANGES]]
    return tr.gettext(
        N_("Den största statistiskt säkerställda förändringen sedan mätåret %(previous)d (index 0–100): %(list)s.")
        if len(parts) == 1 else
        N_("De största statistiskt säkerställda förändringarna sedan mätåret %(previous)d (index 0–100): %(list)s.")
    ) % {"previous": previous, "list": _join(parts, tr)}


def summary(rs: ResultSet, inst: Instrument, year: int, *, lang: str | Tr = "sv") -> list[str]:
    """The summary sentences, in order; rules that have nothing to say are left out."""
    tr = as_tr(lang)
    rules = (period_sentence, left_out_sentence, reference_sentence, change_sentence)
    return [s for s in (rule(rs, inst, year, tr) for rule in rules) if s]
