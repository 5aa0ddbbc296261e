"""How long the full appendix takes for a demo förbund: all five groups, three years.

Builds a demo database in a temporary folder (migrations + ``surveys.demo.build_demo``), then
times loading the results, the PDF, the XLSX/CSV and the chart ZIP. Prints figures; not a test.

    python bench/report.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from indicators.export import charts_zip, tables_zip, workbook
    from indicators.report import build_report
    from indicators.report_data import all_charts, all_tables
    from surveys.demo import build_demo
    from surveys.extensions import db
    from surveys.instruments import instrument
    from surveys.models import Forbund
    from surveys.reports import ReportOptions, result_set

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench",
                          "FIXED_TODAY": "2024-10-15", "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            t = time.perf_counter()
            build_demo()
            db.session.commit()
            print(f"demo database built          {time.perf_counter() - t:6.2f} s")
            forbund = db.session.scalar(select(Forbund).where(Forbund.slug == "demo-alvdal"))
            for reference in ("computed", "imported"):
                options = ReportOptions(year=2024, reference=reference)
                timings = {}
                t = time.perf_counter()
                rs = result_set(forbund, options)
                timings["results (3 years, 5 groups)"] = time.perf_counter() - t
                inst = instrument(rs.instrument_version)
                t = time.perf_counter()
                pdf = build_report(rs, inst, 2024)
                timings[f"appendix PDF ({len(pdf) // 1024} kB)"] = time.perf_counter() - t
                t = time.perf_counter()
                tables = all_tables(rs, inst, 2024)
                workbook(tables)
                tables_zip(tables)
                timings["XLSX + CSV"] = time.perf_counter() - t
                t = time.perf_counter()
                charts = all_charts(rs, inst, 2024)
                data = charts_zip(charts, "png")
                timings[f"{len(charts)} charts as PNG zip ({len(data) // 1024} kB)"] = time.perf_counter() - t
                print(f"reference={reference}, years={rs.years}")
                for label, seconds in timings.items():
                    print(f"  {label:<40} {seconds:6.2f} s")
                print(f"  {'total':<40} {sum(timings.values()):6.2f} s")


if __name__ == "__main__":
    main()
