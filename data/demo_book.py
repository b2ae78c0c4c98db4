"""A realistic book of a wedding supplier's clients and their behaviour, for the demo.

Each client follows a persona (champion, steady, drifting, overwhelmed,
unhappy, ghosting, turnaround) whose behaviour can change on a "turn" day.
Behaviour is a set of rates (logins a day, reply probability, task discipline,
ratings...) and events are drawn from it. All randomness is drawn up front
from the seed and only then shaped by the behaviour, so changing behaviour
after a day (a turnaround client recovering after an intervention) leaves
every event before that day exactly as it was.

Nothing here is a score: the scores, risk levels, interventions and alerts of
the demo are computed from these events by the real engine and rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from scoring.events import EventFrames

DAY = 86400
NOW_HOUR = 9  # the book is as it stands at 09:00 UTC on its last day


@dataclass(frozen=True)
class Behaviour:
    logins_per_day: float
    interactions_per_day: float
    reply_probability: float
    reply_hours: float  # median reply time when the client answers
    task_done_probability: float
    task_delay_days: float  # mean days between due date and completion (negative = early)
    feedback_per_day: float
    rating: float  # mean rating 1-5
    sentiment: float  # mean sentiment -1..1
    tickets_per_day: float
    resolution_rating: float

    def blend(self, other: Behaviour, weight: np.ndarray) -> dict[str, np.ndarray]:
        """Per-day values moving from self (weight 0) to other (weight 1)."""
        return {
            f.name: getattr(self, f.name) * (1 - weight) + getattr(other, f.name) * weight
            for f in fields(self)
        }


ENGAGED = Behaviour(0.55, 0.55, 0.85, 3.0, 0.97, -2.0, 0.06, 4.7, 0.65, 0.008, 4.6)
STEADY = Behaviour(0.32, 0.3, 0.7, 10.0, 0.9, 0.0, 0.04, 4.1, 0.3, 0.015, 4.1)
FADING = Behaviour(0.05, 0.04, 0.35, 45.0, 0.7, 6.0, 0.02, 3.4, 0.0, 0.02, 3.5)
SWAMPED = Behaviour(0.25, 0.2, 0.5, 30.0, 0.35, 14.0, 0.03, 3.2, -0.2, 0.05, 3.2)
DISPLEASED = Behaviour(0.22, 0.25, 0.55, 20.0, 0.8, 3.0, 0.09, 1.7, -0.6, 0.1, 1.8)
SILENT = Behaviour(0.01, 0.01, 0.05, 90.0, 0.15, 20.0, 0.004, 3.0, -0.2, 0.004, 3.0)
MAX_RATES = {
    name: max(getattr(b, name) for b in (ENGAGED, STEADY, FADING, SWAMPED, DISPLEASED, SILENT))
    for name in ("logins_per_day", "interactions_per_day", "feedback_per_day", "tickets_per_day")
}


@dataclass(frozen=True)
class Persona:
    name: str
    share: float
    before: Behaviour
    after: Behaviour
    churn_probability: float  # chance of churning some weeks after the turn


PERSONAS: tuple[Persona, ...] = (
    Persona("champion", 0.20, ENGAGED, ENGAGED, 0.0),
    Persona("steady", 0.28, STEADY, STEADY, 0.0),
    Persona("drifting", 0.12, STEADY, FADING, 0.3),
    Persona("overwhelmed", 0.10, STEADY, SWAMPED, 0.1),
    Persona("unhappy", 0.08, STEADY, DISPLEASED, 0.35),
    Persona("ghosting", 0.09, STEADY, SILENT, 0.45),
    Persona("turnaround", 0.13, STEADY, FADING, 0.0),
)
PERSONA_BY_NAME = {p.name: p for p in PERSONAS}
TURN_RAMP_DAYS = 21
RECOVERY_RAMP_DAYS = 10

FIRST_NAMES = (
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily "
    "Ella Poppy Evie Elsie Charlotte Evelyn Sienna Harper Daisy Ruby Alice Sophie Phoebe Matilda "
    "Imogen Noah Oliver George Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack "
    "Charlie Theo Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander "
    "Luca Edward James Joshua Albie Elijah Max Mohammed Reuben Mason Sebastian Rory Jude Louie "
    "Benjamin Ethan Adam Hugo Joseph Reggie Ronnie Louis Frankie Hudson Samuel Priya Aisha Zara "
    "Hannah Chloe Megan Laura Rachel Amir Ravi Kwame Tariq Niamh Siobhan Cerys Rhys Callum Euan"
).split()
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper "
    "Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson "
    "Davis Parker James Bennett Young Phillips Richardson Mitchell Bailey Carter Cook Singh Shaw "
    "Bell Collins Morgan Kelly Begum Miller Cox Marshall Simpson Anderson Ellis Adams Wilkinson "
    "Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer "
    "Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murphy Dixon"
).split()
VENUES = (
    "Babington House, Somerset", "Hedsor House, Buckinghamshire", "Kew Gardens, London",
    "Ashridge House, Hertfordshire", "Gosfield Hall, Essex", "Chewton Glen, Hampshire",
    "Cripps Barn, Cotswolds", "Pembroke Lodge, Richmond", "Aynhoe Park, Oxfordshire",
    "Elmore Court, Gloucestershire", "Tithe Barn, Petersfield", "Iscoyd Park, Shropshire",
    "Sheldon Manor, Wiltshire", "Bawdon Lodge Farm, Leicestershire", "Hampton Manor, Solihull",
    "Middleton Lodge, North Yorkshire", "Wasing Park, Berkshire", "Dewsall Court, Herefordshire",
    "The Asylum, Peckham", "Trevenna Barns, Cornwall", "Kinloch Castle, Isle of Rum",
    "Dalhousie Castle, Midlothian", "Fforest, Pembrokeshire", "Kimpton Clocktower, Manchester",
    "The Shankly Hotel, Liverpool", "Botleys Mansion, Surrey", "Rudding Park, Harrogate",
    "Osea Island, Essex", "Hengrave Hall, Suffolk", "Kentwell Hall, Suffolk",
)
PACKAGES = (  # name, share, lowest and highest contract value in pounds
    ("Essentials", 0.35, 1_800, 2_800),
    ("Signature", 0.45, 3_400, 5_200),
    ("Luxury", 0.20, 6_500, 9_800),
)
CHANNELS = ("email", "phone", "whatsapp", "video call", "meeting")
TASK_PLAN = (  # (days before the wedding it is due, kind, title)
    (360, "milestone", "Booking deposit paid"),
    (340, "task", "Share mood board and colour palette"),
    (320, "task", "Confirm ceremony and reception venues"),
    (300, "milestone", "Planning contract signed"),
    (280, "task", "Choose photographer shortlist"),
    (260, "task", "Send save-the-date guest list"),
    (240, "task", "Book menu tasting"),
    (220, "task", "Approve stationery design"),
    (200, "milestone", "Menu tasting attended"),
    (185, "task", "Confirm florist brief"),
    (170, "task", "Choose entertainment"),
    (155, "task", "Approve décor moodboard"),
    (140, "milestone", "Second instalment paid"),
    (125, "task", "Confirm accommodation block"),
    (110, "task", "Send invitations"),
    (95, "task", "Confirm cake design"),
    (85, "task", "Agree transport plan"),
    (75, "milestone", "Guest list finalised"),
    (65, "task", "Return dietary requirements"),
    (55, "task", "Approve running order"),
    (45, "task", "Confirm supplier timings"),
    (38, "task", "Send table plan"),
    (30, "milestone", "Final numbers confirmed"),
    (24, "task", "Approve ceremony music"),
    (18, "task", "Confirm speeches order"),
    (14, "milestone", "Final payment made"),
    (10, "task", "Sign off final details pack"),
    (6, "task", "Hand over personal items list"),
    (3, "task", "Confirm wet-weather plan"),
)
COMMENTS = {
    5: ("Absolutely brilliant, thank you!", "Everything feels under control, we love it.", "So helpful and quick to reply."),
    4: ("Really good so far.", "Happy with the progress.", "Lovely ideas from the team."),
    3: ("Fine, a bit slow to hear back.", "Okay, some things are unclear.", "Would like more updates."),
    2: ("Feeling a bit lost with the timeline.", "Replies take too long.", "Not what we expected."),
    1: ("Very disappointed so far.", "We are thinking about other options.", "Nobody got back to us."),
}


@dataclass
class DemoBook:
    """The demo's team, clients (with their persona) and events."""

    team: pd.DataFrame
    clients: pd.DataFrame
    events: EventFrames
    titles: pd.Series  # task titles, aligned with events.tasks
    channels: pd.Series
    comments: pd.Series
    # Position in ``clients`` of each event's client, per table of ``events``: the events
    # of a client are contiguous and clients come in order, so a run of clients is a
    # run of rows.
    positions: dict[str, np.ndarray] = field(default_factory=dict)


