"""The annual-report appendix as one PDF: cover, method, indicator overview, groups, I15/I16.

Pure: a :class:`~indicators.results.ResultSet` and plain arguments in, PDF bytes out. Drawn with
matplotlib's PdfPages and TrueType text (``pdf.fonttype`` 42), so every word is real, searchable
text. Metadata carries no date: the same results give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .catalogue import Instrument
from .chart_style import MUTED_COLOUR, PDF_METADATA, number, style, words, wrap
from .report_breakdowns import breakdown_tables
from .report_data import (
    SUPPORT_LABELS,
    answers_chart,
    group_name,
    method_facts,
    overview_chart,
    question_charts,
)
from .results import CENSUS_GROUPS, SUPPORT_CATEGORIES, SUPPORT_PHASES, ResultSet

A4 = (8.27, 11.69)
MARGIN = 0.8  # inches
TOP = A4[1] - MARGIN
BOTTOM = MARGIN
LINE = 0.19  # inches per 8.5 pt line
#: The content area of chart pages, as a figure fraction (left, bottom, width, height).
#: The page title takes the top 0.55 inch of that area.
TITLE_SPACE = 0.55
CONTENT_RECT = (MARGIN / A4[0], MARGIN / A4[1], 1 - 2 * MARGIN / A4[0], (A4[1] - 2 * MARGIN - TITLE_SPACE) / A4[1])

FreeTexts = Mapping[str, Sequence[tuple[str, str]] | None]


def report_title(year: int, lang: str = "sv") -> str:
    if lang == "sv":
        return f"Indikatorer för finansiell samordning – sammanställning {year}"
    return f"Indicators for financial coordination – summary {year}"


class _Pages:
    """A PdfPages wrapper that numbers pages and writes the running header on each."""

    def __init__(self, pdf: PdfPages, header: str):
        self.pdf = pdf
        self.header = header
        self.count = 0

    def save(self, fig: Figure) -> None:
        self.count += 1
        if self.count > 1:
            fig.text(MARGIN / A4[0], 1 - 0.45 / A4[1], self.header, fontsize=8, color=MUTED_COLOUR, va="top")
            fig.text(1 - MARGIN / A4[0], 0.4 / A4[1], str(self.count), fontsize=8, color=MUTED_COLOUR, ha="right")
        self.pdf.savefig(fig)


class _TextPage:
    """Flowing text on A4 pages: headings, paragraphs, label–value lines, simple tables."""

    def __init__(self, pages: _Pages):
        self.pages = pages
        self.fig: Figure | None = None
        self.y = TOP

    def _ensure(self, height: float) -> None:
        if self.fig is None or self.y - height < BOTTOM:
            self.flush()
            self.fig = Figure(figsize=A4)
            self.y = TOP

    def flush(self) -> None:
        if self.fig is not None:
            self.pages.save(self.fig)
            self.fig = None

    def _text(self, x: float, text: str, **kw) -> None:
        self.fig.text(x / A4[0], self.y / A4[1], text, va="top", **kw)

    def heading(self, text: str, size: float = 14) -> None:
        lines = wrap(text, int(70 * 14 / size)).count("\n") + 1
        self._ensure(lines * size / 50 + 0.6)
        self._text(MARGIN, wrap(text, int(70 * 14 / size)), fontsize=size, fontweight="bold")
        self.y -= lines * size / 50 + 0.2

    def paragraph(self, text: str, *, width: int = 95, size: float = 9, indent: float = 0.0, **kw) -> None:
        wrapped = wrap(text, width)
        lines = wrapped.count("\n") + 1
        self._ensure(lines * LINE * size / 8.5)
        self._text(MARGIN + indent, wrapped, fontsize=size, linespacing=1.35, **kw)
        self.y -= lines * LINE * size / 8.5 + 0.08

    def pair(self, label: str, value: str) -> None:
        wrapped = wrap(value, 62)
        lines = max(wrapped.count("\n"), wrap(label, 28).count("\n")) + 1
        self._ensure(lines * LINE + 0.06)
        self._text(MARGIN, wrap(label, 28), fontsize=9, fontweight="bold", linespacing=1.35)
        self._text(MARGIN + 2.3, wrapped, fontsize=9, linespacing=1.35)
        self.y -= lines * LINE * 1.06 + 0.08

    def table(self, columns: Sequence[tuple[str, float, str]], rows: Sequence[Sequence[str]], wraps: Sequence[int | None]) -> None:
        """Columns (title, width in inches, "left"|"right"); a header repeated on each new page."""

        def header() -> None:
            x = MARGIN
            for title, width, align in columns:
                self._text(x + (width - 0.05 if align == "right" else 0), wrap(title, 10), fontsize=8,
                           fontweight="bold", ha=align, linespacing=1.2)
                x += width
            self.y -= 0.42
            self.fig.add_artist(_rule(self.y + 0.08))

        self._ensure(0.9)
        header()
        for row in rows:
            cells = [wrap(str(c), w) if w else str(c) for c, w in zip(row, wraps, strict=True)]
            lines = max(c.count("\n") for c in cells) + 1
            height = lines * 0.16 + 0.08
            if self.y - height < BOTTOM:
                self._ensure(10)  # a new page
                header()
            x = MARGIN
            for cell, (_, width, align) in zip(cells, columns, strict=True):
                self._text(x + (width - 0.05 if align == "right" else 0), cell, fontsize=8, ha=align, linespacing=1.2)
                x += width
            self.y -= height

    def space(self, inches: float) -> None:
        self.y -= inches


def _rule(y: float):
    from matplotlib.lines import Line2D

    return Line2D([MARGIN / A4[0], 1 - MARGIN / A4[0]], [y / A4[1]] * 2, color=MUTED_COLOUR, linewidth=0.5)


# --- pages -----------------------------------------------------------------------------------


def _cover(pages: _Pages, rs: ResultSet, inst: Instrument, year: int, lang: str) -> None:
    fig = Figure(figsize=A4)
    x = MARGIN / A4[0]
    fig.text(x, 0.78, wrap(report_title(year, lang), 34), fontsize=24, fontweight="bold", va="top", linespacing=1.25)
    fig.text(x, 0.58, wrap(rs.forbund_name, 50), fontsize=16, va="top")
    if rs.insats_name:
        fig.text(x, 0.54, wrap(rs.insats_name, 60), fontsize=13, va="top", color=MUTED_COLOUR)
    sub = ("Bilaga till årsredovisningen. Resultat per respondentgrupp och fråga, jämfört med riket och tidigare år."
           if lang == "sv" else "Appendix to the annual report. Results per respondent group and question, compared "
           "with Sweden and earlier years.")
    fig.text(x, 0.48, wrap(sub, 70), fontsize=10, va="top", linespacing=1.4)
    if rs.is_demo or rs.reference_is_demo:
        note = ("Påhittade siffror för att visa plattformen – inte riktiga svar eller officiella siffror."
                if lang == "sv" else "Invented figures to show the platform – not real answers or official figures.")
        fig.text(x, 0.36, words(lang)["demo"], fontsize=40, fontweight="bold", color="#8A3B00", va="top",
                 bbox={"facecolor": "#FFF4D6", "edgecolor": "#8A6100", "linewidth": 2, "boxstyle": "square,pad=0.3"})
        fig.text(x, 0.29, wrap(note, 70), fontsize=10, va="top")
    version = f"{'Instrumentversion' if lang == 'sv' else 'Instrument version'} {rs.instrument_version}"
    fig.text(x, MARGIN / A4[1], version, fontsize=8, color=MUTED_COLOUR)
    pages.save(fig)


def _method(text: _TextPage, rs: ResultSet, inst: Instrument, year: int, lang: str) -> None:
    text.heading("Metod" if lang == "sv" else "Method")
    text.paragraph(
        "Enkäterna besvaras anonymt av deltagare, personal, parternas chefer och förbundsstyrelsen. Mätåret går "
        "från 1 november till 31 oktober och har namn efter det år det slutar." if lang == "sv" else
        "The questionnaires are answered anonymously by participants, staff, the partners' managers and the board. "
        "The measurement year runs from 1 November to 31 October and is named after the year it ends.")
    text.space(0.1)
    for label, value in method_facts(rs, inst, year, lang=lang):
        text.pair(label, value)
    text.flush()


def _page_title(fig: Figure, title: str) -> None:
    fig.text(MARGIN / A4[0], TOP / A4[1], title, fontsize=14, fontweight="bold", va="top")


def _chart_page(pages: _Pages, title: str, build: Callable[[object], object], height: float) -> None:
    """One chart of its natural ``height`` at the top of an A4 page under a heading."""
    with style():
        fig = Figure(figsize=A4)
        fig.set_layout_engine("constrained", rect=CONTENT_RECT)
        avail = A4[1] - 2 * MARGIN - TITLE_SPACE
        top, _rest = fig.subfigures(2, 1, height_ratios=[min(height, avail), max(avail - height, 0.01)])
        _page_title(fig, title)
        build(top)
        pages.save(fig)


def _grid_pages(pages: _Pages, title: str, rs: ResultSet, inst: Instrument, year: int, group: str, lang: str,
                trend: bool) -> None:
    """Per-question charts two across, as many rows as fit on a page."""
    rows_all = rs.items_for(group, year)
    if not rows_all:
        return
    # The tallest chart is the one with the longest question (the title wraps most).
    longest = max(rows_all, key=lambda r: len(r.text.get(lang) or r.text["sv"]))
    with style():
        subset = replace(rs, items=tuple(r for r in rs.items if r.group != group or r.item_id == longest.item_id))
        height = question_charts(subset, inst, year, group, lang=lang, trend=trend)[0].figure.get_figheight()
    avail = A4[1] - 2 * MARGIN - TITLE_SPACE
    per_page = 2 * max(1, int(avail // height))
    for start in range(0, len(rows_all), per_page):
        chunk = len(rows_all[start:start + per_page])
        with style():
            fig = Figure(figsize=A4)
            fig.set_layout_engine("constrained", rect=CONTENT_RECT)
            n_rows = per_page // 2
            subs = fig.subfigures(n_rows + 1, 2, height_ratios=[height] * n_rows + [max(avail - n_rows * height, 0.01)])
            targets = [subs[k // 2][k % 2] for k in range(chunk)]
            _page_title(fig, title)
            _subset_charts(rs, inst, year, group, lang, trend, start, targets)
            pages.save(fig)


def _subset_charts(rs, inst, year, group, lang, trend, start, targets) -> None:
    items = rs.items_for(group, year)[start:start + len(targets)]
    keep = {r.item_id for r in items}
    subset = replace(rs, items=tuple(r for r in rs.items if r.group != group or r.item_id in keep))
    question_charts(subset, inst, year, group, lang=lang, trend=trend, targets=targets)


def _item_table(text: _TextPage, rs: ResultSet, year: int, group: str, lang: str) -> None:
    sv = lang == "sv"
    w = words(lang)
    has_ref = rs.reference_kind != "none"
    columns = [("Fråga" if sv else "Question", 2.85 if rs.reference_kind == "none" else 2.0, "left"), ("n", 0.4, "right"),
               ("Medel" if sv else "Mean", 0.55, "right"), ("KI 95 %" if sv else "95% CI", 0.85, "right"),
               ("Andel positiva (95 % KI)" if sv else "Share positive (95% CI)", 1.0, "right")]
    if has_ref:
        columns += [(w["riket"], 0.5, "right"), ("Skillnad (95 % KI)" if sv else "Difference (95% CI)", 1.35, "right")]
    rows = []
    for r in rs.items_for(group, year):
        res = r.result
        label = f"{r.item_id} {r.text.get(lang) or r.text['sv']}"
        if res.suppressed:
            row = [label, "", w["too_few"], "", ""]
        else:
            row = [label, str(res.n), number(res.mean, lang, 2),
                   f"{number(res.ci_low, lang, 2)}–{number(res.ci_high, lang, 2)}",
                   f"{round(res.share_positive * 100)} % ({round(res.share_positive_ci_low * 100)}–"
                   f"{round(res.share_positive_ci_high * 100)})"]
        if has_ref:
            ref = r.reference
            ref_text = number(ref.mean, lang, 2) if ref is not None and not ref.suppressed and ref.mean is not None else "–"
            cmp = r.comparison
            diff = "–"
            if cmp is not None and cmp.compared and not res.suppressed:
                diff = number(cmp.difference, lang, 2)
                if cmp.difference_ci_low is not None:
                    diff += f" ({number(cmp.difference_ci_low, lang, 2)}–{number(cmp.difference_ci_high, lang, 2)})"
                diff += " *" if cmp.significant else ""
            row += [ref_text, diff]
        rows.append(row)
    text.table(columns, rows, [44 if not has_ref else 31] + [None] * (len(columns) - 1))
    if has_ref:
        text.space(0.1)
        census = group in CENSUS_GROUPS
        text.paragraph(("Styrelse och chefsgrupp: inga p-värden eller signifikans, eftersom nästan alla i gruppen svarar."
                        if census else "* skillnaden mot riket är statistiskt säkerställd (q < 0,05, p-värden justerade "
                        "med Benjamini–Hochberg över enhetens alla jämförelser samma mätår).") if sv
                       else ("Board and management group: no p-values or significance, since nearly everyone in the "
                             "group answers." if census else "* the difference from Sweden is statistically significant "
                             "(q < 0.05, p-values adjusted by Benjamini–Hochberg over all the unit's comparisons in "
                             "the year)."), size=8)


def _free_texts(text: _TextPage, rs: ResultSet, inst: Instrument, year: int, group: str, lang: str,
                texts: Sequence[tuple[str, str]]) -> None:
    questions = {f.id: (f.text.get(lang) or f.text["sv"]) for f in inst.questionnaires[group].free_text}
    text.heading(("Fritextsvar – " if lang == "sv" else "Free-text answers – ") + group_name(inst, group, lang), 12)
    current = None
    for qid, answer in texts:
        if qid != current:
            current = qid
            text.space(0.05)
            text.paragraph(questions.get(qid, qid), fontweight="bold")
        text.paragraph("– " + answer, indent=0.15, width=90)


def _local(text: _TextPage, rs: ResultSet, year: int, lang: str) -> None:
    sv = lang == "sv"
    labels = SUPPORT_LABELS[lang]
    text.heading("Lokala indikatorer I15 och I16" if sv else "Local indicators I15 and I16")
    text.paragraph("I15 och I16 saknar nationellt mått. Förbundet registrerar dem själv och de jämförs inte med riket."
                   if sv else "I15 and I16 have no national measure. The association enters them itself; they are "
                   "not compared with Sweden.")
    local = rs.local_for(year)
    text.heading("I15 Minskat behov av offentlig försörjning" if sv else "I15 Less need for public support", 11)
    if local is not None and local.has_support_counts:
        columns = [("Huvudsaklig försörjning" if sv else "Main source of support", 3.4, "left")] + [
            (labels[p], 1.3, "right") for p in SUPPORT_PHASES]
        rows = [[labels[c]] + [str(local.support_counts.get(p, {}).get(c, "–")) for p in SUPPORT_PHASES]
                for c in SUPPORT_CATEGORIES if any(c in local.support_counts.get(p, {}) for p in SUPPORT_PHASES)]
        rows.append(["Totalt" if sv else "Total"] + [str(local.support_total(p)) for p in SUPPORT_PHASES])
        text.table(columns, rows, [50, None, None])
    else:
        text.paragraph(f"Inga uppgifter registrerade för {year}." if sv else f"Nothing entered for {year}.")
    text.space(0.15)
    text.heading("I16 Samhällsekonomisk nytta" if sv else "I16 Socio-economic benefit", 11)
    if local is not None and local.economic is not None:
        e = local.economic
        text.pair("Värde" if sv else "Value", e.value)
        text.pair("Metod" if sv else "Method", e.method or "–")
        text.pair("Källa" if sv else "Source", e.source or "–")
    else:
        text.paragraph(f"Inga uppgifter registrerade för {year}." if sv else f"Nothing entered for {year}.")
    text.flush()


def build_report(
    rs: ResultSet,
    inst: Instrument,
    year: int | None = None,
    *,
    lang: str = "sv",
    free_texts: FreeTexts | None = None,
    include_free_text: bool = False,
    progress: Callable[[str], None] | None = None,
) -> bytes:
    """Return the appendix PDF for ``year`` (default: the latest year of the result set).

    ``free_texts`` maps a group to its (question id, text) pairs, or None when the group is
    below the threshold; they are printed only with ``include_free_text`` and only for groups
    whose response count reaches the threshold. ``progress`` is called with a short label after
    each part (for progress bars).
    """
    year = max(rs.years) if year is None else year
    if year not in rs.years:
        raise ValueError(f"År: {year} finns inte i resultaten.")
    words(lang)
    step = progress or (lambda label: None)
    trend = len(rs.years) > 1
    buf = io.BytesIO()
    metadata = {**PDF_METADATA, "Title": f"{report_title(year, lang)} – {rs.forbund_name}"}
    with style(), PdfPages(buf, metadata=metadata) as pdf:
        header = f"{rs.forbund_name} · {report_title(year, lang)}"
        if rs.is_demo:
            header += f" · {words(lang)['demo']}"
        pages = _Pages(pdf, header)
        _cover(pages, rs, inst, year, lang)
        _method(_TextPage(pages), rs, inst, year, lang)
        step("method")
        groups = [g for g in rs.groups if rs.items_for(g, year)]
        overview_title = "Indikatoröversikt" if lang == "sv" else "Indicator overview"
        for group in groups:
            probe = overview_chart(rs, inst, year, group, lang=lang)
            _chart_page(pages, f"{overview_title}: {group_name(inst, group, lang)}",
                        lambda target, g=group: overview_chart(rs, inst, year, g, lang=lang, target=target),
                        probe.figure.get_figheight())
        step("overview")
        for group in groups:
            name = group_name(inst, group, lang)
            probe = answers_chart(rs, inst, year, group, lang=lang)
            _chart_page(pages, name, lambda target, g=group: answers_chart(rs, inst, year, g, lang=lang, target=target),
                        probe.figure.get_figheight())
            _grid_pages(pages, f"{name}: {'frågorna' if lang == 'sv' else 'the questions'}", rs, inst, year, group,
                        lang, trend)
            text = _TextPage(pages)
            text.heading(f"{name}: {'resultat per fråga' if lang == 'sv' else 'results per question'} {year}")
            _item_table(text, rs, year, group, lang)
            breakdown_tables(text, rs, inst, year, group, lang)
            texts = (free_texts or {}).get(group)
            if include_free_text and texts and rs.response_count(group, year) is not None:
                text.space(0.2)
                _free_texts(text, rs, inst, year, group, lang, texts)
            text.flush()
            step(group)
        _local(_TextPage(pages), rs, year, lang)
        step("local")
    return buf.getvalue()
