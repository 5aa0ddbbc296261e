"""Results by background question (Scoring rule 8) for the report: the export table "Efter
bakgrund" and the appendix's breakdown tables (PDF and DOCX share them as table blocks).

Pure. Figures come from ``ResultSet.breakdowns``; a hidden category carries no figures and says
why ("för få svar", "dolt för att skydda en mindre grupp", "visas när fler svar har kommit in").
"""

from __future__ import annotations

from .catalogue import Instrument
from .i18n import N_, Tr, as_tr, hidden_text
from .report_tables import Table, _round
from .results import ResultSet

NOT_ANSWERED = N_("Uppgift saknas")

HEADER = (N_("År"), N_("Grupp"), N_("Bakgrundsfråga"), N_("Kategori"), N_("Fråga/indikator"), N_("n"),
          N_("Medelvärde"), N_("Index 0–100"), N_("Andel positiva (%)"), N_("Anmärkning"))


def _questions(inst: Instrument) -> dict:
    return {b.id: b for q in inst.questionnaires.values() for b in q.background}


def _category(question, category: str, tr: Tr) -> str:
    if question is not None and category in question.options:
        return question.option_label(category, tr.lang if tr.lang in question.labels else "sv")
    if category == "uppgift_saknas" or question is not None:
        return tr.gettext(NOT_ANSWERED)
    return str(category)


def _question_text(question, dimension: str, tr: Tr) -> str:
    return (question.text.get(tr.lang) or question.text["sv"]) if question is not None else dimension


def breakdown_table(rs: ResultSet, inst: Instrument, *, lang: str | Tr = "sv", years=None) -> Table:
    """Background breakdowns, one row per (target, category); a hidden category has no figures."""
    tr = as_tr(lang)
    questions = _questions(inst)
    rows = []
    for b in rs.breakdowns:
        if years is not None and b.year not in years:
            continue
        q = questions.get(b.dimension)
        for cell in b.categories:
            r = cell.result
            head = [b.year, b.group, _question_text(q, b.dimension, tr), _category(q, cell.category, tr), b.target]
            if r.suppressed:
                rows.append(tuple(head + [None] * 4 + [hidden_text(cell.hidden_reason, tr)]))
                continue
            share = getattr(r, "share_positive", None)
            rows.append(tuple(head + [r.n, _round(r.mean), _round(getattr(r, "index", None), 1),
                                      _round(share * 100 if share is not None else None, 1), ""]))
    return Table("bakgrund", tr.gettext(N_("Efter bakgrund")), tuple(tr.gettext(h) for h in HEADER), tuple(rows))


def breakdown_blocks(rs: ResultSet, inst: Instrument, year: int, group: str, tr: Tr) -> list:
    """The appendix's breakdown section of one group and year: a note and one table of indicator
    indexes per background question (empty when the group has no breakdowns; only a note while
    the year is not final)."""
    from .report_content import Para, TableBlock

    _ = tr.gettext
    if year in rs.not_final_years and inst.questionnaires[group].background:
        return [Para(_(N_("Resultat efter bakgrund visas när mätåret är slut, efter den 31 oktober %(year)d: "
                          "nya svar visas i grupper om minst %(n)d, men en sådan grupp kan ha en enda person i "
                          "en bakgrundsgrupp.")) % {"year": year, "n": rs.threshold}, "note")]
    rows = [b for b in rs.breakdowns if b.group == group and b.year == year and b.kind == "indicator"]
    if not rows:
        return []
    blocks: list = [Para(_(N_("Index efter bakgrund. ”Uppgift saknas” = svarade inte på frågan. Grupper med för få "
                              "svar visas inte, och fler döljs när en liten grupp annars kunde räknas fram.")), "note")]
    questions = {b.id: b for b in inst.questionnaires[group].background}
    for dimension in dict.fromkeys(b.dimension for b in rows):
        q = questions.get(dimension)
        dim_rows = [b for b in rows if b.dimension == dimension]
        labels = tuple(_category(q, c.category, tr) for c in dim_rows[0].categories)
        table = []
        for b in dim_rows:
            cells = [b.target]
            for c in b.categories:
                r = c.result
                cells.append(hidden_text(c.hidden_reason, tr) if r.suppressed
                             else f"{tr.number(r.index, 1)} (n {r.n})")
            table.append(tuple(cells))
        caption = _(N_("%(group)s %(year)d, index efter bakgrund: %(question)s")) % {
            "group": group, "year": year, "question": _question_text(q, dimension, tr)}
        blocks.append(TableBlock(caption, (_(N_("Indikator")),) + labels, tuple(table),
                                 (False,) + (True,) * len(labels)))
    return blocks