TEAM = (  # email, name, role, speed (how soon they act; smaller is faster)
    ("alex.morgan@example.com", "Alex Morgan", "admin", 1.0),
    ("priya.shah@example.com", "Priya Shah", "manager", 0.6),
    ("tom.ellis@example.com", "Tom Ellis", "manager", 1.0),
    ("hannah.clarke@example.com", "Hannah Clarke", "manager", 1.4),
    ("daniel.reid@example.com", "Daniel Reid", "manager", 2.4),
    ("meeting.room@example.com", "Meeting Room Screen", "viewer", 0.0),
)

# Candidate columns each kind of event reads; every column is drawn for every kind (the
# order of draws is part of the seed's promise) but only these are kept.
_CANDIDATE_COLUMNS = ("second", "accept", "u", "z", "z2", "pick")
_KEPT = {
    "logins_per_day": ("second", "accept"),
    "interactions_per_day": ("second", "accept", "u", "z", "pick"),
    "feedback_per_day": ("second", "accept", "z", "z2", "pick"),
    "tickets_per_day": ("second", "accept", "u", "z", "z2"),
}
_FIRST_NAMES = np.array(FIRST_NAMES)
_PERSONA_NAMES = np.array([p.name for p in PERSONAS])
_TURNAROUND = [p.name for p in PERSONAS].index("turnaround")
# behaviour name -> (value before the turn, value after it), one entry per persona
_BEHAVIOUR_TABLE = {
    f.name: (
        np.array([getattr(p.before, f.name) for p in PERSONAS]),
        np.array([getattr(p.after, f.name) for p in PERSONAS]),
    )
    for f in fields(Behaviour)
}
_COMMENT_TABLE = np.array(
    [[None] * 3] + [list(COMMENTS[rating]) for rating in range(1, 6)], dtype=object
)  # row = rating (0 unused), column = pick % 3


