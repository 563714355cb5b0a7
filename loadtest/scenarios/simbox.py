"""SIM box: international calls terminated through banks of local SIMs in a gateway."""

from __future__ import annotations

from loadtest.clock import MS_DAY, MS_MINUTE
from loadtest.countries import COUNTRIES, GATEWAY_TACS, TACS
from loadtest.emit import Emitted
from loadtest.scenarios.base import CampaignSpec, Context, call_duration, new_campaign, within
from loadtest.truth import Campaign


def simbox(ctx: Context, spec: CampaignSpec, campaign_id: str) -> tuple[Campaign, list[Emitted]]:
    """Many outbound calls per SIM from one or two static cells, almost nothing inbound.

    Evasion rotates more SIMs with fewer calls each, uses handset IMEIs, follows the daily
    rhythm, moves cells and adds a little inbound traffic and SMS.
    """
    rng, em, camp = ctx.rng, ctx.emitter, new_campaign(spec, campaign_id)
    country = COUNTRIES[spec.country]
    operator = rng.choice(country.operators)
    n_sims = max(2, round(16 * spec.intensity * (1 + 2 * spec.evasion)))
    boxes = []
    for _ in range(max(1, n_sims // 16)):
        tacs = TACS if spec.evasion > 0.5 else GATEWAY_TACS
        cells = ctx.pop.cells[operator]
        start = rng.randrange(len(cells))
        boxes.append(
            (tacs, [cells[(start + k) % len(cells)] for k in range(1 + round(2 * spec.evasion))])
        )
    sims = []
    box_imeis: dict[int, str] = {}
    for i in range(n_sims):
        b = i % len(boxes)
        imei = (
            box_imeis.setdefault(b, ctx.ids.imei(boxes[b][0]))
            if spec.evasion < 0.5
            else ctx.ids.imei(boxes[b][0])
        )
        sims.append((ctx.ids.msisdn(spec.country), imei, boxes[b][1]))
    for msisdn, _, _ in sims:
        camp.add("msisdn", msisdn, "scammer")
    for imei in sorted({imei for _, imei, _ in sims}):
        camp.add("imei", imei, "scammer")
    per_sim_day = 140 * (1 - 0.6 * spec.evasion)
    n_calls = round(n_sims * per_sim_day * spec.duration_ms / MS_DAY)
    events: list[Emitted] = []
    for _ in range(n_calls):
        t = spec.start_ms + rng.randrange(spec.duration_ms)
        if (
            spec.evasion > 0.3
            and (t // 3_600_000 + country.utc_offset_h) % 24 < 6
            and rng.random() < 0.8
        ):
            continue
        msisdn, imei, cells = rng.choice(sims)
        callee = ctx.pop.pick(rng, spec.country)
        answered = rng.random() < 0.6
        events.append(
            em.call(
                t,
                operator,
                msisdn,
                callee.msisdn,
                answered,
                call_duration(rng, 110.0, 0.7),
                imei,
                rng.choice(cells),
            )
        )
        if rng.random() < 0.05 * spec.evasion:
            back = t + rng.randrange(MS_MINUTE, 30 * MS_MINUTE)
            events.append(
                em.call(
                    back,
                    callee.operator,
                    callee.msisdn,
                    msisdn,
                    True,
                    call_duration(rng),
                    callee.imei,
                    callee.cells[0],
                )
            )
        if rng.random() < 0.02 * spec.evasion:
            events.append(
                em.sms(t + 5000, operator, msisdn, callee.msisdn, imei=imei, cell=cells[0])
            )
    return camp, within(events, ctx.end_ms)
