"""The report's tables (PDF, DOCX, CSV, XLSX) and the method facts, in the reader's language.

Pure. Hidden cells carry no figure: tables write why in the note column ("för få svar", "dolt för
att skydda en mindre grupp", "visas när fler svar har kommit in") and leave every figure empty. Numbers stay numbers (rounded floats); the CSV and XLSX writers format them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .catalogue import Instrument
from .i18n import N_, Tr, as_tr, hidden_text
from .results import SUPPORT_CATEGORIES, SUPPORT_PHASES, ResultSet

#: I15 labels (Swedish source strings, translated through the catalogue).
SUPPORT_LABELS = {
    "work_study": N_("Arbete/studier"), "social_assistance": N_("Försörjningsstöd"),
    "sickness": N_("Sjukpenning/rehabiliteringspenning"),
    "activity_sickness_comp": N_("Aktivitetsersättning/sjukersättning"),
    "unemployment": N_("A-kassa/aktivitetsstöd"), "no_public_support": N_("Ingen offentlig försörjning"),
    "other": N_("Annan"), "start": N_("Vid start"), "end": N_("Vid avslut"),
}

HEADERS = {
    "items": [N_("År"), N_("Grupp"), N_("Fråga"), N_("Frågetext"), N_("Indikator"), N_("n"), N_("Medelvärde"),
              N_("Standardavvikelse"), N_("KI 95 % låg"), N_("KI 95 % hög"), N_("Andel positiva (%)"),
              N_("Andel positiva KI 95 % låg (%)"), N_("Andel positiva KI 95 % hög (%)"),
              N_("Riket medelvärde"), N_("Riket n"), N_("Skillnad"), N_("p-värde"),
              N_("Signifikant (q < 0,05)"), N_("Skillnad KI 95 % låg"), N_("Skillnad KI 95 % hög"),
              N_("q-värde (Benjamini–Hochberg)"), N_("Skillnad (indexenheter)"),
              N_("Skillnad andel positiva (procentenheter)"), N_("Anmärkning")],
    "indicators": [N_("År"), N_("Grupp"), N_("Indikator"), N_("Namn"), N_("n"), N_("Medelvärde"),
                   N_("Index 0–100"), N_("Riket index"), N_("Skillnad (medelvärde)"), N_("p-värde"),
                   N_("Signifikant (q < 0,05)"), N_("Skillnad KI 95 % låg"), N_("Skillnad KI 95 % hög"),
                   N_("q-värde (Benjamini–Hochberg)"), N_("Skillnad (indexenheter)"), N_("Anmärkning")],
    "local": [N_("År"), N_("Indikator"), N_("Del"), N_("Kategori"), N_("Värde"), N_("Metod"), N_("Källa")],
    "method": [N_("Uppgift"), N_("Värde")],
}

REFERENCE_NAMES = {
    "computed": N_("Riket utom förbundet (beräknat i installationen)"),
    "imported": N_("Importerade riksvärden"),
    "none": N_("Ingen jämförelse"),
}
TOO_FEW = N_("för få svar")

#: The method text on the inference (Scoring rules 2, 5 and 7), for the method page and table.
STATISTICS_TEXT = N_(
    "Konfidensintervallet för ett medelvärde ligger alltid inom 1–6 (Dirichlet-fördelning för svarsandelarna), "
    "andel positiva har Wilsons intervall. Skillnaden mot riket visas med 95 % konfidensintervall och testas "
    "med t-test av samma storhet; beräknat riket jämförs utan det egna förbundet. Signifikant betyder q < 0,05: "
    "p-värdena justeras med Benjamini–Hochberg över enhetens alla jämförelser samma mätår. Styrelse och "
    "chefsgrupp visas utan p-värden och signifikans eftersom nästan alla i de små grupperna svarar.")


@dataclass(frozen=True)
class Table:
    """A table for every output: a name (file/sheet stem), a header row and rows of cells.

    Cells are str, int, float or None (empty); numbers stay numbers.
    """

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple, ...]


def _round(x, digits=2):
    return None if x is None else round(float(x), digits)


def _header(kind: str, tr: Tr) -> tuple[str, ...]:
    return tuple(tr.gettext(h) for h in HEADERS[kind])


def _text(texts: Mapping[str, str], tr: Tr) -> str:
    return texts.get(tr.lang) or texts.get("sv") or ""


def _comparison_cells(reference, comparison, tr: Tr, *, index: bool = False) -> list:
    ref = reference if reference is not None and not reference.suppressed else None
    ref_value = None
    if ref is not None and ref.mean is not None:
        ref_value = _round((ref.mean - 1) / 5 * 100, 1) if index else _round(ref.mean)
    cmp = comparison if comparison is not None and comparison.compared else None
    cells = [ref_value]
    if not index:
        cells.append(ref.n if ref is not None else None)
    yes, no = tr.gettext(N_("ja")), tr.gettext(N_("nej"))
    cells += [
        _round(cmp.difference) if cmp else None,
        _round(cmp.p_value, 4) if cmp and cmp.p_value is not None else None,
        (yes if cmp.significant else no) if cmp and cmp.significant is not None else None,
        _round(cmp.difference_ci_low) if cmp else None,
        _round(cmp.difference_ci_high) if cmp else None,
        _round(cmp.q_value, 4) if cmp else None,
        _round(cmp.index_difference, 1) if cmp else None,
    ]
    if not index:
        share = cmp.share_positive_difference if cmp else None
        cells.append(_round(share * 100 if share is not None else None, 1))
    return cells


def item_table(rs: ResultSet, inst: Instrument, *, lang: str | Tr = "sv", years=None) -> Table:
    tr = as_tr(lang)
    rows = []
    for r in rs.items:
        if years is not None and r.year not in years:
            continue
        res = r.result
        head = [r.year, r.group, r.item_id, _text(r.text, tr), r.indicator_id]
        if res.suppressed:
            figures = [None] * 8
            note = hidden_text(r.hidden_reason, tr)
        else:
            figures = [res.n, _round(res.mean), _round(res.sd), _round(res.ci_low), _round(res.ci_high)] + [
                _round(x * 100 if x is not None else None, 1)
                for x in (res.share_positive, res.share_positive_ci_low, res.share_positive_ci_high)]
            note = ""
        rows.append(tuple(head + figures + _comparison_cells(r.reference, r.comparison, tr) + [note]))
    return Table("fragor", tr.gettext(N_("Frågor")), _header("items", tr), tuple(rows))


def indicator_table(rs: ResultSet, inst: Instrument, *, lang: str | Tr = "sv", years=None) -> Table:
    tr = as_tr(lang)
    rows = []
    for r in rs.indicators:
        if years is not None and r.year not in years:
            continue
        res = r.result
        head = [r.year, r.group, r.indicator_id, _text(r.name, tr)]
        figures = [None] * 3 if res.suppressed else [res.n, _round(res.mean), _round(res.index, 1)]
        note = hidden_text(r.hidden_reason, tr) if res.suppressed else ""
        rows.append(tuple(head + figures + _comparison_cells(r.reference, r.comparison, tr, index=True) + [note]))
    return Table("indikatorer", tr.gettext(N_("Indikatorer")), _header("indicators", tr), tuple(rows))


def local_table(rs: ResultSet, *, lang: str | Tr = "sv", years=None) -> Table:
    tr = as_tr(lang)
    rows = []
    for loc in rs.local:
        if years is not None and loc.year not in years:
            continue
        for phase in SUPPORT_PHASES:
            counts = loc.support_counts.get(phase, {})
            for cat in SUPPORT_CATEGORIES:
                if cat in counts:
                    rows.append((loc.year, "I15", tr.gettext(SUPPORT_LABELS[phase]), tr.gettext(SUPPORT_LABELS[cat]),
                                 counts[cat], None, None))
        if loc.economic is not None:
            e = loc.economic
            rows.append((loc.year, "I16", "", "", e.value, e.method, e.source))
    return Table("lokala-indikatorer", tr.gettext(N_("Lokala indikatorer")), _header("local", tr), tuple(rows))


def method_facts(rs: ResultSet, inst: Instrument, year: int, *, lang: str | Tr = "sv") -> list[tuple[str, str]]:
    """The method page as (label, value) pairs: period, groups and n, threshold, reference, scales."""
    from .report_data import group_name, scale_labels

    tr = as_tr(lang)
    _ = tr.gettext
    facts = [
        (_(N_("Förbund")), rs.forbund_name),
        (_(N_("Enhet")), rs.unit_label),
        (_(N_("Mätår")), str(year)),
        (_(N_("Mätperiod")), _(N_("1 november %(start)d – 31 oktober %(end)d")) % {"start": year - 1, "end": year}),
        (_(N_("År i jämförelsen över tid")), ", ".join(str(y) for y in rs.years)),
        (_(N_("Instrumentversion")), rs.instrument_version),
        (_(N_("Rapporteringsgräns")),
         _(N_("%(n)d svar. Grupper och frågor med färre svar redovisas inte (”%(too_few)s”)."))
         % {"n": rs.threshold, "too_few": _(TOO_FEW)}),
        (_(N_("Skydd av enskilda svar")),
         _(N_("Nya svar visas när minst %(n)d nya har kommit in (”%(pending)s”). En siffra som annars skulle gå att "
              "räkna fram för en mindre grupp visas inte (”%(protect)s”). Riket är riket utom förbundet och visas "
              "när minst tre andra förbund har minst %(n)d svar var."))
         % {"n": rs.threshold, "pending": hidden_text("pending", tr), "protect": hidden_text("protect", tr)}),
        (_(N_("Jämförelse")), _(REFERENCE_NAMES[rs.reference_kind])),
        (_(N_("Källa för riket")), rs.reference_source or "–"),
    ]
    for group in rs.groups:
        n = rs.response_count(group, year)
        text = str(n) if n is not None else hidden_text(rs.response_count_reasons.get((group, year)), tr)
        rate = rs.response_rate(group, year)
        if rate is not None:
            values = {"pct": tr.percent(rate[0]).replace("\xa0", " "), "asked": rs.asked[(group, year)]}
            text += " (" + (_(N_("%(pct)s av %(asked)d tillfrågade, fler svar än tillfrågade")) if rate[1]
                            else _(N_("%(pct)s av %(asked)d tillfrågade"))) % values + ")"
        facts.append((_(N_("Svar: %(group)s")) % {"group": group_name(inst, group, tr)}, text))
    for scale in inst.scales.values():
        labels = scale_labels(inst, scale.id, tr)
        facts.append((_(N_("Skala %(scale)s")) % {"scale": scale.id},
                      " · ".join(f"{k} {label}" for k, label in enumerate(labels, 1))))
    facts.append((_(N_("Tolkning")),
                  _(N_("Svaren kodas 1–6; 4–6 är positiva svar. ”Vet ej” räknas inte. Medelvärdet ligger på skalan "
                       "1–6, index = (medelvärde − 1) / 5 × 100 på skalan 0–100.")) + " " + _(STATISTICS_TEXT)))
    if rs.is_demo or rs.reference_is_demo:
        facts.append((_(N_("DEMODATA")), _(N_("Påhittade siffror för att visa plattformen, inte officiella."))))
    return facts


def method_table(rs: ResultSet, inst: Instrument, year: int, *, lang: str | Tr = "sv") -> Table:
    tr = as_tr(lang)
    return Table("metod", tr.gettext(N_("Metod")), _header("method", tr), tuple(method_facts(rs, inst, year, lang=tr)))


def all_tables(rs: ResultSet, inst: Instrument, year: int, *, lang: str | Tr = "sv") -> list[Table]:
    """The tables of the exports, in sheet order: Indikatorer, Frågor, Efter bakgrund, Lokala indikatorer, Metod."""
    from .report_breakdowns import breakdown_table

    tr = as_tr(lang)
    return [indicator_table(rs, inst, lang=tr), item_table(rs, inst, lang=tr), breakdown_table(rs, inst, lang=tr),
            local_table(rs, lang=tr), method_table(rs, inst, year, lang=tr)]
