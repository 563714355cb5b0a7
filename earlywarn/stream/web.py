"""The worker's HTTP pages: ``/metrics``, ``/tables``, ``/healthz`` and ``/readyz``.

``/healthz`` (liveness) answers 200 while the worker's event loop runs and the Faust app has
not crashed; a liveness probe that fails means "restart me".

``/readyz`` (readiness) answers 200 once the worker has taken part in a group assignment
(its partitions, possibly none when there are more workers than partitions, are assigned),
no rebalance is in progress, and changelog recovery of its tables is done; 503 otherwise.
Both answer a small JSON body that an operator can read.

The readiness state is also exported on ``/metrics`` as ``earlywarn_worker_ready`` and
``earlywarn_worker_assigned_partitions``, computed at scrape time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from earlywarn.stream.app import Worker

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4"


def liveness(app: Any) -> dict[str, Any]:
    """``{"live": bool, ...}`` for a Faust app."""
    crashed = bool(getattr(app, "crashed", False))
    out: dict[str, Any] = {"live": not crashed}
    if crashed:
        out["reason"] = repr(getattr(app, "crash_reason", None))
    return out


def readiness(app: Any) -> dict[str, Any]:
    """``{"ready": bool, "assigned_partitions": int, ...}`` for a Faust app.

    Ready means: recovery has completed at least once (so an assignment was received and
    every active table is caught up with its changelog), no rebalance is running now, and
    no recovery is running now.
    """
    recovery = app.tables.recovery
    recovered = bool(recovery.completed.is_set())
    rebalancing = bool(getattr(app, "rebalancing", False))
    in_recovery = bool(getattr(app, "in_recovery", False)) or bool(recovery.in_recovery)
    assigned = 0
    if recovered:
        try:
            assigned = sum(1 for tp in app.consumer.assignment() if not _faust_internal(tp.topic))
        except Exception:  # consumer not started yet
            assigned = 0
    ready = recovered and not rebalancing and not in_recovery
    return {
        "ready": ready,
        "recovered": recovered,
        "rebalancing": rebalancing,
        "in_recovery": in_recovery,
        "assigned_partitions": assigned,
    }


def _faust_internal(topic: str) -> bool:
    """Table changelogs and Faust's leader-election topic are not input partitions."""
    return topic.endswith("-changelog") or "__assignor-__leader" in topic


def register_pages(worker: Worker) -> None:
    """Register the worker's pages on its Faust app."""
    app = worker.app
    metrics = worker.metrics

    async def metrics_page(web: Any, request: Any) -> Any:
        state = readiness(app)
        metrics.worker_ready.set(1.0 if state["ready"] else 0.0)
        metrics.assigned_partitions.set(state["assigned_partitions"])
        # aiohttp refuses a charset in content_type; UTF-8 is the exposition default.
        return web.bytes(metrics.render(), content_type=METRICS_CONTENT_TYPE)

    async def tables_page(web: Any, request: Any) -> Any:
        return web.json(worker.table_digests())

    async def healthz_page(web: Any, request: Any) -> Any:
        state = liveness(app)
        return web.json(state, status=200 if state["live"] else 503)

    async def readyz_page(web: Any, request: Any) -> Any:
        state = readiness(app)
        return web.json(state, status=200 if state["ready"] else 503)

    app.page("/metrics")(metrics_page)
    app.page("/tables")(tables_page)
    app.page("/healthz")(healthz_page)
    app.page("/readyz")(readyz_page)
