"""From a ResultSet to what the report shows: chart inputs and the tables (PDF, CSV, XLSX).

Pure. Suppressed cells carry no figure anywhere: tables write "för få svar" in the note column
and leave every figure empty; charts get suppressed :class:`~indicators.charts.Cell` objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from .catalogue import Instrument
from .chart_style import Chart, words
from .charts import Cell, DistributionRow, distribution_chart, indicator_chart, question_chart, trend_chart
from .results import SUPPORT_CATEGORIES, SUPPORT_PHASES, IndicatorRow, ItemRow, ResultSet

#: I15 labels (the web layer has its own translated copy; this package cannot use Flask-Babel).
SUPPORT_LABELS = {
    "sv": {
        "work_study": "Arbete/studier", "social_assistance": "Försörjningsstöd",
        "sickness": "Sjukpenning/rehabiliteringspenning", "activity_sickness_comp": "Aktivitetsersättning/sjukersättning",
        "unemployment": "A-kassa/aktivitetsstöd", "no_public_support": "Ingen offentlig försörjning", "other": "Annan",
        "start": "Vid start", "end": "Vid avslut",
    },
    "en": {
        "work_study": "Work/studies", "social_assistance": "Social assistance",
        "sickness": "Sickness/rehabilitation benefit", "activity_sickness_comp": "Activity/sickness compensation",
        "unemployment": "Unemployment benefit/activity support", "no_public_support": "No public support",
        "other": "Other", "start": "At start", "end": "At completion",
    },
}

HEADERS = {
    "sv": {
        "items": ["År", "Grupp", "Fråga", "Frågetext", "Indikator", "n", "Medelvärde", "Standardavvikelse",
                  "KI 95 % låg", "KI 95 % hög", "Andel positiva (%)", "Andel positiva KI 95 % låg (%)",
                  "Andel positiva KI 95 % hög (%)", "Riket medelvärde", "Riket n",
                  "Skillnad", "p-värde", "Signifikant (q < 0,05)",
                  "Skillnad KI 95 % låg", "Skillnad KI 95 % hög", "q-värde (Benjamini–Hochberg)",
                  "Skillnad (indexenheter)", "Skillnad andel positiva (procentenheter)", "Anmärkning"],
        "indicators": ["År", "Grupp", "Indikator", "Namn", "n", "Medelvärde", "Index 0–100", "Riket index",
                       "Skillnad (medelvärde)", "p-värde", "Signifikant (q < 0,05)",
                       "Skillnad KI 95 % låg", "Skillnad KI 95 % hög", "q-värde (Benjamini–Hochberg)",
                       "Skillnad (indexenheter)", "Anmärkning"],
        "local": ["År", "Indikator", "Del", "Kategori", "Värde", "Metod", "Källa"],
        "method": ["Uppgift", "Värde"],
        "yes": "ja", "no": "nej",
    },
    "en": {
        "items": ["Year", "Group", "Question", "Question text", "Indicator", "n", "Mean", "Standard deviation",
                  "95% CI low", "95% CI high", "Share positive (%)", "Share positive 95% CI low (%)",
                  "Share positive 95% CI high (%)", "Sweden mean", "Sweden n",
                  "Difference", "p-value", "Significant (q < 0.05)",
                  "Difference 95% CI low", "Difference 95% CI high", "q-value (Benjamini–Hochberg)",
                  "Difference (index points)", "Difference in share positive (percentage points)", "Note"],
        "indicators": ["Year", "Group", "Indicator", "Name", "n", "Mean", "Index 0–100", "Sweden index",
                       "Difference (mean)", "p-value", "Significant (q < 0.05)",
                       "Difference 95% CI low", "Difference 95% CI high", "q-value (Benjamini–Hochberg)",
                       "Difference (index points)", "Note"],
        "local": ["Year", "Indicator", "Part", "Category", "Value", "Method", "Source"],
        "method": ["Item", "Value"],
        "yes": "yes", "no": "no",
    },
}


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


def group_name(inst: Instrument, group: str, lang: str) -> str:
    names = inst.questionnaires[group].name
    return names.get(lang) or names["sv"]


def scale_labels(inst: Instrument, scale_id: str, lang: str) -> tuple[str, ...]:
    labels = inst.scales[scale_id].labels
    return tuple(labels.get(lang) or labels["sv"])


def _text(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("sv") or ""


# --- cells -----------------------------------------------------------------------------------


def item_cell(row: ItemRow) -> Cell:
    r = row.result
    return Cell(None, suppressed=True) if r.suppressed else Cell(r.mean, r.n)


def reference_cell(reference, *, index: bool = False) -> Cell:
    """A riket cell; ``Cell(None)`` when the reference has no figure for the cell."""
    if reference is None:
        return Cell(None)
    if reference.suppressed or reference.mean is None:
        return Cell(None, suppressed=bool(reference.suppressed))
    value = (reference.mean - 1) / 5 * 100 if index else reference.mean
    return Cell(value, reference.n)


def indicator_cell(row: IndicatorRow) -> Cell:
    r = row.result
    return Cell(None, suppressed=True) if r.suppressed else Cell(r.index, r.n)


# --- charts ----------------------------------------------------------------------------------


def _named(chart: Chart, name: str) -> Chart:
    return dataclasses.replace(chart, name=name)


def question_charts(rs: ResultSet, inst: Instrument, year: int, group: str, *, lang: str = "sv",
                    trend: bool = False, targets=None) -> list[Chart]:
    """Per-question charts of one group: this year against riket, or over all years when ``trend``."""
    has_ref = rs.reference_kind != "none"
    out = []
    for k, row in enumerate(rs.items_for(group, year)):
        labels = scale_labels(inst, row.scale_id, lang)
        common = {"lang": lang, "demo": rs.is_demo, "target": targets[k] if targets else None}
        if trend and len(rs.years) > 1:
            points = [(r.year, item_cell(r), reference_cell(r.reference) if has_ref else None)
                      for r in rs.item_trend(group, row.item_id)]
            chart = trend_chart(row.item_id, _text(row.text, lang), group_name(inst, group, lang), rs.unit_label,
                                points, (labels[0], labels[5]), reference=has_ref, **common)
        else:
            chart = question_chart(row.item_id, _text(row.text, lang), group_name(inst, group, lang), rs.unit_label,
                                   item_cell(row), reference_cell(row.reference) if has_ref else None,
                                   (labels[0], labels[5]), **common)
        out.append(chart)
    return out


def overview_chart(rs: ResultSet, inst: Instrument, year: int, group: str, *, lang: str = "sv", target=None) -> Chart:
    has_ref = rs.reference_kind != "none"
    rows = [(f"{r.indicator_id} {_text(r.name, lang)}", indicator_cell(r),
             reference_cell(r.reference, index=True) if has_ref else None) for r in rs.indicators_for(group, year)]
    title = (f"Indikatorer {year}, index 0–100" if lang == "sv" else f"Indicators {year}, index 0–100")
    chart = indicator_chart(group_name(inst, group, lang), rs.unit_label, rows, lang=lang, reference=has_ref,
                            title=title, demo=rs.is_demo, target=target)
    return _named(chart, f"indikatorer-{group}-{year}")


def answers_chart(rs: ResultSet, inst: Instrument, year: int, group: str, *, lang: str = "sv", target=None) -> Chart:
    items = rs.items_for(group, year)
    rows = [DistributionRow(f"{r.item_id} {_text(r.text, lang)}", None if r.result.suppressed else r.result.shares,
                            r.result.n, r.result.suppressed) for r in items]
    title = (f"Svarsfördelning per fråga {year}" if lang == "sv" else f"Answers per question {year}")
    chart = distribution_chart(group_name(inst, group, lang), rs.unit_label, rows,
                               scale_labels(inst, items[0].scale_id, lang), lang=lang, title=title,
                               demo=rs.is_demo, target=target)
    return _named(chart, f"svarsfordelning-{group}-{year}")


def all_charts(rs: ResultSet, inst: Instrument, year: int, *, lang: str = "sv") -> list[Chart]:
    """Every chart of a year: per group the overview, the answer shares, each question (and its trend)."""
    out: list[Chart] = []
    for group in rs.groups:
        if not rs.items_for(group, year):
            continue
        out.append(overview_chart(rs, inst, year, group, lang=lang))
        out.append(answers_chart(rs, inst, year, group, lang=lang))
        out += [_named(c, f"{c.name}-{year}") for c in question_charts(rs, inst, year, group, lang=lang)]
        if len(rs.years) > 1:
            out += question_charts(rs, inst, year, group, lang=lang, trend=True)
    return out


# --- tables ----------------------------------------------------------------------------------


def _comparison_cells(reference, comparison, lang: str, *, index: bool = False) -> list:
    h = HEADERS[lang]
    ref = reference if reference is not None and not reference.suppressed else None
    ref_value = None
    if ref is not None:
        ref_value = _round((ref.mean - 1) / 5 * 100, 1) if index else _round(ref.mean)
    cmp = comparison if comparison is not None and comparison.compared else None
    cells = [ref_value]
    if not index:
        cells.append(ref.n if ref is not None else None)
    cells += [
        _round(cmp.difference) if cmp else None,
        _round(cmp.p_value, 4) if cmp and cmp.p_value is not None else None,
        (h["yes"] if cmp.significant else h["no"]) if cmp and cmp.significant is not None else None,
        _round(cmp.difference_ci_low) if cmp else None,
        _round(cmp.difference_ci_high) if cmp else None,
        _round(cmp.q_value, 4) if cmp else None,
        _round(cmp.index_difference, 1) if cmp else None,
    ]
    if not index:
        share = cmp.share_positive_difference if cmp else None
        cells.append(_round(share * 100 if share is not None else None, 1))
    return cells


def item_table(rs: ResultSet, inst: Instrument, *, lang: str = "sv", years=None) -> Table:
    w = words(lang)
    rows = []
    for r in rs.items:
        if years is not None and r.year not in years:
            continue
        res = r.result
        head = [r.year, r.group, r.item_id, _text(r.text, lang), r.indicator_id]
        if res.suppressed:
            figures = [None] * 8
            note = w["too_few"]
        else:
            figures = [res.n, _round(res.mean), _round(res.sd), _round(res.ci_low), _round(res.ci_high)] + [
                _round(x * 100 if x is not None else None, 1)
                for x in (res.share_positive, res.share_positive_ci_low, res.share_positive_ci_high)]
            note = ""
        rows.append(tuple(head + figures + _comparison_cells(r.reference, r.comparison, lang) + [note]))
    title = "Frågor" if lang == "sv" else "Questions"
    return Table("fragor", title, tuple(HEADERS[lang]["items"]), tuple(rows))


def indicator_table(rs: ResultSet, inst: Instrument, *, lang: str = "sv", years=None) -> Table:
    w = words(lang)
    rows = []
    for r in rs.indicators:
        if years is not None and r.year not in years:
            continue
        res = r.result
        head = [r.year, r.group, r.indicator_id, _text(r.name, lang)]
        figures = [None] * 3 if res.suppressed else [res.n, _round(res.mean), _round(res.index, 1)]
        note = w["too_few"] if res.suppressed else ""
        rows.append(tuple(head + figures + _comparison_cells(r.reference, r.comparison, lang, index=True) + [note]))
    title = "Indikatorer" if lang == "sv" else "Indicators"
    return Table("indikatorer", title, tuple(HEADERS[lang]["indicators"]), tuple(rows))


def local_table(rs: ResultSet, *, lang: str = "sv", years=None) -> Table:
    labels = SUPPORT_LABELS[lang]
    rows = []
    for loc in rs.local:
        if years is not None and loc.year not in years:
            continue
        for phase in SUPPORT_PHASES:
            counts = loc.support_counts.get(phase, {})
            for cat in SUPPORT_CATEGORIES:
                if cat in counts:
                    rows.append((loc.year, "I15", labels[phase], labels[cat], counts[cat], None, None))
        if loc.economic is not None:
            e = loc.economic
            rows.append((loc.year, "I16", "", "", e.value, e.method, e.source))
    title = "Lokala indikatorer" if lang == "sv" else "Local indicators"
    return Table("lokala-indikatorer", title, tuple(HEADERS[lang]["local"]), tuple(rows))


#: The method text on the inference (Scoring rules 2, 5 and 7), for the method page and table.
STATISTICS_TEXT = {
    "sv": ("Konfidensintervallet för ett medelvärde ligger alltid inom 1–6 (Dirichlet-fördelning för svarsandelarna), "
           "andel positiva har Wilsons intervall. Skillnaden mot riket visas med 95 % konfidensintervall och testas "
           "med t-test av samma storhet; beräknat riket jämförs utan det egna förbundet. Signifikant betyder q < 0,05: "
           "p-värdena justeras med Benjamini–Hochberg över enhetens alla jämförelser samma mätår. Styrelse och "
           "chefsgrupp visas utan p-värden och signifikans eftersom nästan alla i de små grupperna svarar."),
    "en": ("The confidence interval of a mean always lies within 1–6 (Dirichlet distribution of the answer shares); "
           "share positive has the Wilson interval. The difference from Sweden is shown with its 95% confidence "
           "interval and tested with a t-test of the same quantity; a computed Sweden excludes the unit's own "
           "association. Significant means q < 0.05: p-values are adjusted by Benjamini–Hochberg over all the unit's "
           "comparisons in the measurement year. Board and management group are shown without p-values or "
           "significance because nearly everyone in these small groups answers."),
}

REFERENCE_NAMES = {
    "sv": {"computed": "Riket utom förbundet (beräknat i installationen)", "imported": "Importerade riksvärden", "none": "Ingen jämförelse"},
    "en": {"computed": "Sweden excluding the association (computed in this installation)", "imported": "Imported national values", "none": "No comparison"},
}


def method_facts(rs: ResultSet, inst: Instrument, year: int, *, lang: str = "sv") -> list[tuple[str, str]]:
    """The method page as (label, value) pairs: period, groups and n, threshold, reference, scales."""
    sv = lang == "sv"
    w = words(lang)
    facts = [
        ("Förbund" if sv else "Association", rs.forbund_name),
        ("Enhet" if sv else "Unit", rs.unit_label),
        ("Mätår" if sv else "Measurement year", str(year)),
        ("Mätperiod" if sv else "Measurement period",
         f"1 november {year - 1} – 31 oktober {year}" if sv else f"1 November {year - 1} – 31 October {year}"),
        ("År i jämförelsen över tid" if sv else "Years compared over time", ", ".join(str(y) for y in rs.years)),
        ("Instrumentversion" if sv else "Instrument version", rs.instrument_version),
        ("Rapporteringsgräns" if sv else "Reporting threshold",
         (f"{rs.threshold} svar. Grupper och frågor med färre svar redovisas inte (”{w['too_few']}”)." if sv
          else f"{rs.threshold} answers. Groups and questions with fewer answers are not shown (“{w['too_few']}”).")),
        ("Skydd av enskilda svar" if sv else "Protecting individual answers",
         (f"Nya svar visas när minst {rs.threshold} nya har kommit in (”visas när fler svar har kommit in”). "
          "En siffra som annars skulle gå att räkna fram för en mindre grupp visas inte (”dolt för att skydda "
          "en mindre grupp”). Riket är riket utom förbundet och visas när minst tre andra förbund har minst "
          f"{rs.threshold} svar var." if sv else
          f"New answers are shown once at least {rs.threshold} new ones have come in (“shown when more answers "
          "have come in”). A figure from which a smaller group could be worked out is not shown (“hidden to "
          "protect a smaller group”). The national figure excludes the association and is shown when at least "
          f"three other associations have at least {rs.threshold} answers each.")),
        ("Jämförelse" if sv else "Reference", REFERENCE_NAMES[lang][rs.reference_kind]),
        ("Källa för riket" if sv else "Source of the national figures", rs.reference_source or "–"),
    ]
    for group in rs.groups:
        n = rs.response_count(group, year)
        text = str(n) if n is not None else w["too_few"]
        rate = rs.response_rate(group, year)
        if rate is not None:
            asked = rs.asked[(group, year)]
            pct = f"{round(rate[0] * 100)} %"
            text += (f" ({pct} av {asked} tillfrågade" if sv else f" ({pct} of {asked} asked")
            text += ((", fler svar än tillfrågade" if sv else ", more answers than asked") if rate[1] else "") + ")"
        facts.append((f"{'Svar' if sv else 'Responses'}: {group_name(inst, group, lang)}", text))
    for scale in inst.scales.values():
        labels = scale_labels(inst, scale.id, lang)
        facts.append(((f"Skala {scale.id}" if sv else f"Scale {scale.id}"),
                      " · ".join(f"{k} {label}" for k, label in enumerate(labels, 1))))
    facts.append(("Tolkning" if sv else "Reading the figures",
                  ("Svaren kodas 1–6; 4–6 är positiva svar. ”Vet ej” räknas inte. Medelvärdet ligger på skalan 1–6, "
                   "index = (medelvärde − 1) / 5 × 100 på skalan 0–100. " + STATISTICS_TEXT["sv"]) if sv else
                  ("Answers are coded 1–6; 4–6 are positive. “Don't know” is not counted. Means are on the 1–6 "
                   "scale; index = (mean − 1) / 5 × 100 on 0–100. " + STATISTICS_TEXT["en"])))
    if rs.is_demo or rs.reference_is_demo:
        facts.append(("DEMODATA" if sv else "DEMO DATA",
                      "Påhittade siffror för att visa plattformen, inte officiella." if sv
                      else "Invented figures to show the platform, not official."))
    return facts


def method_table(rs: ResultSet, inst: Instrument, year: int, *, lang: str = "sv") -> Table:
    title = "Metod" if lang == "sv" else "Method"
    return Table("metod", title, tuple(HEADERS[lang]["method"]), tuple(method_facts(rs, inst, year, lang=lang)))


def breakdown_table(rs: ResultSet, inst: Instrument, *, lang: str = "sv", years=None) -> Table:
    """Background breakdowns (Scoring rule 8), one row per (target, category); hidden: no figures."""
    sv = lang == "sv"
    labels = {b.id: b for q in inst.questionnaires.values() for b in q.background}
    header = (["År", "Grupp", "Bakgrundsfråga", "Kategori", "Fråga/indikator", "n", "Medelvärde", "Index 0–100",
               "Andel positiva (%)", "Anmärkning"] if sv else
              ["Year", "Group", "Background question", "Category", "Question/indicator", "n", "Mean", "Index 0–100",
               "Share positive (%)", "Note"])
    notes = {"protect": "dolt för att skydda en mindre grupp" if sv else "hidden to protect a smaller group"}
    rows = []
    for b in rs.breakdowns:
        if years is not None and b.year not in years:
            continue
        q = labels.get(b.dimension)
        for cell in b.categories:
            cat = cell.category
            if q is not None and cat in q.options:
                cat = q.option_label(cat, lang if lang in q.labels else "sv")
            elif cat == "uppgift_saknas":
                cat = "Uppgift saknas" if sv else "Not answered"
            r = cell.result
            head = [b.year, b.group, (q.text.get(lang) or q.text["sv"]) if q else b.dimension, cat, b.target]
            if r.suppressed:
                rows.append(tuple(head + [None] * 4 + [notes.get(cell.hidden_reason, words(lang)["too_few"])]))
                continue
            share = getattr(r, "share_positive", None)
            rows.append(tuple(head + [r.n, _round(r.mean), _round(getattr(r, "index", None), 1),
                                      _round(share * 100 if share is not None else None, 1), ""]))
    return Table("bakgrund", "Efter bakgrund" if sv else "By background", tuple(header), tuple(rows))


def all_tables(rs: ResultSet, inst: Instrument, year: int, *, lang: str = "sv") -> list[Table]:
    """The tables of the exports, in sheet order: Indikatorer, Frågor, Efter bakgrund, Lokala indikatorer, Metod."""
    return [indicator_table(rs, inst, lang=lang), item_table(rs, inst, lang=lang),
            breakdown_table(rs, inst, lang=lang), local_table(rs, lang=lang),
            method_table(rs, inst, year, lang=lang)]


def chart_names(rs: ResultSet, year: int) -> list[tuple[str, str]]:
    """(chart name, group) of every chart :func:`all_charts` draws, without drawing them."""
    out = []
    for group in rs.groups:
        items = rs.items_for(group, year)
        if not items:
            continue
        out += [(f"indikatorer-{group}-{year}", group), (f"svarsfordelning-{group}-{year}", group)]
        out += [(f"fraga-{r.item_id}-{year}", group) for r in items]
        if len(rs.years) > 1:
            out += [(f"trend-{r.item_id}", group) for r in items]
    return out


def chart_by_name(rs: ResultSet, inst: Instrument, year: int, name: str, *, lang: str = "sv") -> Chart | None:
    """Draw one chart of :func:`chart_names`; None for an unknown name."""
    groups = dict(chart_names(rs, year))
    if name not in groups:
        return None
    group = groups[name]
    kind = name.split("-", 1)[0]
    if kind == "indikatorer":
        return overview_chart(rs, inst, year, group, lang=lang)
    if kind == "svarsfordelning":
        return answers_chart(rs, inst, year, group, lang=lang)
    item_id = name.split("-")[1]
    subset = dataclasses.replace(rs, items=tuple(r for r in rs.items if r.item_id == item_id))
    chart = question_charts(subset, inst, year, group, lang=lang, trend=kind == "trend")[0]
    return chart if kind == "trend" else _named(chart, name)
