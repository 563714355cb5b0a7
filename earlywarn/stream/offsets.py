"""A fix for Faust's offset commits after a rebalance.

Faust keeps, per input partition, a sorted list of acked offsets and commits the end of
its first run of consecutive numbers. When a record arrives more than one offset past
the partition's *read offset*, Faust records the offsets in between as a gap and later
merges the gap into the acked list, so that a hole in the log (compaction, transaction
markers) does not hold commits back. The merge adds every offset of the gap, also those
already in the list.

After a rebalance, Faust seeks the stream partitions to their committed offsets twice:
once when the partitions are assigned, and again when table recovery is done. Flow is
resumed in between, so a worker that regains a partition scores records from the
committed offset on, and the second seek then sets the read offset back to the committed
offset while the fetch position stays where it was. The next record lands as a gap
over everything scored in between, and the merge doubles those offsets:
``[291, 292, 292, 293, 293, ...]``. The first consecutive run is then two numbers long,
so the committed offset creeps forward by one record per commit interval (2.8 s). In
``tests/reliability/test_faults.py``'s join/leave run a worker took 60 s, and once more
than 120 s, to commit a backlog of 150 records it had scored in under one.

:func:`install_offset_dedup` merges the gap without the duplicates, before Faust's own
``_new_offset`` runs; that then finds nothing left to merge below the highest acked
offset and commits the whole run.
"""

from __future__ import annotations

from typing import Any

_MARK = "_earlywarn_offset_dedup"


def merge_gap(acked: list[int], gap: Any) -> None:
    """Merge the intervals of ``gap`` that start below ``max(acked)`` into ``acked``.

    ``acked`` ends sorted and without duplicates; the merged intervals are chopped off
    ``gap``, as Faust does (``gap`` is an ``intervaltree.IntervalTree`` of offsets,
    ends excluded).

    Examples
    --------
    >>> from intervaltree import IntervalTree
    >>> acked, gap = [292, 293, 294], IntervalTree.from_tuples([(291, 296), (400, 402)])
    >>> merge_gap(acked, gap)
    >>> acked
    [291, 292, 293, 294, 295]
    >>> sorted((i.begin, i.end) for i in gap)
    [(400, 402)]
    """
    if acked and gap:
        top = max(acked)
        merged = sorted(gap.overlap(0, top), key=lambda i: i.begin)
        if merged:
            offsets = set(acked)
            for interval in merged:
                offsets.update(range(interval.begin, interval.end))
            gap.chop(0, max(max(i.end for i in merged), top + 1))
            acked[:] = sorted(offsets)
            return
    if len(acked) != len(set(acked)):
        acked[:] = sorted(set(acked))


def install_offset_dedup() -> bool:
    """Make Faust's consumers merge gaps into their acked offsets without duplicates.

    Returns ``False`` when it was already installed. Idempotent.
    """
    from faust.transport.consumer import Consumer

    original = Consumer._new_offset
    if getattr(original, _MARK, False):
        return False

    def _new_offset(self: Any, tp: Any) -> int | None:
        merge_gap(self._acked[tp], self._gap[tp])
        result: int | None = original(self, tp)
        return result

    setattr(_new_offset, _MARK, True)
    _new_offset.__wrapped__ = original  # type: ignore[attr-defined]
    Consumer._new_offset = _new_offset  # type: ignore[method-assign]
    return True
