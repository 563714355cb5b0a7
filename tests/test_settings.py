from __future__ import annotations

from pathlib import Path

from earlywarn.settings import Settings, broker_to_bootstrap


def test_env_then_overrides() -> None:
    s = Settings.from_env(
        {"EARLYWARN_BROKER": "kafka://k1:9092;k2:9092", "EARLYWARN_PARTITIONS": "8"},
        partitions=None,
        data_dir=Path("/tmp/x"),
    )
    assert s.bootstrap == "k1:9092,k2:9092"
    assert s.partitions == 8 and s.data_dir == Path("/tmp/x")
    assert s.embedded is None  # decided by asking the broker
    assert Settings.from_env({"EARLYWARN_EMBEDDED": "true"}).embedded is True


def test_bootstrap_forms() -> None:
    assert broker_to_bootstrap("kafka://a:1,b:2") == "a:1,b:2"
    assert broker_to_bootstrap("a:1") == "a:1"


def test_topic_kinds_follow_renamed_topics() -> None:
    from earlywarn.settings import Topics

    t = Topics(cdr="op1.cdr")
    assert t.kinds()["op1.cdr"] == "cdr"
    assert t.regulator("TH") == "earlywarn.alerts.regulators.TH"


def test_linger_from_env_reaches_the_producer() -> None:
    from earlywarn.stream.app import faust_config

    s = Settings.from_env({"EARLYWARN_LINGER_MS": "2.5"})
    assert s.linger_ms == 2.5
    assert faust_config(s)["producer_linger"] == 0.0025
    assert faust_config(Settings.from_env({}))["producer_linger"] == 0.005
