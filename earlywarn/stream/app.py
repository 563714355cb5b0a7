"""The Faust application: thin agents over :class:`earlywarn.pipeline.Pipeline`.

One agent per input topic, plus one per internal re-keyed topic
(:data:`~earlywarn.pipeline.INTERNAL_TOPICS`: the payee side of each payment, and the
records keyed by IMEI, URL domain, phone number, place, route and suspect payee), so each
entity's state stays partition-local. Per-entity state lives in the changelog-backed
tables of :data:`TABLES`, as compact JSON bytes; the watchlist is a global table
(:data:`GLOBAL_TABLES`) every worker reads.

The Faust settings (:func:`~earlywarn.stream.faust_settings.faust_config`) and the origin
header of re-keyed records (:mod:`earlywarn.stream.origin`) live in their own modules and
are re-exported here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import faust
import orjson

from earlywarn.alerts import Pseudonymiser, load_keys
from earlywarn.alerts.route import make_router
from earlywarn.digest import digests
from earlywarn.learning.artifact import load_engine
from earlywarn.merge import MERGES
from earlywarn.metrics import Metrics
from earlywarn.outcome import Outcome
from earlywarn.pipeline import INTERNAL_TOPICS, MARK_STRIDE, Pipeline, Stores
from earlywarn.scoring import Engine
from earlywarn.settings import Settings
from earlywarn.stream.faust_settings import faust_config as faust_config
from earlywarn.stream.offsets import install_offset_dedup
from earlywarn.stream.origin import ORIGIN_HEADER as ORIGIN_HEADER
from earlywarn.stream.origin import origin_of as origin_of
from earlywarn.stream.tables import make_table
from earlywarn.stream.tuning import (
    CATCHUP_WAIT_MS,
    count_stalls,
    install_fetch_wait,
    install_node_drain,
    is_behind,
    set_fetch_wait,
    stuck_partitions,
)
from earlywarn.stream.web import register_pages

log = logging.getLogger(__name__)

#: Partitioned tables (co-partitioned with the input and internal topics) and global ones.
TABLES = (
    "callers", "senders", "debits", "credits", "imeis", "domains", "subscribers", "hotspots",
    "alerts",
)  # fmt: skip
GLOBAL_TABLES = ("watchlist",)


class Worker:
    """Everything one worker process holds: app, topics, tables, pipeline, metrics."""

    def __init__(
        self,
        settings: Settings,
        *,
        pseudonymiser: Pseudonymiser | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = Metrics()
        if settings.embedded:
            from earlywarn.broker import install_faust_fix

            install_faust_fix()
        wait_ms = settings.fetch_wait_ms
        if wait_ms is None and settings.embedded:
            wait_ms = 10  # the broker holds fetches: the ~400 ms latency floor
        #: The short fetch wait, used only once caught up (:meth:`_tune_fetch`).
        self.fetch_floor_ms = wait_ms
        self.fetch_wait_ms: int | None = None
        if wait_ms is not None:
            self.fetch_wait_ms = max(wait_ms, CATCHUP_WAIT_MS)  # start as if behind
            install_fetch_wait(self.fetch_wait_ms)
        install_node_drain()  # one produce request per broker per linger, not per partition
        install_offset_dedup()  # commits after a rebalance: no creeping by one record
        self.app = faust.App(settings.app_id, **faust_config(settings))
        topics = settings.topics
        n = settings.partitions

        def topic(name: str, internal: bool = False) -> Any:
            return self.app.topic(
                name, key_type=bytes, value_type=bytes, partitions=n, internal=internal
            )

        self.inputs = {kind: topic(name) for name, kind in topics.kinds().items()}
        self.internal = {
            kind: topic(topics.internal(name), internal=True)
            for kind, name in INTERNAL_TOPICS.items()
        }
        self.deadletter = topic(topics.deadletter)
        self.out_topics: dict[str, Any] = {}
        table_args: dict[str, Any] = {"default": None, "key_type": str, "value_type": bytes}
        self.tables: dict[str, Any] = {
            name: make_table(
                self.app,
                name,
                partitions=n,
                merge=MERGES.get(name),
                is_global=name in GLOBAL_TABLES,
                help=f"state: {name}",
                **table_args,
            )
            for name in (*TABLES, *GLOBAL_TABLES)
        }
        self.checkpoint_dir = settings.data_dir / "checkpoint"
        if engine is None:
            engine = load_engine(settings.models_dir, self.checkpoint_dir, on_drift=self._drift)
        log.info("engine %s (artifact %s)", engine.model_version, engine.artifact_version)
        self.pipeline = Pipeline(
            engine=engine,
            router=make_router(settings, pseudonymiser or load_keys(settings.keys_file)),
            stores=Stores(**self.tables),
            topics=topics,
            metrics=self.metrics,
            max_message_bytes=settings.max_message_bytes,
            defer_writes=True,
        )
        self._positions: dict[tuple[str, int], int] = {}
        self._checked: dict[tuple[str, int], int | None] = {}  # positions at the last check
        self._stalls: dict[tuple[str, int], int] = {}  # checks in a row lagging, not moving
        self._agent_topics = {
            t.get_topic_name() for t in (*self.inputs.values(), *self.internal.values())
        }
        self._register()

    # -- agents ---------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        for kind, topic in self.inputs.items():
            app.agent(topic, name=f"earlywarn.in.{kind}")(self._input_agent)
        for kind, topic in self.internal.items():
            app.agent(topic, name=f"earlywarn.internal.{kind}")(self._internal_agent(kind))
        register_pages(self)  # /metrics, /tables, /healthz, /readyz
        app.timer(interval=1.0)(self._update_lag)  # the bench reads it: when is a backlog gone
        if self.fetch_floor_ms is not None:
            app.timer(interval=0.5)(self._tune_fetch)
        app.timer(interval=self.settings.checkpoint_interval_s)(self._checkpoint)

    async def _input_agent(self, stream: Any) -> AsyncIterator[None]:
        kinds = self.settings.topics.kinds()
        async for event in stream.events():
            msg = event.message
            source = f"{kinds[msg.topic]}{msg.partition}"
            outcome = self.pipeline.handle(
                msg.topic,
                event.value,
                partition=msg.partition,
                offset=msg.offset,
                mark=(source, msg.offset * MARK_STRIDE),
            )
            self._publish(outcome, msg.timestamp, source, msg.offset)
            self._positions[(msg.topic, msg.partition)] = msg.offset
            yield None

    def _internal_agent(self, kind: str) -> Any:
        async def agent(stream: Any) -> AsyncIterator[None]:
            async for event in stream.events():
                msg = event.message
                origin = origin_of(msg.headers)
                outcome = self.pipeline.handle_internal(kind, event.value, mark=origin)
                if outcome.deadletter is not None:
                    outcome.deadletter.update(partition=msg.partition, offset=msg.offset)
                self._publish(outcome, msg.timestamp, f"{kind}{msg.partition}", msg.offset)
                self._positions[(msg.topic, msg.partition)] = msg.offset
                yield None

        agent.__name__ = agent.__qualname__ = f"internal_{kind}"
        return agent

    def _publish(self, outcome: Outcome, broker_ts: float | None, source: str, offset: int) -> None:
        """Queue the outcome's records, then its held-back state write.

        Each re-keyed record carries where it came from (:data:`ORIGIN_HEADER`), so the
        state it lands on skips it if a redelivered message produces it again. The state
        write is queued last: a crash before it lands redelivers the message, whose
        outputs then come again (consumers dedup alerts by ``alert_id``).
        """
        if outcome.deadletter is not None:
            self.deadletter.send_soon(key=None, value=orjson.dumps(outcome.deadletter))
            return
        base = offset * MARK_STRIDE
        for i, fwd in enumerate(outcome.forwards):
            # Past the stride (never seen: the engine bounds them) a record goes unmarked.
            origin = f"{source}:{base + i}".encode() if i < MARK_STRIDE else None
            self.internal[fwd.kind].send_soon(
                key=fwd.key.encode(),
                value=fwd.raw,
                headers={ORIGIN_HEADER: origin} if origin else None,
            )
        for copy in outcome.routed:
            self._out(copy.topic).send_soon(
                key=copy.key.encode(), value=orjson.dumps(copy.alert.to_dict())
            )
        for key, indicator in outcome.intel:
            self._out(self.settings.topics.intel).send_soon(
                key=key.encode(), value=orjson.dumps(indicator)
            )
        self.pipeline.apply(outcome)
        if outcome.alerts:
            now = time.time()
            for alert in outcome.alerts:
                self.metrics.scores.labels(typology=alert.typology).observe(alert.score)
                if broker_ts:
                    self.metrics.event_to_alert_seconds.labels(typology=alert.typology).observe(
                        max(0.0, now - broker_ts)
                    )

    def _drift(self, channel: str, mean: float) -> None:
        self.metrics.drift_events.labels(channel=channel).inc()
        log.warning("drift in %s scores: running mean now %.3f", channel, mean)

    async def _checkpoint(self) -> None:
        """Save the online models, so a restarted worker warm-starts from them."""
        try:
            self.pipeline.engine.checkpoint(self.checkpoint_dir)
        except OSError:
            log.exception("checkpoint to %s failed; will retry", self.checkpoint_dir)

    def _out(self, name: str) -> Any:
        topic = self.out_topics.get(name)
        if topic is None:
            topic = self.out_topics[name] = self.app.topic(
                name, key_type=bytes, value_type=bytes, partitions=self.settings.partitions
            )
        return topic

    def table_digests(self) -> dict[str, dict[str, Any]]:
        """Key count and a SHA-256 digest of every local table (no keys or values exposed).

        Two workers, or one worker before and after a restart, hold the same state exactly
        when the digests match (delivery marks left out: :mod:`earlywarn.digest`).
        """
        return digests(self.tables)

    async def _tune_fetch(self) -> None:
        """Short fetch waits when caught up, long ones while behind (see
        :func:`earlywarn.stream.tuning.set_fetch_wait`)."""
        floor = self.fetch_floor_ms
        if floor is None:
            return
        now = {
            (tp.topic, tp.partition): (
                self._lag(tp, unread=True),
                self._positions.get((tp.topic, tp.partition)),
            )
            for tp in self.app.consumer.assignment()
            if tp.topic in self._agent_topics  # not e.g. the global table's changelog
        }
        self._stalls = count_stalls(now, self._checked, self._stalls)
        self._checked = {k: pos for k, (_, pos) in now.items()}
        self.metrics.stalled_partitions.set(stuck_partitions(self._stalls))
        behind = bool(getattr(self.app, "in_recovery", False)) or is_behind(now, self._stalls)
        want = max(floor, CATCHUP_WAIT_MS) if behind else floor
        if want != self.fetch_wait_ms and set_fetch_wait(self.app.consumer, want):
            # debug: under load it switches every few seconds; the gauges below show it
            log.debug("fetch wait %d ms (%s)", want, "catching up" if behind else "caught up")
            self.fetch_wait_ms = want
        if self.fetch_wait_ms is not None:
            self.metrics.fetch_wait.set(self.fetch_wait_ms / 1000)

    def _lag(self, tp: Any, *, unread: bool = False) -> int:
        """Messages of ``tp`` behind its high watermark; ``-1`` when it is not known yet.

        A partition none of whose messages was handled yet counts from its start when
        ``unread``, else as unknown.
        """
        highwater = self.app.consumer.highwater(tp)  # from Fetch responses: right on Tansu too
        position = self._positions.get((tp.topic, tp.partition), -1 if unread else None)
        if highwater is None or position is None:
            return -1
        return max(0, highwater - position - 1)

    async def _update_lag(self) -> None:
        for tp in self.app.consumer.assignment():
            lag = self._lag(tp)
            if lag >= 0:
                self.metrics.consumer_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(
                    lag
                )
