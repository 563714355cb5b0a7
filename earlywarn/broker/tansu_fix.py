"""Client-side workarounds for the embedded Tansu broker (see ``BROKER.md``).

Tansu answers ListOffsets(LATEST) with the base offset of the last stored batch plus one,
not the true end of the partition. The high watermark in Fetch responses is correct.
Faust decides that changelog recovery is done when it reaches ``consumer.highwaters()``,
which is aiokafka's ``end_offsets()``, so a worker that takes over a table silently drops
the changelog tail. :func:`true_highwaters` re-reads the high watermark with a one-record
Fetch at ``reported_end - 1``; :func:`install_faust_fix` makes Faust use it.

Apply these only when the broker is the embedded one: on real Kafka, end offsets are right
and the extra Fetch is wasted work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

__all__ = ["install_faust_fix", "is_faust_fix_installed", "true_highwaters", "uninstall_faust_fix"]

log = logging.getLogger(__name__)

K = TypeVar("K", bound=tuple[str, int])
"""A topic-partition: aiokafka ``TopicPartition`` and Faust ``TP`` are both (topic, partition)."""

_PATCH_MARK = "_earlywarn_tansu_fix"
_HighwatersFn = Callable[[Any, list[Any]], Awaitable[Mapping[Any, int]]]
_original_highwaters: _HighwatersFn | None = None


async def true_highwaters(
    bootstrap: str | Sequence[str],
    reported: Mapping[K, int],
    *,
    timeout: float = 10.0,
    fetch_max_wait_ms: int = 100,
) -> dict[K, int]:
    """Return the true high watermarks for partitions whose end offsets came from ListOffsets.

    For each partition with a reported end offset above 0, a short-lived standalone consumer
    (no group, no commits) seeks to ``reported_end - 1``, fetches, and reads the high watermark
    from the Fetch response. Partitions reported as 0 are empty on this broker and are returned
    unchanged. Must be awaited on the event loop that should own the consumer.

    Parameters
    ----------
    bootstrap : str or sequence of str
        Bootstrap servers, e.g. ``"127.0.0.1:9092"``.
    reported : Mapping[K, int]
        Topic-partition to the end offset reported by ListOffsets (``end_offsets()``).
    timeout : float, default 10.0
        Seconds to wait for all Fetch responses. Partitions not answered by then keep their
        reported value and a warning is logged.
    fetch_max_wait_ms : int, default 100
        Fetch wait passed to aiokafka. Must be at least 1: this broker never answers a
        consumer with ``fetch_max_wait_ms=0``.

    Returns
    -------
    dict[K, int]
        The same keys as ``reported`` with corrected end offsets.
    """
    if fetch_max_wait_ms < 1:
        raise ValueError("fetch_max_wait_ms must be >= 1 on this broker")
    result: dict[K, int] = dict(reported)
    probe = {k: end for k, end in reported.items() if end > 0}
    if not probe:
        return result
    from aiokafka import AIOKafkaConsumer, TopicPartition

    tps = {TopicPartition(k[0], k[1]): k for k in probe}
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap if isinstance(bootstrap, str) else list(bootstrap),
        group_id=None,
        enable_auto_commit=False,
        client_id="earlywarn-highwater-probe",
        fetch_max_wait_ms=fetch_max_wait_ms,
        request_timeout_ms=max(int(timeout * 1000), 1000),
    )
    await consumer.start()
    try:
        consumer.assign(list(tps))
        for tp, k in tps.items():
            consumer.seek(tp, probe[k] - 1)
        pending = set(tps)
        deadline = time.monotonic() + timeout
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            await consumer.getmany(*pending, timeout_ms=int(min(left, 1.0) * 1000), max_records=1)
            for tp in list(pending):
                hw = consumer.highwater(tp)
                if hw is not None:
                    result[tps[tp]] = int(hw)
                    pending.discard(tp)
        if pending:
            log.warning(
                "no Fetch response within %.1fs for %s; keeping the (possibly low) reported "
                "end offsets",
                timeout,
                sorted(pending),
            )
    finally:
        await consumer.stop()
    fixed = {k: (reported[k], v) for k, v in result.items() if v != reported[k]}
    if fixed:
        log.debug("corrected end offsets (reported -> true): %s", fixed)
    return result


def _consumer_thread_class() -> Any:
    """Faust's aiokafka consumer thread class, typed loosely so it can be patched."""
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    return AIOKafkaConsumerThread


def install_faust_fix(*, timeout: float = 10.0) -> bool:
    """Patch Faust's aiokafka driver so ``consumer.highwaters()`` returns true end offsets.

    Wraps ``faust.transport.drivers.aiokafka.AIOKafkaConsumerThread._highwaters``: after the
    original (ListOffsets) call, the values are corrected with :func:`true_highwaters` using
    the same bootstrap servers as the worker's consumer. The wrapper runs on the consumer
    thread's event loop, so the probe consumer is created there. Call this once, before the
    Faust worker starts, and only when the broker is the embedded one. Idempotent.

    Parameters
    ----------
    timeout : float, default 10.0
        Passed to :func:`true_highwaters`.

    Returns
    -------
    bool
        ``True`` if the patch was installed now, ``False`` if it was already in place.
    """
    global _original_highwaters
    cls = _consumer_thread_class()
    current = cls._highwaters
    if getattr(current, _PATCH_MARK, False):
        return False
    original: _HighwatersFn = current

    async def _highwaters(self: Any, partitions: list[Any]) -> Mapping[Any, int]:
        reported = await original(self, partitions)
        if self.consumer.in_transaction:  # values are last-stable offsets, not ListOffsets
            return reported
        bootstrap = self._ensure_consumer()._client._bootstrap_servers
        return await true_highwaters(bootstrap, reported, timeout=timeout)

    setattr(_highwaters, _PATCH_MARK, True)
    _highwaters.__doc__ = original.__doc__
    _original_highwaters = original
    cls._highwaters = _highwaters
    log.info("installed the Tansu end-offset fix on Faust's aiokafka consumer")
    return True


def is_faust_fix_installed() -> bool:
    """Return whether :func:`install_faust_fix` is in effect."""
    return bool(getattr(_consumer_thread_class()._highwaters, _PATCH_MARK, False))


def uninstall_faust_fix() -> bool:
    """Undo :func:`install_faust_fix` (mainly for tests).

    Returns
    -------
    bool
        ``True`` if the patch was removed, ``False`` if it was not installed.
    """
    global _original_highwaters
    if _original_highwaters is None or not is_faust_fix_installed():
        return False
    _consumer_thread_class()._highwaters = _original_highwaters
    _original_highwaters = None
    return True
