"""Exports: formula injection made inert in CSV and XLSX, numbers stay numbers, sheets present."""

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from indicators.catalogue import get_instrument
from indicators.export import charts_zip, inert, table_csv, tables_zip, workbook
from indicators.report_data import Table, all_charts, all_tables
from tests.reportset import synthetic_result_set

DANGEROUS = ["=SUM(A1:A2)", "+46701234567", "-2+3", "@cmd", "\tx", "\rx"]
TABLE = Table("prov", "Prov", ("Text", "Tal"), tuple((text, k + 0.5) for k, text in enumerate(DANGEROUS))
              + (("vanlig text", -3),))


@pytest.mark.parametrize("text", DANGEROUS)
def test_inert_prefixes_every_dangerous_start(text):
    assert inert(text) == "'" + text
    assert inert(-1.5) == -1.5 and inert(7) == 7 and inert("ok") == "ok" and inert(None) is None


def test_csv_cells_are_inert_and_numbers_stay_numbers():
    text = table_csv(TABLE).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Text", "Tal"]
    for row, dangerous in zip(rows[1:], DANGEROUS, strict=False):
        assert row[0] == "'" + dangerous
    assert rows[-1] == ["vanlig text", "-3"]  # a number is not quoted
    assert rows[1][1] == "0,5"  # Swedish: decimal comma by default


def test_csv_decimal_comma_or_point():
    table = Table("t", "T", ("Medel", "n", "Text"), ((4.22, 12, "4.22 kr"), (-0.5, 3, None), (3.0, 1, "")))
    comma = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig")), delimiter=";"))
    assert comma[1] == ["4,22", "12", "4.22 kr"] and comma[2] == ["-0,5", "3", ""] and comma[3][0] == "3"
    point = list(csv.reader(io.StringIO(table_csv(table, decimal="point").decode("utf-8-sig")), delimiter=";"))
    assert point[1] == ["4.22", "12", "4.22 kr"] and point[2][0] == "-0.5"
    with pytest.raises(ValueError):
        table_csv(table, decimal="komma")


def test_xlsx_numbers_have_a_number_format():
    table = Table("t", "T", ("Medel", "n"), ((4.22, 12), (None, 3)))
    ws = load_workbook(io.BytesIO(workbook([table])))["T"]
    assert ws.cell(2, 1).value == 4.22 and ws.cell(2, 1).data_type == "n" and ws.cell(2, 1).number_format == "0.00"
    assert ws.cell(2, 2).value == 12 and ws.cell(2, 2).number_format == "0"


def test_xlsx_cells_are_inert_and_numbers_stay_numbers():
    wb = load_workbook(io.BytesIO(workbook([TABLE])))
    ws = wb["Prov"]
    for k, dangerous in enumerate(DANGEROUS, start=2):
        # Whether a stored carriage return reads back as CR or LF depends on the XML parser (lxml keeps
        # it as &#13;, the standard library's parser folds it); the apostrophe is what counts.
        assert ws.cell(k, 1).value.replace("\r", "\n") == ("'" + dangerous).replace("\r", "\n")
        assert ws.cell(k, 1).data_type == "s"
        assert isinstance(ws.cell(k, 2).value, float)
    assert ws.cell(len(DANGEROUS) + 2, 2).value == -3


def test_report_workbook_has_the_sheets_and_no_formulas():
    rs = synthetic_result_set()
    tables = all_tables(rs, get_instrument(), 2024)
    wb = load_workbook(io.BytesIO(workbook(tables)))
    assert wb.sheetnames == ["Indikatorer", "Frågor", "Efter bakgrund", "Lokala indikatorer", "Metod"]
    local = [[c.value for c in row] for row in wb["Lokala indikatorer"].iter_rows(min_row=2)]
    i16 = [r for r in local if r[1] == "I16"][0]
    assert i16[4] == "'=1,2 mnkr" and i16[5] == "'-Kostnadsanalys" and i16[6] == "'@Intern beräkning"
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
    # a suppressed group (ST 2024, n = 3) has no figures, only the note
    items = [[c.value for c in row] for row in wb["Frågor"].iter_rows(min_row=2)]
    st = [r for r in items if r[0] == 2024 and r[1] == "ST"]
    assert st and all(r[5:13] == [None] * 8 and r[-1] == "för få svar" for r in st)
    names = zipfile.ZipFile(io.BytesIO(tables_zip(tables))).namelist()
    assert names == ["indikatorer.csv", "fragor.csv", "bakgrund.csv", "lokala-indikatorer.csv", "metod.csv"]


def test_chart_zip_holds_every_chart_with_its_description():
    rs = synthetic_result_set(years=(2024,))
    charts = all_charts(rs, get_instrument(), 2024)[:3]
    data = charts_zip(charts, "svg")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == [n for c in charts for n in (f"{c.name}.svg", f"{c.name}.txt")]
    assert data == charts_zip(all_charts(rs, get_instrument(), 2024)[:3], "svg")
    with pytest.raises(ValueError):
        charts_zip(charts, "bmp")
