"""Every built-in detector: what the engine and the alert contract rely on."""

from __future__ import annotations

import pickle

import pytest

from earlywarn.detectors import Detector, default_detectors

DETECTORS = default_detectors()


def test_names_are_unique() -> None:
    names = [d.name for d in DETECTORS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("d", DETECTORS, ids=lambda d: d.name)
def test_a_detector_says_what_it_finds_and_where(d: Detector) -> None:
    # an alert without a typology is routed and evaluated as nothing (a rewrite of the
    # groomer detector once lost its typology and no test noticed)
    assert d.typology and d.channel and d.version and d.ttl_s > 0
    assert 0.0 < d.threshold <= 1.0


@pytest.mark.parametrize("d", DETECTORS, ids=lambda d: d.name)
def test_a_detector_survives_a_pickle_round_trip(d: Detector) -> None:
    copy = pickle.loads(pickle.dumps(d))
    assert (copy.name, copy.typology, copy.threshold) == (d.name, d.typology, d.threshold)
    assert copy.score_one({}) == d.score_one({})
