"""Routing rules from a TOML file: who gets which typologies from which severity."""

from __future__ import annotations

from pathlib import Path

import pytest
from alert_helpers import alert, keys

from earlywarn.alerts import Router, RoutingConfigError, load_rules
from earlywarn.settings import Settings, Topics

EXAMPLE = Path(__file__).parents[2] / "deploy" / "routing.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.toml"
    path.write_text(text)
    return path


def test_without_a_file_everything_goes_everywhere() -> None:
    rules = load_rules(None)
    routed, unrouted = Router(Topics(), keys(), rules=rules).route(alert(severity="low"))
    assert [r.topic for r in routed] == [
        "earlywarn.alerts.operators",
        "earlywarn.alerts.regulators.NG",
        "earlywarn.alerts.regulators.TH",
    ]
    assert unrouted == []


def test_rules_filter_regulators_by_typology_and_severity(tmp_path: Path) -> None:
    rules = load_rules(
        write(
            tmp_path,
            """
            [jurisdictions.default]
            min_severity = "high"
            [jurisdictions.TH]
            typologies = ["smishing", "mule"]
            [operators]
            min_severity = "medium"
            [operators.topics]
            "TH-AIS" = "ais.alerts"
            """,
        )
    )
    router = Router(Topics(), keys(), rules=rules)
    topics = [r.topic for r in router.route(alert(severity="high"))[0]]
    # TH takes only smishing and mule; NG (default) takes high and up; AIS has its own topic.
    assert topics == ["ais.alerts", "earlywarn.alerts.regulators.NG"]
    assert [r.topic for r in router.route(alert(severity="medium", score=0.75))[0]] == [
        "ais.alerts"
    ]
    assert router.route(alert(severity="low", score=0.5))[0] == []
    mule = alert(typology="mule", detector="mule", reporter="TH-BANK", severity="low")
    assert [r.topic for r in router.route(mule)[0]] == ["earlywarn.alerts.regulators.TH"]
    assert router.operator_topics() == {"earlywarn.alerts.operators", "ais.alerts"}


def test_disabled_jurisdiction_gets_nothing_and_is_not_counted_unrouted(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, "[jurisdictions.NG]\nenabled = false\n"))
    routed, unrouted = Router(Topics(), keys(), rules=rules).route(alert())
    assert [r.topic for r in routed][1:] == ["earlywarn.alerts.regulators.TH"]
    assert unrouted == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[jurisdictions.TH\n", "not valid TOML"),
        ('[jurisdictions.TH]\nmin_severity = "urgent"\n', "min_severity 'urgent'"),
        ('[jurisdictions.Thailand]\nmin_severity = "low"\n', "ISO 3166"),
        ('[jurisdictions.TH]\ntypologies = "wangiri"\n', "typologies must be a list"),
        ("[jurisdictions.TH]\nfloor = 1\n", "unknown keys: floor"),
        ("[regulators]\n", "unknown sections: regulators"),
        ("[operators.topics]\n'TH-AIS' = 3\n", "operators.topics"),
    ],
)
def test_a_bad_file_names_the_file_and_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RoutingConfigError) as err:
        load_rules(path)
    assert str(path) in str(err.value) and problem in str(err.value)
    with pytest.raises(RoutingConfigError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")


def test_shipped_example_loads_and_the_setting_comes_from_the_environment() -> None:
    rules = load_rules(EXAMPLE)
    assert rules.jurisdictions and rules.source == str(EXAMPLE)
    settings = Settings.from_env({"EARLYWARN_ROUTING_FILE": str(EXAMPLE)})
    assert settings.routing_file == EXAMPLE


def test_worker_and_topics_refuse_a_bad_routing_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from earlywarn.alerts import write_dev_keys
    from earlywarn.cli import main

    keys_file = tmp_path / "keys.json"
    write_dev_keys(keys_file, ("TH",))
    bad = write(tmp_path, '[jurisdictions.TH]\nmin_severity = "urgent"\n')
    common = ["--broker", "kafka://127.0.0.1:9", "--keys", str(keys_file)]
    assert main(["worker", *common, "--embedded", "--routing", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("earlywarn worker: routing file") and str(bad) in err
    assert "Traceback" not in err
