"""The report's breakdown tables (Scoring rule 8): index per indicator by background question.

Pure: draws on the report's text pages; figures come from ``ResultSet.breakdowns`` (hidden
categories read "för få svar" or "dolt").
"""

from __future__ import annotations

from .catalogue import Instrument
from .chart_style import number, words
from .results import ResultSet


def breakdown_tables(text, rs: ResultSet, inst: Instrument, year: int, group: str, lang: str) -> None:
    """One small table per background question of `group` in `year` (indicators only)."""
    rows = [b for b in rs.breakdowns if b.group == group and b.year == year and b.kind == "indicator"]
    if not rows:
        return
    sv = lang == "sv"
    questions = {b.id: b for b in inst.questionnaires[group].background}
    text.space(0.15)
    text.paragraph(("Index efter bakgrund. ”Uppgift saknas” = svarade inte på frågan. Grupper med för få svar "
                    "visas inte, och fler döljs när en liten grupp annars kunde räknas fram.") if sv else
                   ("Index by background. “Not answered” = did not answer the question. Groups with too few "
                    "answers are not shown, and more are hidden when a small group could otherwise be worked out."),
                   size=8)
    hidden = {"protect": "dolt" if sv else "hidden"}
    for dimension in dict.fromkeys(b.dimension for b in rows):
        q = questions.get(dimension)
        use = lang if q is not None and lang in q.labels else "sv"
        dim_rows = [b for b in rows if b.dimension == dimension]
        cats = [c.category for c in dim_rows[0].categories]
        labels = [q.option_label(c, use) if q is not None and c in q.options
                  else ("Uppgift saknas" if sv else "Not answered") for c in cats]
        width = min(0.85, 5.6 / len(cats))
        columns = [("Indikator" if sv else "Indicator", 0.9, "left")] + [(label, width, "right") for label in labels]
        table = []
        for b in dim_rows:
            cells = [b.target]
            for c in b.categories:
                r = c.result
                cells.append(hidden.get(c.hidden_reason, words(lang)["too_few"]) if r.suppressed
                             else f"{number(r.index, lang, 1)} (n {r.n})")
            table.append(cells)
        text.space(0.1)
        text.paragraph((q.text.get(lang) or q.text["sv"]) if q is not None else dimension, fontweight="bold")
        text.table(columns, table, [None] * len(columns))
