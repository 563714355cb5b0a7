"""Smishing senders: a farm that spreads its blast over many SIMs is still a blast."""

from __future__ import annotations

from earlywarn.contract.events import SmsEvent
from earlywarn.detectors import SmishingSenderDetector, brand_imitation
from earlywarn.features import SenderState
from earlywarn.learning.cli import BRANDS

T0 = 1_790_000_000.0


def _best(sender: str, gap_s: float, n: int, recipients: int, url: bool = True) -> float:
    """Highest smishing score of ``sender`` sending ``n`` messages every ``gap_s``."""
    d, state, best = SmishingSenderDetector(), SenderState(), 0.0
    for i in range(n):
        ev = SmsEvent(
            f"s{i}",
            T0 + gap_s * i,
            "TH-AIS",
            sender,
            f"+6681{i % recipients:07d}",
            has_url=url,
            url_domain="kbank-verify.top" if url else None,
            template_hash=f"t{i % 4}",  # evasion: four text variants
        )
        state.update(ev)
        x = state.features()
        x["sender_suspect"] = 1.0 if sender.startswith("+") else brand_imitation(sender, BRANDS)
        f = d.score_one(x)
        best = max(best, f.score if f is not None else 0.0)
    return best


def test_one_sim_of_an_evasive_farm_is_flagged_by_its_hourly_reach() -> None:
    # one message every 2 minutes: 5 recipients per 10 minutes, 30 an hour
    assert _best("+66899000001", 120.0, 40, 40) >= SmishingSenderDetector().threshold


def test_a_person_texting_a_link_to_a_few_friends_is_not() -> None:
    assert _best("+66899000002", 120.0, 40, 6) < SmishingSenderDetector().threshold
    assert _best("+66899000003", 600.0, 6, 6) < SmishingSenderDetector().threshold


def test_imitations_of_couriers_and_operators_are_suspect_the_brands_themselves_not() -> None:
    assert [brand_imitation(s, BRANDS) for s in ("JNE-Alert", "Kerry-Info", "Maxis-Sec")] == [
        1.0,
        1.0,
        1.0,
    ]
    assert [brand_imitation(s, BRANDS) for s in ("JNE", "Kerry", "Maxis")] == [0.0, 0.0, 0.0]
