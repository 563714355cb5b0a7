"""After a full seeded run: no raw identifier in the worker's log, its /metrics, or any
regulator topic; no pseudonymisation key in the log or /metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtest.chaos import scenarios
from loadtest.chaos.leaks import key_material, leaks
from loadtest.chaos.reference import raw_identifiers

pytestmark = pytest.mark.integration


def test_no_raw_identifier_or_key_leaves_the_worker(tmp_path: Path) -> None:
    result = scenarios.baseline(tmp_path, 2_300)
    figs = result.figures
    assert figs.committed and figs.missing == 0
    raws = raw_identifiers(result.reference.events)
    assert len(raws) > 1_000  # phone numbers, accounts, IMEIs and cell ids of the input
    regulator = b"\n".join(result.outputs.regulator_raw).decode()
    assert result.outputs.regulators, "expected regulator copies"
    haystacks = {
        "worker log": "\n".join(result.worker_logs),
        "metrics": result.metrics_text,
        "regulator topics": regulator,
    }
    assert leaks(raws, haystacks) == {}
    keys = key_material(result.keys_file_text)
    assert keys and all(len(k) == 64 for k in keys)  # the keys file was read: 32-byte hex
    assert leaks(keys, haystacks) == {}
    # The operator topic is the one place raw identifiers belong: the grep can find them.
    operators = "\n".join(str(a) for a in result.outputs.operators)
    assert leaks(raws, {"operators": operators})
