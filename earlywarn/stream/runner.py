"""Start a worker process: resolve the broker, create topics, run Faust."""

from __future__ import annotations

import logging

from earlywarn.alerts.pseudonymise import load_keys
from earlywarn.settings import Settings
from earlywarn.stream.app import Worker
from earlywarn.stream.bootstrap import ensure_topics, resolve_embedded

log = logging.getLogger(__name__)


def prepare(settings: Settings) -> Worker:
    """Everything before the event loop: broker kind, keys, topics, the app."""
    settings = resolve_embedded(settings)
    pseudonymiser = load_keys(settings.keys_file)
    ensure_topics(settings, pseudonymiser.countries)
    return Worker(settings, pseudonymiser=pseudonymiser)


def run_worker(settings: Settings, *, loglevel: str = "info") -> int:
    """Run one worker until it is stopped (SIGINT/SIGTERM). Returns the exit code."""
    import faust

    worker = prepare(settings)
    log.info(
        "worker %s on %s (embedded=%s, partitions=%d, metrics on :%d/metrics)",
        settings.app_id,
        worker.settings.bootstrap,
        worker.settings.embedded,
        settings.partitions,
        settings.web_port,
    )
    runner = faust.Worker(worker.app, loglevel=loglevel, quiet=True)
    try:
        runner.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
