"""Victims and the accounts they pay: the states behind cross-channel fusion.

A payment links two channels through the payer's phone number: a subscriber (keyed by
msisdn) collects the contacts it received and the payments its accounts made, so a risky
call followed by a transfer to a new payee is seen in one place, whichever of the two
arrives first (a symmetric event-time join). Suspected victim payments are then re-keyed
onto the payee (:class:`~earlywarn.features.credits.CreditState` ``suspects``), where
several victims paying one account mark it as a mule.

The pending payments keep raw account ids (an alert must name the account to hold), and
so do the parties that held long first calls or first chats with the subscriber
(``talkers``, ``texters``: a groomer must be named once its victims start paying);
everything else is a digest.
Every list is short and bounded.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar, Self

from earlywarn.features.ids import watch_id
from earlywarn.features.state import EntityState
from earlywarn.features.window import key_id, remember

HOUR = 3600.0
#: Contact kinds: a live (answered) call, or a message with a link.
CALL, SMS = 1.0, 0.0
#: A first message without a link from a number (a chat; pig butchering's "wrong number"
#: opener): kept only as a possible groomer (:meth:`SubscriberState.texted`).
CHAT = 2.0
#: Flags of a groomed row: the number held a long first call with the victim; the two
#: were in touch only once before the deposits began (the victim counts half).
CALLED, SINGLE = 1, 2
#: Payment rails a victim can be talked into (push payments to a person or wallet).
PUSH_RAILS: frozenset[str] = frozenset(
    ("bank_transfer", "mobile_money", "ewallet", "crypto_onramp")
)


class SubscriberState(EntityState):
    """A subscriber (msisdn) as a potential victim: contacts, device, payees, payments.

    ``contacts`` holds the last few first contacts from unknown parties as ``[time,
    watch_id of the caller/sender, score of that party then, kind]`` (kind :data:`CALL`
    or :data:`SMS`); ``device_change`` the time and device of the latest switch to a new
    device; ``payees`` digests of payees its accounts paid before; ``pays`` the last few
    payments of its accounts as ``[time, account, payee, event_id, new_payee, push,
    amount_vs_max_prior, reporter, jurisdictions]``, so a contact that arrives after a
    payment it preceded is still joined to it. ``acquainted`` holds the watch ids of the
    last few numbers whose call to this subscriber was answered as a first contact of
    theirs: people who phone each other. ``talkers`` holds ``[time, party]`` of
    the last few long first calls it answered, ``texters`` that of the last few numbers
    whose first message to it was a chat (no link), and the time of a second contact
    when one came (``[time, party, again]``); ``groomed`` (the subscriber as a caller)
    ``[time, victim digest, flags, growing, deposit]`` of people it called or texted
    first who then started depositing to crypto on-ramps (``flags``: :data:`CALLED` for a
    long first call, :data:`SINGLE` for one contact only; ``growing``: in a run of growing
    deposits; ``deposit``: the latest one, to warn them at); ``deposits`` the start and
    end of the subscriber's own run of crypto deposits.

    Examples
    --------
    >>> s = SubscriberState()
    >>> s.contact(100.0, "+2327600001", 0.9, CALL)
    >>> s.new_payee("ACC-1"), s.new_payee("ACC-1")
    (True, False)
    >>> [c[0] for c in s.recent_contacts(200.0, 3600.0)]
    [100.0]
    >>> _ = s.pay(300.0, "A1", "ACC-1", "p1", True, True, 2.0, "BANK", ("TH",))
    >>> [p[3] for p in s.pays_after(100.0, 3600.0)]
    ['p1']
    >>> s.acquaint("+66811111111"), s.knows("+66811111111"), s.knows("+66811111112")
    (None, True, False)
    >>> s.talked(50.0, "+2327600002")
    >>> s.texted(60.0, "+2327600003")
    >>> s.ties_before(400.0, 3600.0)  # one contact each
    {'+2327600002': (True, 1), '+2327600003': (False, 1)}
    >>> s.texted_again(70.0, "+2327600003"), s.texted(80.0, "+2327600002")
    (None, None)
    >>> s.ties_before(400.0, 3600.0)
    {'+2327600002': (True, 2), '+2327600003': (False, 2)}
    >>> s.ties_before(75.0, 3600.0)
    {'+2327600002': (True, 1), '+2327600003': (False, 2)}
    >>> s.groom(500.0, 11), s.groom(600.0, 12, called=False), s.groom(700.0, 11, growing=True)
    ((1.0, 1.0, 0.0), (2.0, 1.0, 0.0), (2.0, 1.0, 1.0))
    >>> SubscriberState.from_json(s.to_json()) == s
    True
    """

    contacts_cap: ClassVar[int] = 6
    payees_cap: ClassVar[int] = 32
    pays_cap: ClassVar[int] = 4
    #: Payments older than this before the latest event are not kept for late contacts.
    pays_span_s: ClassVar[float] = 8 * HOUR
    talkers_cap: ClassVar[int] = 4
    texters_cap: ClassVar[int] = 4
    acquainted_cap: ClassVar[int] = 16
    groomed_cap: ClassVar[int] = 8
    #: Long calls and the victims they led to are kept this long (grooming takes days).
    groom_span_s: ClassVar[float] = 7 * 24 * HOUR

    def __init__(self) -> None:
        super().__init__()
        self.contacts: list[list[Any]] = []
        self.device_change: tuple[float, str] | None = None
        self.payees: list[int] = []
        self.pays: list[list[Any]] = []
        self.talkers: list[list[Any]] = []
        self.texters: list[list[Any]] = []
        self.groomed: list[list[Any]] = []
        self.acquainted: list[int] = []
        self.deposits: tuple[float, float] | None = None
        self.max_time = float("-inf")

    def contact(self, t: float, party: str, score: float, kind: float = CALL) -> None:
        """Record a contact of ``kind`` from ``party``, scored ``score`` (0..1) then."""
        self.contacts.append([float(t), watch_id(party), round(float(score), 4), kind])
        self.contacts.sort()
        del self.contacts[: max(0, len(self.contacts) - self.contacts_cap)]
        self.max_time = max(self.max_time, t)

    def acquaint(self, party: str) -> None:
        """Record that ``party`` phoned this subscriber (an answered first contact)."""
        remember(self.acquainted, watch_id(party), self.acquainted_cap)

    def knows(self, party: str) -> bool:
        """Whether ``party`` phoned this subscriber, as far as :attr:`acquainted` goes."""
        return watch_id(party) in self.acquainted

    def flag(self, t: float, party: str, score: float) -> None:
        """Raise the score of ``party``'s contact at ``t`` (it was flagged after the contact)."""
        digest = watch_id(party)
        hits = [c for c in self.contacts if c[1] == digest and abs(c[0] - t) < 1e-3]
        for c in hits:
            c[2] = max(c[2], round(float(score), 4))
        if not hits:  # not recorded yet (arrives later) or already evicted
            self.contact(t, party, score, CALL)

    def _keep(self, rows: list[list[Any]], t: float, item: Any, cap: int) -> list[list[Any]]:
        """``rows`` with ``[t, item]`` as the latest row of ``item``, within the grooming
        span before ``t``, the last ``cap`` by time."""
        self.max_time = max(self.max_time, t)
        kept = [r for r in rows if r[1] != item and r[0] >= t - self.groom_span_s]
        return sorted([*kept, [float(t), item]])[-cap:]

    def talked(self, t: float, party: str) -> None:
        """Record a long first call from ``party`` (kept raw: it may have to be named)."""
        self.talkers = self._keep(self.talkers, t, party, self.talkers_cap)

    def texted(self, t: float, party: str) -> None:
        """Record a first message without a link from the number ``party`` (kept raw)."""
        self.texters = self._keep(self.texters, t, party, self.texters_cap)

    def texted_again(self, t: float, party: str) -> None:
        """Record a second contact from ``party`` after its first chat (kept): a second
        chat message, an answered call, or the chat itself when ``party`` had phoned."""
        for r in self.texters:
            if r[1] == party and len(r) == 2:
                r.append(float(t))
        self.max_time = max(self.max_time, t)

    def deposit(self, t: float) -> float:
        """Record a crypto deposit by the subscriber's accounts at ``t``; returns when its
        run of deposits began (none in the grooming span before each).

        >>> s = SubscriberState()
        >>> s.deposit(100.0), s.deposit(5000.0), s.deposit(100.0 + 8 * 24 * 3600.0)
        (100.0, 100.0, 691300.0)
        """
        if self.deposits is None or t - self.deposits[1] > self.groom_span_s:
            self.deposits = (t, t)
        else:
            self.deposits = (min(self.deposits[0], t), max(self.deposits[1], t))
        self.max_time = max(self.max_time, t)
        return self.deposits[0]

    def ties_before(self, t: float, within_s: float) -> dict[str, tuple[bool, int]]:
        """Parties whose long first call or first chat message came in the ``within_s``
        seconds up to ``t`` (long calls first), each with whether it held a long first
        call then, and how many times it had been in touch by ``t``: its long first call,
        its first chat, and a second contact after that (:meth:`texted_again`)."""
        rows = (*self.talkers, *self.texters)
        ties = dict.fromkeys(r[1] for r in rows if t - within_s <= r[0] <= t)
        called = {r[1] for r in self.talkers if t - within_s <= r[0] <= t}
        touched = Counter(r[1] for r in rows for x in (r[0], *r[2:3]) if x <= t)
        return {p: (p in called, touched[p]) for p in ties}

    def groom(
        self,
        t: float,
        victim: int,
        called: bool = True,
        growing: bool = False,
        deposit: list[Any] | None = None,
        *,
        single: bool = False,
    ) -> tuple[float, float, float]:
        """Record that ``victim`` (a digest), whom this number called (``called``) or only
        chatted with first, is being fleeced, by deposits that grow step by step
        (``growing``) or not yet; ``deposit``: what to warn the victim at, should this
        number be named later; ``single``: the two were in touch only once before the
        deposits began, so the victim counts half. Returns how many distinct such victims
        it has in the span, how many of them it called, and how many of them grow their
        deposits, each victim in touch once counting half."""
        row = next((r for r in self.groomed if r[1] == victim), None)
        was = row[2:] if row is not None else [SINGLE if single else 0, 0]
        alone = SINGLE if single and was[0] & SINGLE else 0
        rows = self._keep(self.groomed, t, victim, self.groomed_cap)  # new row: [t, victim]
        flags: list[Any] = [int(called) | (was[0] & CALLED) | alone, int(growing or was[1])]
        flags += [deposit] if deposit is not None else was[2:3]
        self.groomed = [r if r[1] != victim else [*r, *flags] for r in rows]
        weight = [(r, 0.5 if r[2] & SINGLE else 1.0) for r in self.groomed]
        return (
            sum((w for _, w in weight), 0.0),
            sum((w for r, w in weight if r[2] & CALLED), 0.0),
            sum((w for r, w in weight if r[3]), 0.0),
        )

    def recent_contacts(self, t: float, within_s: float) -> list[list[Any]]:
        """Contacts in the ``within_s`` seconds up to ``t``."""
        return [c for c in self.contacts if t - within_s <= c[0] <= t]

    def device(self, t: float, imei: str) -> None:
        """Record that the subscriber's number appeared on a new device ``imei``."""
        self.device_change = (float(t), imei)
        self.max_time = max(self.max_time, t)

    def new_payee(self, payee: str) -> bool:
        """Remember ``payee``; ``True`` if the subscriber's accounts never paid it before."""
        return remember(self.payees, key_id(payee), self.payees_cap)

    def pay(
        self,
        t: float,
        account: str,
        payee: str,
        event_id: str,
        new_payee: bool,
        push: bool,
        ratio: float,
        reporter: str,
        jurisdictions: tuple[str, ...],
        payee_msisdn: str = "",
    ) -> list[Any]:
        """Keep one payment of the subscriber's accounts for contacts that arrive late.

        Returns the payment's row, also when it is too old (or crowded out) to be kept.
        Rows kept before the payee's number was kept have nine values.
        """
        self.max_time = max(self.max_time, t)
        row = [float(t), account, payee, event_id, int(new_payee), int(push), float(ratio)]
        row += [reporter, list(jurisdictions), payee_msisdn]
        self.pays.append(row)
        self.pays.sort(key=lambda p: (p[0], p[3]))
        horizon = self.max_time - self.pays_span_s
        self.pays = [p for p in self.pays if p[0] >= horizon][-self.pays_cap :]
        return row

    def pays_after(self, t: float, within_s: float) -> list[list[Any]]:
        """Kept payments in the ``within_s`` seconds from ``t`` on."""
        return [p for p in self.pays if t <= p[0] <= t + within_s]

    def to_json(self) -> dict[str, Any]:
        """Compact JSON-compatible form; inverse of :meth:`from_json`."""
        return {
            **self._common_json(),
            "c": self.contacts,
            "d": list(self.device_change) if self.device_change else None,
            "p": self.payees,
            "q": self.pays,
            "t": None if self.max_time == float("-inf") else self.max_time,
            **({"g": self.talkers} if self.talkers else {}),
            **({"x": self.texters} if self.texters else {}),
            **({"h": self.groomed} if self.groomed else {}),
            **({"k": self.acquainted} if self.acquainted else {}),
            **({"f": list(self.deposits)} if self.deposits else {}),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        """Rebuild a state from :meth:`to_json` output (older states had no ``q``)."""
        state = cls()
        state._load_common(obj)
        # States written before contact kinds existed hold three values: calls.
        state.contacts = [
            [float(c[0]), int(c[1]), float(c[2]), float((*c, CALL)[3])] for c in obj["c"]
        ]
        d = obj["d"]
        state.device_change = None if d is None else (float(d[0]), str(d[1]))
        state.payees = [int(p) for p in obj["p"]]
        state.pays = [list(p) for p in obj.get("q", ())]
        state.talkers = [[float(r[0]), str(r[1])] for r in obj.get("g", ())]
        state.texters = [[float(r[0]), str(r[1]), *map(float, r[2:3])] for r in obj.get("x", ())]
        # rows written before chats counted have no third value: they came from calls;
        # rows written before deposits were marked growing have no fourth: not growing
        state.groomed = [
            [float(r[0]), int(r[1]), int(r[2]) if len(r) > 2 else 1, int(r[3]) if len(r) > 3 else 0]
            + [list(d) for d in r[4:5]]
            for r in obj.get("h", ())
        ]
        state.acquainted = [int(k) for k in obj.get("k", ())]
        f = obj.get("f")
        state.deposits = None if f is None else (float(f[0]), float(f[1]))
        state.max_time = float("-inf") if obj["t"] is None else float(obj["t"])
        return state