def _uuid_text(raw: bytes, n: int) -> np.ndarray:
    """Version-4 style ids from 16 random bytes each (the 13th and 17th digits fixed to 4 and a)."""
    digits = np.frombuffer(raw.hex().encode("ascii"), dtype="S1").reshape(n, 32)
    text = np.empty((n, 36), dtype="S1")
    text[:, 0:8] = digits[:, 0:8]
    text[:, 9:13] = digits[:, 8:12]
    text[:, 14] = b"4"
    text[:, 15:18] = digits[:, 13:16]
    text[:, 19] = b"a"
    text[:, 20:23] = digits[:, 17:20]
    text[:, 24:36] = digits[:, 20:32]
    text[:, [8, 13, 18, 23]] = b"-"
    return np.char.decode(text.view("S36").ravel(), "ascii").astype(object)


class BookPlan:
    """The random draws behind a book, made once per seed; :meth:`book` shapes them.

    The draws are made in a fixed order, so a seed gives the same book whatever
    the code that shapes it; only the candidate columns an event kind reads are kept.
    """

    def __init__(self, n_clients: int, today: dt.date, seed: int) -> None:
        self.n = n_clients
        self.today = today
        self.now = pd.Timestamp(today, tz="UTC") + pd.Timedelta(hours=NOW_HOUR)
        rng = np.random.default_rng(seed)
        self.rng_seed = seed
        n = n_clients
        today_ts = pd.Timestamp(today, tz="UTC")
        shares = np.array([p.share for p in PERSONAS])
        self.persona = rng.choice([p.name for p in PERSONAS], n, p=shares / shares.sum())
        order = np.argsort(_PERSONA_NAMES)
        self.persona_code = order[np.searchsorted(_PERSONA_NAMES[order], self.persona)]  # into PERSONAS
        self.wedding_offset = rng.integers(-60, 540, n)
        self.wedding = (np.datetime64(today, "D") + self.wedding_offset).astype(object)
        lead = rng.integers(150, 480, n)
        created_offset = self.wedding_offset - lead
        # Couples marrying far ahead booked at some point in the last year or so.
        booked_ahead = created_offset > -1
        created_offset[booked_ahead] = -rng.integers(30, 420, booked_ahead.sum())
        created_offset = np.maximum(created_offset, -420)
        # A handful of brand-new clients still onboarding.
        newest = rng.random(n) < 0.04
        created_offset[newest] = -rng.integers(1, 13, newest.sum())
        self.created = today_ts + pd.to_timedelta(created_offset, unit="D") + pd.to_timedelta(
            rng.integers(8 * 3600, 19 * 3600, n), unit="s"
        )
        created_day = created_offset.astype(float)
        self.turn = np.floor(
            np.maximum(created_day + 21, -150) + rng.random(n) * np.maximum(0, -5 - np.maximum(created_day + 21, -150))
        )
        churn_probability = np.array([p.churn_probability for p in PERSONAS])[self.persona_code]
        churns = churn_probability > rng.random(n)
        churn_offset = self.turn + rng.integers(25, 75, n)
        self.churn = np.where(churns & (churn_offset < 0), churn_offset, np.nan)
        # One draw per couple, as the seed has always drawn them (each pair without repeats).
        self.first = np.array([rng.choice(_FIRST_NAMES, 2, replace=False) for _ in range(n)]).reshape(n, 2)
        self.last = rng.choice(SURNAMES, (n, 2))  # the same draws as one pair per couple
        self.venue = rng.choice(VENUES, n)
        package_shares = np.array([p[1] for p in PACKAGES])
        self.package = rng.choice(len(PACKAGES), n, p=package_shares)
        self.value_u = rng.random(n)
        self.owned = rng.random(n) < 0.8
        self.owner_u = rng.integers(0, 5, n)  # admin and the four managers own clients
        self.id_bytes = rng.bytes(16 * n)
        # Candidate events at the highest rate any behaviour has; thinned later.
        self.draws = {name: self._candidates(rng, name, rate) for name, rate in MAX_RATES.items()}
        self.task_u = rng.random((n, len(TASK_PLAN)))
        self.task_z = rng.standard_normal((n, len(TASK_PLAN)))
        self.task_hour = rng.integers(7 * 3600, 23 * 3600, (n, len(TASK_PLAN)))

    def _candidates(self, rng: np.random.Generator, name: str, rate: float) -> dict[str, np.ndarray]:
        start = (self.created - pd.Timestamp(self.today, tz="UTC")).days.to_numpy()
        span = np.maximum(0, -start) + 1
        counts = rng.poisson(rate * span)
        client = np.repeat(np.arange(self.n, dtype=np.int32), counts)
        k = len(client)
        day = np.repeat(start, counts) + np.floor(rng.random(k) * np.repeat(span, counts))
        # days relative to today (0 = today, negative = past): whole numbers, kept as int32
        out = {"client": client, "day": day.astype(np.int32)}
        for column in _CANDIDATE_COLUMNS:
            if column in ("second", "pick"):
                high = 23 * 3600 if column == "second" else 1_000_000
                values = rng.integers(7 * 3600 if column == "second" else 0, high, k)
            elif column in ("accept", "u"):
                values = rng.random(k)
            else:
                values = rng.standard_normal(k)
            if column in _KEPT[name]:
                out[column] = values.astype(np.int32) if values.dtype.kind == "i" else values
            del values
        return out

    def book(self, recovery: dict[int, int] | None = None) -> DemoBook:
        """The clients and events; ``recovery`` maps client positions to the day (relative
        to today) from which a turnaround client recovers."""
        recovery = recovery or {}
        today_ts = pd.Timestamp(self.today, tz="UTC")
        ids = _uuid_text(self.id_bytes, self.n)
        wedding_ts = pd.to_datetime(self.wedding).tz_localize("UTC")
        completed = (wedding_ts + pd.Timedelta(hours=23, minutes=59, seconds=59)).where(
            self.wedding_offset < 0
        )
        churned = today_ts + pd.to_timedelta(self.churn, unit="D") + pd.Timedelta(hours=11)
        churned_before_wedding = ~churned.isna() & (churned < wedding_ts)
        churned = churned.where(churned_before_wedding)
        completed = completed.where(~churned_before_wedding)
        status = np.where(~churned.isna(), "churned", np.where(~completed.isna(), "completed", "active"))
        first, last = self.first.astype(object), self.last.astype(object)
        names = first[:, 0] + " " + last[:, 0] + " & " + first[:, 1] + " " + last[:, 1]
        partners = first[:, 0] + " " + last[:, 0] + ", " + first[:, 1] + " " + last[:, 1]
        lower = np.char.lower
        emails = (
            lower(self.first[:, 0]).astype(object) + "." + lower(self.last[:, 0]).astype(object)
            + (np.arange(self.n) % 97).astype(str).astype(object) + "@example.com"
        )
        low = np.array([p[2] for p in PACKAGES], dtype=float)[self.package]
        high = np.array([p[3] for p in PACKAGES], dtype=float)[self.package]
        value = np.round((low + self.value_u * (high - low)) / 50).astype(np.int64) * 50 * 100
        team_ids = np.arange(1, 6)
        clients = pd.DataFrame(
            {
                "client_id": ids,
                "name": names,
                "email": emails,
                "partner_names": partners,
                "wedding_date": self.wedding,
                "venue": self.venue,
                "package": np.array([p[0] for p in PACKAGES], dtype=object)[self.package],
                "contract_value": value,
                "status": status,
                "owner_index": np.where(self.owned, team_ids[self.owner_u], 0),
                "created_at": self.created,
                "churned_at": churned,
                "completed_at": completed,
                "persona": self.persona,
            }
        )
        end_day = np.minimum(
            0,
            np.nanmin(
                np.vstack([
                    np.where(churned.isna(), np.inf, (churned - today_ts).days.to_numpy(dtype=float, na_value=np.inf)),
                    np.where(completed.isna(), np.inf, (completed - today_ts).days.to_numpy(dtype=float, na_value=np.inf)),
                ]),
                axis=0,
            ),
        )
        recovery_day = np.full(self.n, np.inf)
        if recovery:
            recovery_day[np.fromiter(recovery.keys(), dtype=np.int64)] = np.fromiter(recovery.values(), dtype=float)
        events, titles, channels, comments, positions = self._events(ids, end_day, recovery_day)
        team = pd.DataFrame(TEAM, columns=["email", "name", "role", "speed"])
        return DemoBook(team, clients, events, titles, channels, comments, positions)

    def behaviour(
        self,
        client: np.ndarray,
        day: np.ndarray,
        recovery_day: np.ndarray,
        names: tuple[str, ...] | None = None,
    ) -> dict[str, np.ndarray]:
        """Per-event behaviour values (all of them, or ``names``) for clients on days (relative to today).

        Each value moves from the persona's behaviour before its turn to the one after
        over ``TURN_RAMP_DAYS``; a recovering turnaround client then moves to engaged
        over ``RECOVERY_RAMP_DAYS``.
        """
        names = names or tuple(f.name for f in fields(Behaviour))
        persona = self.persona_code[client]
        weight = np.clip((day - self.turn[client]) / TURN_RAMP_DAYS, 0, 1)
        turnaround = np.flatnonzero(persona == _TURNAROUND)
        back = np.clip((day[turnaround] - recovery_day[client[turnaround]]) / RECOVERY_RAMP_DAYS, 0, 1)
        out = {}
        for name in names:
            before = _BEHAVIOUR_TABLE[name][0].take(persona)
            after = _BEHAVIOUR_TABLE[name][1].take(persona)
            value = before * (1 - weight) + after * weight
            engaged = getattr(ENGAGED, name)
            value[turnaround] = value[turnaround] * (1 - back) + (engaged * (1 - back) + engaged * back) * back
            out[name] = value
        return out

    def _events(self, ids, end_day, recovery_day):
        today_ts = pd.Timestamp(self.today, tz="UTC")

        def thin(name: str, *wanted: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
            """Candidate events of one kind kept at the client's rate on their day, with the
            behaviour values ``wanted`` on each kept event."""
            cand = self.draws[name]
            keep = cand["day"] <= end_day[cand["client"]]
            client, day = cand["client"][keep], cand["day"][keep].astype(float)
            rate = self.behaviour(client, day, recovery_day, (name,))[name]
            accepted = cand["accept"][keep] < rate / MAX_RATES[name]
            rows = np.flatnonzero(keep)[accepted]
            day = day[accepted]
            second = cand["second"][rows].astype(np.int64)
            # On the day a client joined, its events come after the time it was created.
            joined = self.created[cand["client"][rows]]
            first_day = day == (joined - today_ts).days.to_numpy()
            joined_second = (joined - joined.normalize()).total_seconds().to_numpy().astype(np.int64)
            later = joined_second + (second - 7 * 3600) * (23 * 3600 - joined_second) // (16 * 3600)
            second = np.where(first_day, later, second)
            ts = today_ts + pd.to_timedelta(day, unit="D") + pd.to_timedelta(second, unit="s")
            before_now = np.asarray(ts <= self.now)
            rows, day, ts = rows[before_now], day[before_now], ts[before_now]
            kept = {column: values[rows] for column, values in cand.items() if column != "day"}
            kept["day"], kept["ts"] = day, ts
            values = self.behaviour(kept["client"], day, recovery_day, wanted) if wanted else {}
            return kept, values

        logins, _ = thin("logins_per_day")
        inter, ib = thin("interactions_per_day", "reply_probability", "reply_hours")
        replied = inter["u"] < ib["reply_probability"]
        hours = np.round(ib["reply_hours"] * np.exp(0.6 * inter["z"]), 1)
        answered_at = inter["ts"] + pd.to_timedelta(np.nan_to_num(hours), unit="h")
        response = np.where(replied & np.asarray(answered_at <= self.now), hours, np.nan)
        channels = pd.Series(np.array(CHANNELS)[inter["pick"] % len(CHANNELS)])

        fb, fbb = thin("feedback_per_day", "rating", "sentiment")
        rating = np.clip(np.round(fbb["rating"] + 0.8 * fb["z"]), 1, 5)
        sentiment = np.round(np.clip(fbb["sentiment"] + 0.3 * fb["z2"], -1, 1), 2)
        pick = fb["pick"]
        comments = pd.Series(
            np.where(pick % 2 == 0, _COMMENT_TABLE[rating.astype(np.int64), pick % 3], None), dtype=object
        )

        tk, tkb = thin("tickets_per_day", "resolution_rating")
        resolve_hours = np.exp(3.0 + 0.9 * tk["z"])  # median about 20 hours
        resolved_at = pd.Series(tk["ts"] + pd.to_timedelta(resolve_hours, unit="h"))
        resolved = (resolved_at <= self.now).to_numpy()
        resolution = np.where(
            resolved & (tk["u"] < 0.8),
            np.clip(np.round(tkb["resolution_rating"] + 0.7 * tk["z2"]), 1, 5),
            np.nan,
        )

        tasks, titles, task_client = self._tasks(ids, end_day, recovery_day)
        events = EventFrames(
            logins=pd.DataFrame({"client_id": ids[logins["client"]], "ts": logins["ts"]}),
            interactions=pd.DataFrame(
                {"client_id": ids[inter["client"]], "ts": inter["ts"], "response_hours": response}
            ),
            tasks=tasks,
            feedback=pd.DataFrame(
                {"client_id": ids[fb["client"]], "ts": fb["ts"], "rating": rating, "sentiment": sentiment}
            ),
            tickets=pd.DataFrame(
                {
                    "client_id": ids[tk["client"]],
                    "opened_at": tk["ts"],
                    "resolved_at": resolved_at.where(resolved),
                    "resolution_rating": resolution,
                }
            ),
        )
        positions = {
            "logins": logins["client"], "interactions": inter["client"], "tasks": task_client,
            "feedback": fb["client"], "tickets": tk["client"],
        }
        return events, titles, channels, comments, positions

    def _tasks(self, ids, end_day, recovery_day) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
        today_ts = pd.Timestamp(self.today, tz="UTC")
        plan_days = np.array([p[0] for p in TASK_PLAN])
        created_day = (self.created - today_ts).days.to_numpy()
        due = self.wedding_offset[:, None] - plan_days[None, :]  # relative to today
        planned = due > created_day[:, None] + 3  # tasks set up after the client joined
        client, step = np.nonzero(planned)
        due_day = due[client, step]
        b = self.behaviour(client, due_day.astype(float), recovery_day, ("task_done_probability", "task_delay_days"))
        done = self.task_u[client, step] < b["task_done_probability"]
        delay = np.round(b["task_delay_days"] + 3 * self.task_z[client, step])
        done_day = np.maximum(due_day + delay, created_day[client] + 1)
        completed_at = today_ts + pd.to_timedelta(done_day, unit="D") + pd.to_timedelta(
            self.task_hour[client, step], unit="s"
        )
        finished = done & (done_day <= end_day[client]) & np.asarray(completed_at <= self.now)
        kinds = np.array([p[1] for p in TASK_PLAN], dtype=object)
        tasks = pd.DataFrame(
            {
                "client_id": ids[client],
                "kind": kinds[step],
                "due_date": (np.datetime64(self.today, "D") + due_day).astype("datetime64[s]"),
                "completed_at": pd.Series(completed_at).where(finished),
            }
        )
        titles = pd.Series(np.array([p[2] for p in TASK_PLAN], dtype=object)[step], dtype=object)
        return tasks, titles, client.astype(np.int32)
