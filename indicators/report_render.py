"""Draw and render a report's charts, in this process or in a pool of worker processes.

Pure. Charts dominate the time of a report, so :class:`ChartSet` spreads them over a
``concurrent.futures.ProcessPoolExecutor`` (the "forkserver" start method: safe when the caller
has threads, and the server process imports matplotlib once). The result set is sent to each
worker once (the pool's initializer), not with every task; tasks are small batches of chart
names in the order the caller will need them, so the caller can lay out the PDF and write the
tables while later charts are still being drawn. Each worker draws its charts and returns bytes,
text alternative and description; the figures never cross a process boundary. Without a pool
(``workers=0``) every chart is drawn in the calling thread when it is first asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from .catalogue import Instrument
from .chart_style import render_formats
from .i18n import Tr, portable
from .results import ResultSet

#: Charts per task: small enough that the first charts arrive early and the two workers stay
#: evenly loaded, large enough that a task costs more than sending it.
BATCH = 4


@dataclass(frozen=True)
class RenderedChart:
    name: str
    alt: str
    description: str
    files: dict[str, bytes]  #: format name ("png300", "svg", ...) -> bytes


def _render_one(rs: ResultSet, inst: Instrument, year: int, tr: Tr, name: str,
                formats: Sequence[str]) -> RenderedChart:
    from .report_data import chart_by_name

    chart = chart_by_name(rs, inst, year, name, lang=tr)
    if chart is None:
        raise ValueError(f"okänt diagram: {name!r}")
    files = render_formats(chart, formats)
    return RenderedChart(chart.name, chart.alt, chart.description, files)


#: The job of a worker process of this module's pools (set once by the pool's initializer;
#: each pool has its own processes and serves one report).
_JOB: tuple | None = None


def _start_worker(rs: ResultSet, inst: Instrument, year: int, tr: Tr) -> None:
    global _JOB
    _JOB = (rs, inst, year, tr)


def _render_batch(batch: Sequence[tuple[str, tuple[str, ...]]]) -> list[RenderedChart]:
    rs, inst, year, tr = _JOB
    return [_render_one(rs, inst, year, tr, name, formats) for name, formats in batch]


def default_workers() -> int:
    """Worker processes for a report: the number of CPUs, at most 4; 0 on a single CPU."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cpus < 2 else min(cpus, 4)


def _chart_context():
    """The "forkserver" context of the chart pools, its server preloading (and warming) what
    every chart needs."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["indicators.render_warmup", "indicators.report_render",
                                    "indicators.report_data"])
    return context


def start_chart_server() -> None:
    """Start the chart pools' fork server now, if reports here use worker processes at all.

    The server imports matplotlib, the fonts and Pillow and draws a chart once (1-2 s); every
    pool's workers are forked from it. A long-running process that builds reports (the task-queue
    worker) calls this at startup, so its first report does not wait for it. Idempotent.
    """
    if default_workers() > 0:
        # The server forks only once it has imported its preload: a process started through it
        # and joined means it is warm.
        process = _chart_context().Process(target=_nothing, name="chart-server-warm")
        process.start()
        process.join()


def _nothing() -> None:
    """A process that does nothing (see :func:`start_chart_server`)."""


class ChartSet(Mapping):
    """The charts of a report, rendered in the background: ``plan`` maps chart name -> formats,
    in the order the charts are needed. ``charts[name]`` waits for that chart only.

    Use as a context manager (the pool is shut down on leaving; an error in a worker is raised
    where the chart is asked for).
    """

    def __init__(self, rs: ResultSet, inst: Instrument, year: int, tr: Tr,
                 plan: Mapping[str, Sequence[str]], *, workers: int | None = None):
        self._job = (rs, inst, year, tr)
        self._plan = {name: tuple(dict.fromkeys(formats)) for name, formats in plan.items()}
        self._done: dict[str, RenderedChart] = {}
        self._futures: dict[str, Future] = {}
        self._start_error: BaseException | None = None
        self._pool = None
        self._started = threading.Event()
        self._starter = None
        workers = default_workers() if workers is None else workers
        if workers > 0 and len(self._plan) >= 8:
            # Starting the pool blocks for a while (the fork server imports matplotlib the first
            # time, each worker receives the result set): a helper thread does it, and the caller
            # goes on with what needs no chart.
            self._starter = threading.Thread(target=self._start, args=(workers,), name="chart-pool", daemon=True)
            self._starter.start()
        else:
            self._started.set()

    def _start(self, workers: int) -> None:
        try:
            rs, inst, year, tr = self._job
            context = _chart_context()
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                             initargs=(rs, inst, year, portable(tr)))
            items = list(self._plan.items())
            for k in range(0, len(items), BATCH):
                batch = items[k:k + BATCH]
                future = self._pool.submit(_render_batch, batch)
                for name, _ in batch:
                    self._futures[name] = future
        except BaseException as exc:  # raised where a chart is asked for
            self._start_error = exc
        finally:
            self._started.set()

    def __enter__(self) -> ChartSet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._started.wait()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __getitem__(self, name: str) -> RenderedChart:
        if name in self._done:
            return self._done[name]
        if name not in self._plan:
            raise KeyError(name)
        self._started.wait()
        if self._start_error is not None:
            raise RuntimeError("diagrammen kunde inte ritas") from self._start_error
        future = self._futures.get(name)
        if future is None:
            rs, inst, year, tr = self._job
            self._done[name] = _render_one(rs, inst, year, tr, name, self._plan[name])
        else:
            for chart in future.result():
                self._done[chart.name] = chart
        return self._done[name]

    def __iter__(self):
        return iter(self._plan)

    def __len__(self) -> int:
        return len(self._plan)

    def all(self) -> dict[str, RenderedChart]:
        """Every chart, in plan order (waits for the rest)."""
        return {name: self[name] for name in self._plan}


def render_charts(rs: ResultSet, inst: Instrument, year: int, tr: Tr, names: Sequence[str],
                  formats: Sequence[str], *, workers: int | None = None) -> dict[str, RenderedChart]:
    """Render every chart of ``names`` in every format; returns name -> RenderedChart, in order."""
    plan = {name: tuple(formats) for name in names}
    with ChartSet(rs, inst, year, tr, plan, workers=workers) as charts:
        return charts.all()
