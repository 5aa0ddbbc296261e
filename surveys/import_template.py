"""The downloadable XLSX import template of one questionnaire.

Row 1 holds the column names the import reads: ``formular``, ``questionnaire``, ``insats``,
``date``, then each item as "DP01 <item text>" (the import reads only the id before the first
space) and the background questions. Cells get drop-down validation: the questionnaire's code,
the förbund's insatser, the item codes 1–6 and 9 (Vet ej) or empty, the background options.
"""

from __future__ import annotations

import io

from indicators.catalogue import Instrument, Questionnaire

from .imports import FORM_NUMBER_COLUMN
from .models import Forbund

TEMPLATE_ROWS = 2000
ITEM_CODE_LIST = '"1,2,3,4,5,6,9"'


def _quoted_list(values) -> str | None:
    text = ",".join(v.replace('"', "").replace(",", " ") for v in values)
    # Excel limits an inline list to 255 characters; longer lists are left without a drop-down.
    return f'"{text}"' if text and len(text) <= 255 else None


def template_xlsx(inst: Instrument, q: Questionnaire, forbund: Forbund, lang: str = "sv") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = q.code
    header = [FORM_NUMBER_COLUMN, "questionnaire", "insats", "date"]
    header += [f"{item.id} {item.text.get(lang) or item.text['sv']}" for item in q.items]
    header += [bg.id for bg in q.background]
    sheet.append(header)
    bold = Font(bold=True)
    for index, _ in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = 14 if index <= 4 else 18
    sheet.row_dimensions[1].height = 120
    sheet.freeze_panes = "B2"
    last = TEMPLATE_ROWS + 1

    def validate(formula: str | None, column: int, error: str) -> None:
        if formula is None:
            return
        letter = get_column_letter(column)
        rule = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                              error=error, errorTitle="Ogiltigt värde")
        rule.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(rule)

    validate(f'"{q.code}"', 2, f"Skriv {q.code}.")
    if q.about == "insats":
        names = [i.name for i in forbund.insatser if not i.closed]
        validate(_quoted_list(names), 3, "Välj en av förbundets insatser.")
    date_column = get_column_letter(4)
    for row in range(2, last + 1):
        sheet[f"{date_column}{row}"].number_format = "yyyy-mm-dd"
    first_item = 5
    for offset in range(len(q.items)):
        validate(ITEM_CODE_LIST, first_item + offset, "Använd 1–6, 9 för Vet ej, eller lämna tomt.")
    for offset, bg in enumerate(q.background):
        validate(_quoted_list(bg.options), first_item + len(q.items) + offset, "Välj ett av svarsalternativen.")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
