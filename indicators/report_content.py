"""The appendix as a list of blocks, shared by the PDF (HTML + WeasyPrint) and the DOCX writer.

Pure. Blocks are headings, paragraphs, label–value lists, tables (header cells and rows of text)
and figures (a chart name with its text alternative). The writers only lay them out, so the PDF
and the Word file always carry the same content.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .catalogue import Instrument
from .i18n import N_, Tr, hidden_text
from .report_data import chart_names, group_name, method_facts
from .report_tables import SUPPORT_LABELS
from .results import CENSUS_GROUPS, SUPPORT_CATEGORIES, SUPPORT_PHASES, ResultSet
from .summary import significant, summary


def breakdown_blocks(rs, inst, year, group, tr):
    from .report_breakdowns import breakdown_blocks as blocks

    return blocks(rs, inst, year, group, tr)

FreeTexts = Mapping[str, Sequence[tuple[str, str]] | None]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    kind: str = "heading"


@dataclass(frozen=True)
class Para:
    text: str
    style: str = ""  #: "", "lead", "note", "quote", "demo", "summary"
    kind: str = "para"


@dataclass(frozen=True)
class Facts:
    pairs: tuple[tuple[str, str], ...]
    caption: str
    kind: str = "facts"


@dataclass(frozen=True)
class TableBlock:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  #: right-aligned columns
    note: str = ""
    kind: str = "table"


@dataclass(frozen=True)
class FigureBlock:
    name: str
    wide: bool = False
    kind: str = "figure"


@dataclass(frozen=True)
class PageBreak:
    kind: str = "pagebreak"


@dataclass
class Document:
    title: str
    lang: str
    subject: str
    blocks: list = field(default_factory=list)

    def figure(self, name: str, *, wide: bool = False) -> None:
        self.blocks.append(FigureBlock(name, wide))

    @property
    def chart_names(self) -> list[str]:
        return [b.name for b in self.blocks if b.kind == "figure"]


def report_title(year: int, tr: Tr) -> str:
    return tr.gettext(N_("Indikatorer för finansiell samordning – sammanställning %(year)d")) % {"year": year}


def _item_table(rs: ResultSet, year: int, group: str, tr: Tr) -> TableBlock:
    _ = tr.gettext
    has_ref = rs.reference_kind != "none"
    header = [_(N_("Fråga")), "n", _(N_("Medel")), _(N_("KI 95 %")), _(N_("Andel positiva (95 % KI)"))]
    if has_ref:
        header += [_(N_("Riket")), _(N_("Skillnad (95 % KI)"))]
    rows = []
    for r in rs.items_for(group, year):
        res = r.result
        label = f"{r.item_id} {r.text.get(tr.lang) or r.text['sv']}"
        if res.suppressed:
            row = [label, "", hidden_text(r.hidden_reason, tr), "", ""]
        else:
            share = tr.percent(res.share_positive)
            if res.share_positive_ci_low is not None and res.share_positive_ci_high is not None:
                share += (f" ({tr.number(res.share_positive_ci_low * 100, 0)}–"
                          f"{tr.number(res.share_positive_ci_high * 100, 0)})")
            row = [label, str(res.n), tr.number(res.mean, 2),
                   f"{tr.number(res.ci_low, 2)}–{tr.number(res.ci_high, 2)}", share]
        if has_ref:
            ref = r.reference
            ref_text = tr.number(ref.mean, 2) if ref is not None and not ref.suppressed and ref.mean is not None else "–"
            diff = "–"
            cmp = r.comparison
            if cmp is not None and cmp.compared and not res.suppressed:
                diff = tr.signed(cmp.difference, 2)
                if cmp.difference_ci_low is not None and cmp.difference_ci_high is not None:
                    diff += f" ({tr.number(cmp.difference_ci_low, 2)}–{tr.number(cmp.difference_ci_high, 2)})"
                diff += " *" if significant(cmp) and group not in CENSUS_GROUPS else ""
            row += [ref_text, diff]
        rows.append(tuple(row))
    note = ""
    if has_ref and group in CENSUS_GROUPS:
        note = _(N_("Styrelse och chefsgrupp: inga p-värden eller signifikans, eftersom nästan alla i gruppen svarar."))
    elif has_ref:
        note = _(N_("* skillnaden mot riket är statistiskt säkerställd (q < 0,05, p-värden justerade med "
                    "Benjamini–Hochberg över enhetens alla jämförelser samma mätår)."))
    caption = _(N_("%(group)s: resultat per fråga %(year)d")) % {"group": group, "year": year}
    return TableBlock(caption, tuple(header), tuple(rows), (False,) + (True,) * (len(header) - 1), note)


def _local(doc: Document, rs: ResultSet, year: int, tr: Tr) -> None:
    _ = tr.gettext
    doc.blocks.append(Heading(2, _(N_("Lokala indikatorer I15 och I16"))))
    doc.blocks.append(Para(_(N_("I15 och I16 saknar nationellt mått. Förbundet registrerar dem själv och de "
                                 "jämförs inte med riket."))))
    local = rs.local_for(year)
    doc.blocks.append(Heading(3, _(N_("I15 Minskat behov av offentlig försörjning"))))
    nothing = _(N_("Inga uppgifter registrerade för %(year)d.")) % {"year": year}
    if local is not None and local.has_support_counts:
        header = (_(N_("Huvudsaklig försörjning")),) + tuple(_(SUPPORT_LABELS[p]) for p in SUPPORT_PHASES)
        rows = [(_(SUPPORT_LABELS[c]),) + tuple(str(local.support_counts.get(p, {}).get(c, "–")) for p in SUPPORT_PHASES)
                for c in SUPPORT_CATEGORIES if any(c in local.support_counts.get(p, {}) for p in SUPPORT_PHASES)]
        rows.append((_(N_("Totalt")),) + tuple(str(local.support_total(p)) for p in SUPPORT_PHASES))
        doc.blocks.append(TableBlock(_(N_("I15: antal deltagare efter huvudsaklig försörjning")), header,
                                     tuple(rows), (False,) + (True,) * len(SUPPORT_PHASES)))
    else:
        doc.blocks.append(Para(nothing))
    doc.blocks.append(Heading(3, _(N_("I16 Samhällsekonomisk nytta"))))
    if local is not None and local.economic is not None:
        e = local.economic
        doc.blocks.append(Facts(((_(N_("Värde")), e.value), (_(N_("Metod")), e.method or "–"),
                                 (_(N_("Källa")), e.source or "–")), _(N_("I16 Samhällsekonomisk nytta"))))
    else:
        doc.blocks.append(Para(nothing))


def build_document(rs: ResultSet, inst: Instrument, year: int, tr: Tr, *, free_texts: FreeTexts | None = None,
                   include_free_text: bool = False, step: Callable[[str], None] | None = None) -> Document:
    """The appendix's content for ``year``; figures are chart names of :func:`chart_names`."""
    _ = tr.gettext
    step = step or (lambda label: None)
    title = report_title(year, tr)
    doc = Document(title=f"{title} – {rs.forbund_name}", lang=tr.lang, subject=rs.unit_label)
    add = doc.blocks.append
    add(Heading(1, title))
    add(Para(rs.forbund_name + (f" – {rs.insats_name}" if rs.insats_name else ""), "lead"))
    add(Para(_(N_("Bilaga till årsredovisningen. Resultat per respondentgrupp och fråga, jämfört med riket och "
                  "tidigare år."))))
    if rs.is_demo or rs.reference_is_demo:
        add(Para(_(N_("DEMODATA: påhittade siffror för att visa plattformen – inte riktiga svar eller officiella "
                      "siffror.")), "demo"))
    add(Heading(2, _(N_("Sammanfattning"))))
    add(Para(_(N_("Texten är skapad automatiskt från resultaten och kan redigeras.")), "note"))
    for sentence in summary(rs, inst, year, lang=tr):
        add(Para(sentence, "summary"))
    add(Heading(2, _(N_("Metod"))))
    add(Para(_(N_("Enkäterna besvaras anonymt av deltagare, personal, parternas chefer och förbundsstyrelsen. "
                  "Mätåret går från 1 november till 31 oktober och har namn efter det år det slutar."))))
    add(Facts(tuple(method_facts(rs, inst, year, lang=tr)), _(N_("Metod och underlag"))))
    step("method")
    groups = [g for g in rs.groups if rs.items_for(g, year)]
    trend = len(rs.years) > 1
    add(PageBreak())
    add(Heading(2, _(N_("Indikatoröversikt"))))
    for group in groups:
        add(Heading(3, group_name(inst, group, tr)))
        doc.figure(f"indikatorer-{group}-{year}", wide=True)
    names = chart_names(rs, year)
    for group in groups:
        name = group_name(inst, group, tr)
        mine = [n for n, g in names if g == group]
        add(PageBreak())
        add(Heading(2, name))
        add(Heading(3, _(N_("Svarsfördelning"))))
        for chart in mine:
            if chart.startswith("svarsfordelning-"):
                doc.figure(chart, wide=True)
        add(Heading(3, _(N_("Frågorna över tid")) if trend else _(N_("Frågorna"))))
        for chart in mine:
            if chart.startswith("trend-" if trend else "fraga-"):
                doc.figure(chart)
        add(Heading(3, _(N_("Resultat per fråga %(year)d")) % {"year": year}))
        add(_item_table(rs, year, group, tr))
        breakdowns = breakdown_blocks(rs, inst, year, group, tr)
        if breakdowns:
            add(Heading(3, _(N_("Resultat efter bakgrund %(year)d")) % {"year": year}))
            doc.blocks.extend(breakdowns)
        texts = (free_texts or {}).get(group)
        if (include_free_text and year in rs.not_final_years and inst.questionnaires[group].free_text
                and rs.response_count(group, year) is not None):
            add(Heading(3, _(N_("Fritextsvar"))))
            add(Para(_(N_("Fritextsvaren visas när mätåret är slut, efter den 31 oktober %(year)d.")) % {"year": year},
                     "note"))
        elif include_free_text and texts and rs.response_count(group, year) is not None:
            questions = {f.id: (f.text.get(tr.lang) or f.text["sv"]) for f in inst.questionnaires[group].free_text}
            add(Heading(3, _(N_("Fritextsvar"))))
            current = None
            for qid, answer in texts:
                if qid != current:
                    current = qid
                    add(Para(questions.get(qid, qid), "question"))
                add(Para(answer, "quote"))
        step(group)
    add(PageBreak())
    _local(doc, rs, year, tr)
    step("local")
    return doc
