"""River's Half-Space Trees, scored and learned on flat lists: same scores, less work.

:class:`FlatTrees` mirrors the trees of a built ``river.anomaly.HalfSpaceTrees`` (0.26)
as heap-ordered lists (node ``i`` has children ``2i+1``, ``2i+2``). River stores the
masses on node objects and, per event, walks every tree twice (score, then learn),
reading and writing attributes on each of the ``height + 1`` nodes of each path. Here:

- the score a path contributes depends only on the leaf it ends in while the reference
  masses (``r_mass``) stay fixed, i.e. for a whole window, so one table per tree gives
  it; it is rebuilt when the window pivots;
- learning counts hits per leaf only; a node's ``l_mass`` is its value when the mirror
  was built plus the hits of the leaves under it, summed when needed (pivot, a missing
  feature, writing back).

Scores are sums of integers below 2**53, so they are exact whatever the order of
addition: :meth:`FlatTrees.score` equals ``HalfSpaceTrees.score_one`` bit for bit, and
:meth:`FlatTrees.learn` followed by :meth:`FlatTrees.write_back` leaves the River
object as ``learn_one`` would (``tests/learning/test_flat_hst.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class FlatTrees:
    """A flat mirror of a built ``HalfSpaceTrees``; the River object is stale until
    :meth:`write_back`.

    Parameters
    ----------
    hst
        A River ``HalfSpaceTrees`` whose trees are built (after its first ``learn_one``).

    Examples
    --------
    >>> from river import anomaly
    >>> hst = anomaly.HalfSpaceTrees(n_trees=3, height=4, window_size=5, seed=1)
    >>> ref = anomaly.HalfSpaceTrees(n_trees=3, height=4, window_size=5, seed=1)
    >>> xs = [{"a": i % 7 / 7, "b": i % 3 / 3} for i in range(30)]
    >>> for h in (hst, ref):
    ...     h.learn_one(xs[0])
    >>> flat = FlatTrees(hst)
    >>> same = []
    >>> for x in xs[1:]:
    ...     row = flat.row(x)
    ...     same.append(flat.score(flat.leaves(row)) == ref.score_one(x))
    ...     flat.learn(flat.leaves(row))
    ...     ref.learn_one(x)
    >>> all(same), flat.write_back() is None
    (True, True)
    >>> [n.l_mass for n in hst._tree_nodes[0]] == [n.l_mass for n in ref._tree_nodes[0]]
    True
    """

    __slots__ = (
        "base",
        "counter",
        "features",
        "first_window",
        "height",
        "hits",
        "hst",
        "index",
        "leaf_scores",
        "max_score",
        "n_internal",
        "nodes",
        "r_mass",
        "size_limit",
        "trees",
        "window_size",
    )

    def __init__(self, hst: Any) -> None:
        if not hst.trees:
            raise ValueError("the trees are built by the first learn_one")
        self.hst = hst
        self.height = int(hst.height)
        self.window_size = int(hst.window_size)
        self.size_limit = 0.1 * hst.window_size
        self.max_score = hst._max_score
        self.counter = int(hst.counter)
        self.first_window = bool(hst._first_window)
        self.n_internal = (1 << self.height) - 1
        self.nodes: list[list[Any]] = [_heap(root) for root in hst.trees]
        names = sorted({n.feature for nodes in self.nodes for n in nodes[: self.n_internal]})
        self.features: tuple[str, ...] = tuple(names)
        self.index = {name: i for i, name in enumerate(names)}
        self.r_mass = [[n.r_mass for n in nodes] for nodes in self.nodes]
        self.base = [[n.l_mass for n in nodes] for nodes in self.nodes]
        self.hits = [[0] * (self.n_internal + 1) for _ in self.nodes]
        self.leaf_scores = [self._leaf_scores(r) for r in self.r_mass]
        #: Per tree: its splits as nested ``(feature, threshold, left, right)`` tuples
        #: (leaves are leaf numbers), its leaf score table and its leaf hits (both
        #: changed in place only, so these references stay valid).
        self.trees = [
            (self._nested(nodes, 0, 0), table, hits)
            for nodes, table, hits in zip(self.nodes, self.leaf_scores, self.hits, strict=True)
        ]

    def _nested(self, nodes: list[Any], i: int, depth: int) -> Any:
        if depth == self.height:
            return i - self.n_internal
        node = nodes[i]
        left = self._nested(nodes, 2 * i + 1, depth + 1)
        return (
            self.index[node.feature],
            node.threshold,
            left,
            self._nested(nodes, 2 * i + 2, depth + 1),
        )

    def score_learn(self, row: Sequence[float | None]) -> float:
        """:meth:`score` then :meth:`learn` of ``row``, in one walk per tree."""
        if None in row:
            leaves = self.leaves(row)
            score = self.score(leaves)
            self.learn(leaves)
            return score
        height, total = self.height, 0
        for node, table, hits in self.trees:
            for _ in range(height):
                f, threshold, left, right = node
                node = left if row[f] < threshold else right  # type: ignore[operator]
            total += table[node]
            hits[node] += 1
        score = 0.0 if self.first_window else float(1 - float(total) / self.max_score)
        self.counter += 1
        if self.counter == self.window_size:
            self._pivot()
        return score

    def row(self, x: Mapping[str, float]) -> list[float | None]:
        """The values the trees test, in :attr:`features` order (``None``: missing)."""
        get = x.get
        return [get(name) for name in self.features]

    def leaves(self, row: Sequence[float | None]) -> list[int]:
        """The leaf (0-based, left to right) ``row`` reaches in each tree."""
        out = []
        height = self.height
        if None in row:
            for t, (root, _, _) in enumerate(self.trees):
                out.append(self._walk_missing(t, root, row))
            return out
        for node, _, _ in self.trees:
            for _ in range(height):
                f, threshold, left, right = node
                node = left if row[f] < threshold else right  # type: ignore[operator]
            out.append(node)
        return out

    def score(self, leaves: Sequence[int]) -> float:
        """``HalfSpaceTrees.score_one`` of the row that reached ``leaves``."""
        if self.first_window:
            return 0.0
        total = 0
        for table, leaf in zip(self.leaf_scores, leaves, strict=True):
            total += table[leaf]
        return float(1 - float(total) / self.max_score)

    def learn(self, leaves: Sequence[int]) -> None:
        """``HalfSpaceTrees.learn_one`` of the row that reached ``leaves``."""
        for hits, leaf in zip(self.hits, leaves, strict=True):
            hits[leaf] += 1
        self.counter += 1
        if self.counter == self.window_size:
            self._pivot()

    def write_back(self) -> None:
        """Write masses, counter and window flag to the River object."""
        for t, nodes in enumerate(self.nodes):
            l_mass = self._l_mass(t)
            for node, r, m in zip(nodes, self.r_mass[t], l_mass, strict=True):
                node.r_mass = r
                node.l_mass = m
        self.hst.counter = self.counter
        self.hst._first_window = self.first_window

    def _l_mass(self, t: int) -> list[int]:
        """Every node's ``l_mass`` in tree ``t`` (heap order)."""
        first_leaf, base = self.n_internal, self.base[t]
        delta = [0] * first_leaf + self.hits[t]
        for i in range(first_leaf - 1, -1, -1):
            delta[i] = delta[2 * i + 1] + delta[2 * i + 2]
        return [b + d for b, d in zip(base, delta, strict=True)]

    def _pivot(self) -> None:
        self.r_mass = [self._l_mass(t) for t in range(len(self.nodes))]
        self.base = [[0] * len(r) for r in self.r_mass]
        for hits, table, r_mass in zip(self.hits, self.leaf_scores, self.r_mass, strict=True):
            hits[:] = [0] * len(hits)
            table[:] = self._leaf_scores(r_mass)
        self.first_window = False
        self.counter = 0

    def _leaf_scores(self, r_mass: list[int]) -> list[int]:
        """What a path ending in each leaf adds to the score (River's ``_walk_score``)."""
        acc = [0] * len(r_mass)
        stopped = [False] * len(r_mass)
        limit = self.size_limit
        acc[0], stopped[0] = r_mass[0], r_mass[0] < limit
        for i in range(1, len(r_mass)):
            parent = (i - 1) // 2
            if stopped[parent]:
                acc[i], stopped[i] = acc[parent], True
            else:
                depth = (i + 1).bit_length() - 1
                acc[i] = acc[parent] + r_mass[i] * (1 << depth)
                stopped[i] = r_mass[i] < limit
        return acc[self.n_internal :]

    def _walk_missing(self, t: int, root: Any, row: Sequence[float | None]) -> int:
        """As :meth:`leaves` for one tree, going where River goes for a missing feature:
        to the child with more ``l_mass`` (the left one on a tie)."""
        node, i = root, 0
        for depth in range(self.height):
            f, threshold, left, right = node
            value = row[f]
            if value is None:
                go_right = self._subtree_mass(t, 2 * i + 1, depth + 1) < self._subtree_mass(
                    t, 2 * i + 2, depth + 1
                )
            else:
                go_right = not value < threshold
            node, i = (right, 2 * i + 2) if go_right else (left, 2 * i + 1)
        return int(node)

    def _subtree_mass(self, t: int, i: int, depth: int) -> int:
        """Current ``l_mass`` of node ``i`` (at ``depth``) of tree ``t``."""
        span = 1 << (self.height - depth)
        first = (i + 1) * span - 1 - self.n_internal
        return int(self.base[t][i] + sum(self.hits[t][first : first + span]))


def _heap(root: Any) -> list[Any]:
    """A complete binary tree's nodes in heap (breadth-first, left first) order."""
    out, level = [], [root]
    while level:
        out.extend(level)
        level = [c for n in level for c in getattr(n, "children", ())]
    return out
