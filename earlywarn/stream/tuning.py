"""Worker tuning Faust has no setting for.

Faust's aiokafka driver asks every fetch to wait up to 1.5 s for data
(``fetch_max_wait_ms=1500``, hard-coded). Kafka answers a fetch as soon as data is
there, but the embedded broker holds it far longer: one record took 410 ms (median) to
reach an aiokafka consumer with a 1,500 ms wait and 3 ms with a 5 ms wait. Every hop of
an event (input topic, then each internal re-keyed topic) pays that, so it set the
~400 ms floor under event-to-alert latency. :func:`install_fetch_wait` lowers the wait
for the worker's consumer; apply it only for the embedded broker.

:func:`batched_events` takes an agent's events in batches, each processed under its own
event context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

_MARK = "_earlywarn_fetch_wait"


def _consumer_thread_class() -> Any:
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    return AIOKafkaConsumerThread


def install_fetch_wait(max_wait_ms: int = 10) -> bool:
    """Make Faust's worker consumers wait at most ``max_wait_ms`` per fetch.

    Returns ``False`` when it was already installed (the first value stays).
    """
    cls = _consumer_thread_class()
    original = cls._create_worker_consumer
    if getattr(original, _MARK, False):
        return False

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = int(max_wait_ms)  # read when its fetcher starts
        return consumer

    setattr(create, _MARK, True)
    cls._create_worker_consumer = create
    return True


#: Events an agent takes from its stream at a time, and how long it waits to fill them.
BATCH = 500
BATCH_WITHIN_S = 0.005


async def batched_events(
    stream: Any, max_: int = BATCH, within: float = BATCH_WITHIN_S
) -> AsyncIterator[Any]:
    """The stream's events, taken ``max_`` at a time (``Stream.take_events``).

    Each event is made the current one before it is handed on, as ``stream.events()``
    does, so a table written while processing it sends its changelog record to that
    event's partition (Faust takes the partition from ``current_event()``). The batch
    is acknowledged after its last event was processed: at-least-once as before.
    """
    async for events in stream.take_events(max_, within=within):
        for event in events:
            stream._set_current_event(event)
            yield event
