"""Fault injection for earlywarn: a reusable runner, its scenarios and hostile-input fuzzing.

``python -m loadtest.chaos.run`` (``make chaos``) runs every scenario at full size, prints the
figures table and writes ``loadtest/results/chaos-<date>.json``; ``tests/reliability/`` runs
the same scenarios at small sizes in ``make test``.
"""
