"""How long the full report package takes for a demo förbund: five groups, three years.

Builds a demo database in a temporary folder (migrations + ``surveys.demo.build_demo``), then
times the result set, the whole package (PDF + DOCX + XLSX + CSV + chart ZIP, charts rendered in
worker processes) and a single chart, and prints each figure next to its goal. Not a test.

    python bench/report.py

The charts' fork server is started first, as `flask worker` starts it when it starts, and timed
on its own; the package figures are those of a report job in a running worker.

The charts are drawn by worker processes while the main process writes the tables and lays out
the PDF, so the steps are the main process's timeline: "tables" includes starting the workers,
"pdf" includes waiting for the appendix's charts. Because the machine is shared, the run also
prints the CPU seconds the package used (main process and chart workers) and the load average:
on two otherwise idle cores the package cannot take less than half its CPU seconds.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOALS = {"package": 10.0, "chart": 0.150}


def _line(label: str, seconds: float, goal: float | None = None) -> str:
    mark = "" if goal is None else f"  goal < {goal:5.2f} s  {'ok' if seconds < goal else 'SLOWER'}"
    return f"  {label:<44} {seconds:6.2f} s{mark}"


def _worker_cpu() -> float:
    """CPU seconds of the chart workers that have ended: they are children of the fork server,
    which waits for them, so their time is in its cutime and cstime (/proc, Linux)."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from indicators.chart_style import render
    from indicators.report_data import chart_by_name
    from indicators.report_files import ReportRequest, build_report_files
    from surveys.demo import build_demo
    from surveys.extensions import db
    from surveys.instruments import instrument
    from surveys.models import Forbund
    from surveys.reports import ReportOptions, report_tr, result_set

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench",
                          "FIXED_TODAY": "2024-10-15", "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            t = time.perf_counter()
            build_demo()
            db.session.commit()
            print(f"demo database built {time.perf_counter() - t:6.2f} s")
            # As `flask worker` does when it starts: the charts' fork server (matplotlib imported
            # and warmed) is running before the first report job. Timed here on its own.
            from indicators.report_render import start_chart_server

            t = time.perf_counter()
            start_chart_server()
            print(f"chart fork server started (flask worker does this at startup) {time.perf_counter() - t:6.2f} s")
            forbund = db.session.scalar(select(Forbund).where(Forbund.slug == "demo-alvdal"))
            tr = report_tr("sv")
            for reference in ("computed", "imported"):
                options = ReportOptions(year=2024, reference=reference)
                t = time.perf_counter()
                rs = result_set(forbund, options)
                scoring = time.perf_counter() - t
                inst = instrument(rs.instrument_version)
                steps: dict[str, float] = {}
                last = [time.perf_counter()]

                def step(label: str, steps=steps, last=last) -> None:
                    now = time.perf_counter()
                    steps[label] = now - last[0]
                    last[0] = now

                t = time.perf_counter()
                cpu, workers = time.process_time(), _worker_cpu()
                files = build_report_files(rs, inst, ReportRequest(year=2024), lang=tr, progress=step)
                package = time.perf_counter() - t
                cpu, workers = time.process_time() - cpu, _worker_cpu() - workers
                singles = []
                for _ in range(5):
                    t = time.perf_counter()
                    render(chart_by_name(rs, inst, 2024, "fraga-DP01-2024", lang=tr), "png300")
                    singles.append(time.perf_counter() - t)
                print(f"reference={reference}, years={rs.years}")
                print(_line("results (3 years, 5 groups)", scoring))
                for label, seconds in steps.items():
                    print(_line(f"  step {label}", seconds))
                sizes = ", ".join(f"{name} {len(data) // 1024} kB" for name, data in files.items())
                print(_line("package: PDF + DOCX + XLSX + CSV + charts", package, GOALS["package"]))
                print(f"    {sizes}")
                print(f"    CPU: main process {cpu:.2f} s + chart workers {workers:.2f} s = {cpu + workers:.2f} s "
                      f"(half of it: {(cpu + workers) / 2:.2f} s); load average {os.getloadavg()[0]:.2f}")
                print(_line("one chart (question, 300 dpi PNG), median of 5", sorted(singles)[2], GOALS["chart"]))


if __name__ == "__main__":
    main()
