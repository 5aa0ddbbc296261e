"""The task queue (Huey): carries job ids from the app servers to the worker (``flask worker``).

Storage: a SQLite file in the instance folder by default (nothing else to start; another file
with ``QUEUE_URL=sqlite:////path/queue.sqlite``), Redis when ``QUEUE_URL`` (``SURVEYS_QUEUE_URL``)
is ``redis://...`` (several app servers, workers on any of them). In testing (unless ``QUEUE_IMMEDIATE`` is False) Huey's immediate mode runs a job at once,
inside the request. The jobs' state and files are in the database (``surveys.jobs``), never here.
"""

from __future__ import annotations

import logging
import os
import threading

import click
from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab

from . import jobs


def create_huey(app: Flask):
    """The app's Huey instance with its two tasks: run a job, and periodic housekeeping."""
    url = app.config.get("QUEUE_URL") or ""
    immediate = bool(app.config.get("QUEUE_IMMEDIATE", app.config.get("TESTING", False)))
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey("surveys", url=url, results=False, immediate=immediate)
    elif url.startswith("sqlite:///") or not url:
        filename = url[len("sqlite:///"):] or os.path.join(app.instance_path, "queue.sqlite")
        huey = SqliteHuey("surveys", filename=filename, results=False, immediate=immediate)
    else:
        raise ValueError("QUEUE_URL must be redis://..., sqlite:///path, or empty (instance/queue.sqlite)")

    @huey.task(name="run_job")
    def run_job_task(job_id: str) -> None:
        with app.app_context():
            jobs.run_job(job_id)

    @huey.periodic_task(crontab(minute="*"), name="housekeeping")
    def housekeeping_task() -> None:
        with app.app_context():
            jobs.housekeeping()

    app.extensions["huey"] = huey
    app.extensions["huey.run_job"] = run_job_task
    return huey


def enqueue_job(job_id: str) -> None:
    current_app.extensions["huey.run_job"](job_id)


@click.command("worker")
@click.option("--workers", "-w", type=click.IntRange(1, 16), default=None,
              help="Jobs run at the same time in this process (default: JOB_WORKERS).")
def worker_command(workers: int | None) -> None:
    """Run the task-queue worker: report and import jobs, expiry of old jobs. Stop with Ctrl-C."""
    app = current_app._get_current_object()
    huey = app.extensions["huey"]
    if huey.immediate:
        raise click.ClickException("QUEUE_IMMEDIATE is on: jobs run in the request, there is nothing for a worker.")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("huey").setLevel(logging.INFO)  # one line per job started and finished
    with app.app_context():
        jobs.housekeeping()  # jobs a previous worker left running are failed now, not in a minute
    # The report charts' fork server starts now, beside the consumer, not with the first report.
    from indicators.report_render import start_chart_server

    threading.Thread(target=start_chart_server, name="chart-server", daemon=True).start()
    consumer = huey.create_consumer(workers=workers or int(app.config["JOB_WORKERS"]), periodic=True,
                                    check_worker_health=True)
    consumer.run()
