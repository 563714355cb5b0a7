"""Faust tables whose changelog records are merged, not overwritten, on recovery.

See :mod:`earlywarn.merge`: the ``watchlist`` and the ``alerts`` ledger are written from
every partition, so their changelogs interleave writers. A worker rebuilding them (after
a restart, a rebalance, or as a global table following the others) merges each record
into what it holds, exactly as the live write did, so it ends with the live table
whatever order the changelog partitions are read in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import faust
from faust.types import EventT

from earlywarn.merge import Merge


class MergingTable(faust.Table):  # type: ignore[type-arg]
    """A ``faust.Table`` that merges each changelog record into the value it holds."""

    merge: Merge | None = None

    def apply_changelog_batch(self, batch: Iterable[EventT[Any]]) -> None:
        merge = self.merge
        if merge is None:
            return super().apply_changelog_batch(batch)
        latest: dict[Any, bytes] = {}
        events = []
        for event in batch:
            if event.value is not None:
                key = self._to_key(event.key)
                old = latest[key] if key in latest else self.data.get(key)
                event.value = latest[key] = merge(old, bytes(event.value))
            events.append(event)
        return super().apply_changelog_batch(events)


class MergingGlobalTable(MergingTable, faust.GlobalTable):  # type: ignore[misc]
    """The same for a global table (every worker holds every partition)."""


def make_table(
    app: faust.App, name: str, *, partitions: int, merge: Merge | None, is_global: bool, **kw: Any
) -> Any:
    """A table as ``app.Table`` / ``app.GlobalTable`` make it, merging when ``merge`` is given."""
    cls: type[MergingTable] = MergingGlobalTable if is_global else MergingTable
    if is_global:  # what app.GlobalTable adds: apply other workers' changes as they come
        kw.update(standby_buffer_size=1, is_global=True, synchronize_all_active_partitions=False)
    table = cls(app, name=name, beacon=app.tables.beacon, partitions=partitions, **kw)
    table.merge = merge
    return app.tables.add(table)
