"""Draw and render a report's charts, in this process or in a pool of worker processes.

Pure. Charts dominate the time of a report, so :func:`render_charts` can spread them over a
``concurrent.futures.ProcessPoolExecutor`` (the "forkserver" start method: safe when the caller
has threads, and the server process imports matplotlib once). Each worker draws its charts from
the result set and returns bytes, text alternative and description; the figures never cross a
process boundary. Without a pool (``workers=0``) everything happens in the calling thread.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from .catalogue import Instrument
from .chart_style import render
from .i18n import Tr, portable
from .results import ResultSet


@dataclass(frozen=True)
class RenderedChart:
    name: str
    alt: str
    description: str
    files: dict[str, bytes]  #: format name ("png300", "svg", ...) -> bytes


def _render_some(rs: ResultSet, inst: Instrument, year: int, tr: Tr, names: Sequence[str],
                 formats: Sequence[str]) -> list[RenderedChart]:
    from .report_data import chart_by_name

    out = []
    for name in names:
        chart = chart_by_name(rs, inst, year, name, lang=tr)
        if chart is None:
            raise ValueError(f"okänt diagram: {name!r}")
        files = {fmt: render(chart, fmt) for fmt in dict.fromkeys(formats)}
        out.append(RenderedChart(chart.name, chart.alt, chart.description, files))
    return out


def default_workers() -> int:
    """Worker processes for a report: the number of CPUs, at most 4; 0 on a single CPU."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cpus < 2 else min(cpus, 4)


def render_charts(rs: ResultSet, inst: Instrument, year: int, tr: Tr, names: Sequence[str],
                  formats: Sequence[str], *, workers: int | None = None) -> dict[str, RenderedChart]:
    """Render every chart of ``names`` in every format; returns name -> RenderedChart, in order."""
    names = list(dict.fromkeys(names))
    workers = default_workers() if workers is None else workers
    if workers <= 0 or len(names) < 8:
        rendered = _render_some(rs, inst, year, tr, names, formats)
    else:
        chunks = [names[k::workers * 2] for k in range(workers * 2)]
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["indicators.report_render", "indicators.report_data"])
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_render_some, rs, inst, year, portable(tr), chunk, tuple(formats))
                       for chunk in chunks if chunk]
            rendered = [r for f in futures for r in f.result()]
    by_name = {r.name: r for r in rendered}
    return {name: by_name[name] for name in names}
