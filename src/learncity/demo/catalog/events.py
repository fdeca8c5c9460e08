"""The demo catalog's events through the year, who came and who signed up."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from learncity.catalog.models import (
    Event,
    EventKind,
    EventRegistration,
    EventRegistrationStatus,
    Venue,
)
from learncity.core.bulk import next_ids
from learncity.records.models import RecordKind

from .. import catalog_names as words
from .plan import (
    EVENT_RECORDS_PER_RESIDENT,
    LEARNING_WEEKS,
    MAX_EVENT_RECORDS,
    plus_hours,
    second_saturday,
    third_saturday,
)


class Events:
    """The events (a part of the build: see build.CatalogBuild)."""

    def _events(self):
        """The events of the two demo years, then learning records for those that are over (about 0.8 per
        resident in all) and their sign-ups."""
        self.events: list[tuple] = []  # (title, kind, description, organiser, venue, start, end, capacity, hours,
        #                               course_kind, district), as _event_add makes them
        areas = [("", self.city.name)] + [(code, name) for _, code, name in self.districts]
        for year in (2025, 2026):
            self._events_reading_month(year)
            self._events_activity_day(year, areas)
            self._events_learning_week(year, areas)
            self._events_lectures(year, areas)
            self._events_exhibitions(year)
            self._events_open_days(year)
        events, self.events = self.events, []
        ids = next_ids(Event, len(events))
        rows = [(eid, title, kind, description, organiser, vid, self.dt(*start), self.dt(*end), capacity, hours, True)
                for eid, (title, kind, description, organiser, vid, start, end, capacity, hours, _, _)
                in zip(ids, events, strict=True)]
        self._insert("events", Event, ("id", "title", "kind", "description", "organiser_id", "venue_id", "starts_at",
                                       "ends_at", "capacity", "hours", "is_free"), rows)
        records = self._event_records(ids, events)
        self._records(records)
        self._event_registrations(list(zip(ids, events, strict=True)), records)
        self.progress("活动", len(events), len(events))

    def _event_add(self, title, kind, vid, day, start, end, hours, course_kind="", last_day=None, description=""):
        _, _, district, vcap, vname = self.venue_info[vid]
        capacity = min(vcap, self.rng.choice([50, 80, 100, 120, 150, 200, 300, 500])) or 50
        inst = self.venue_info[vid][1]
        organiser = inst.id if inst else self.college_of.get(district, self.top).id
        self.events.append((title[:128], kind, description or f"{title}，地点：{vname}。（演示数据）", organiser, vid,
                            (day, start), (last_day or day, end), capacity, Decimal(str(hours)), course_kind,
                            district))

    def _events_reading_month(self, year: int) -> None:
        """读书月 (April) at every library."""
        rng = self.rng
        for vid in [vid for vid, info in self.venue_info.items() if info[0] == Venue.Kind.LIBRARY]:
            for _ in range(rng.randint(1, 2)):
                start = rng.choice([datetime.time(9, 30), datetime.time(14, 30)])
                self._event_add(f"{year}年全民阅读月·{rng.choice(words.READING_TITLES)}", EventKind.READING, vid,
                                datetime.date(year, 4, rng.randint(1, 30)), start, plus_hours(start, 2), 2, "culture")

    def _events_activity_day(self, year: int, areas: list[tuple[str, str]]) -> None:
        """9·28 终身教育活动日: the city's launch, each district's day, some community schools."""
        rng = self.rng
        day928 = datetime.date(year, 9, 28)
        for code, name in areas:
            vid = _first(self.venues_of(Venue.Kind.CULTURAL_CENTRE, code), self.venues_of(Venue.Kind.LIBRARY, code),
                         [self.venue_of[self.top.id]])
            if code == "":
                self._event_add(f"{year}年{name}“9·28 终身教育活动日”启动仪式", EventKind.ACTIVITY_DAY, vid, day928,
                                datetime.time(9), datetime.time(11, 30), 2.5, "community")
            else:
                self._event_add(f"{year}年{name}“9·28 终身教育活动日”{rng.choice(words.ACTIVITY_DAY_TITLES)}",
                                EventKind.ACTIVITY_DAY, vid, day928, datetime.time(14, 30), datetime.time(17), 2.5,
                                "community")
        schools = self.by_role.get("community_school", [])
        for inst in rng.sample(schools, min(len(schools), 2 * len(self.districts))):
            self._event_add(f"{inst.name}“9·28”{rng.choice(words.ACTIVITY_DAY_TITLES)}", EventKind.ACTIVITY_DAY,
                            self.venue_of[inst.id], day928, datetime.time(9), datetime.time(11), 2, "community")

    def _events_learning_week(self, year: int, areas: list[tuple[str, str]]) -> None:
        """全民终身学习活动周 (a week in November): the city's opening, then each district's events."""
        rng = self.rng
        week = LEARNING_WEEKS[year]
        self._event_add(f"{year}年{self.city.name}全民终身学习活动周开幕式", EventKind.LEARNING_WEEK,
                        _first(self.venues_of(Venue.Kind.CULTURAL_CENTRE, ""), [self.venue_of[self.top.id]]), week,
                        datetime.time(9), datetime.time(11, 30), 2.5, "community")
        for code, name in areas[1:]:
            options = (self.venues_of(Venue.Kind.CULTURAL_CENTRE, code) + self.venues_of(Venue.Kind.LIBRARY, code)
                       + self.venues_of(Venue.Kind.ELDERLY_CENTRE, code)
                       + ([self.venue_of[self.college_of[code].id]] if code in self.college_of else []))
            for title in rng.sample(words.LEARNING_WEEK_TITLES, rng.randint(1, 3)):
                if options:
                    self._event_add(f"{year}年{name}全民终身学习活动周·{title}", EventKind.LEARNING_WEEK,
                                    rng.choice(options), week + datetime.timedelta(days=rng.randint(0, 6)),
                                    datetime.time(14, 30), datetime.time(16, 30), 2, "community")

    def _events_lectures(self, year: int, areas: list[tuple[str, str]]) -> None:
        """市民讲堂: monthly at the city library, every other month in the districts."""
        rng, short = self.rng, self.city.name.removesuffix("市")
        for code, _ in areas:
            vid = _first(self.venues_of(Venue.Kind.LIBRARY, code), self.venues_of(Venue.Kind.CULTURAL_CENTRE, code))
            if vid is None:
                continue
            for month in range(1, 13) if code == "" else range(1 + rng.randint(0, 1), 13, 2):
                topic, kind = rng.choice(words.LECTURE_TOPICS)
                self._event_add(f"市民讲堂：{topic.format(city=short)}", EventKind.LECTURE, vid,
                                second_saturday(year, month), datetime.time(9, 30), datetime.time(11, 30), 2, kind)

    def _events_exhibitions(self, year: int) -> None:
        """Exhibitions at museums, the science museum and the cultural centres."""
        rng, short = self.rng, self.city.name.removesuffix("市")
        halls = [vid for vid, info in self.venue_info.items()
                 if info[0] in (Venue.Kind.MUSEUM, Venue.Kind.SCIENCE_MUSEUM, Venue.Kind.CULTURAL_CENTRE)]
        for vid in halls:
            for _ in range(rng.randint(1, 2)):
                opens = datetime.date(year, rng.randint(1, 11), rng.randint(1, 28))
                self._event_add(rng.choice(words.EXHIBITIONS).format(city=short), EventKind.EXHIBITION, vid, opens,
                                datetime.time(9), datetime.time(17), 1, "culture",
                                last_day=opens + datetime.timedelta(days=rng.randint(20, 60)))

    def _events_open_days(self, year: int) -> None:
        """Open days: museums on 5·18, the science museum on 全国科普日, gymnasiums on 8·8, open schools on 9·28."""
        add = self._event_add
        for vid, (vkind, _, _, _, vname) in list(self.venue_info.items()):
            if vkind == Venue.Kind.MUSEUM:
                add(f"{year}年“5·18 国际博物馆日”{vname}开放日", EventKind.OPEN_DAY, vid, datetime.date(year, 5, 18),
                    datetime.time(9), datetime.time(17), 2, "culture")
            elif vkind == Venue.Kind.SCIENCE_MUSEUM:
                add(f"{year}年全国科普日·{vname}开放日", EventKind.OPEN_DAY, vid, third_saturday(year, 9),
                    datetime.time(9, 30), datetime.time(17), 2, "digital")
            elif vkind == Venue.Kind.GYMNASIUM:
                add(f"{year}年“8·8 全民健身日”{vname}开放活动", EventKind.OPEN_DAY, vid, datetime.date(year, 8, 8),
                    datetime.time(8), datetime.time(12), 2, "health")
            elif vkind == Venue.Kind.SCHOOL:
                add(f"{year}年{vname}校园开放日", EventKind.OPEN_DAY, vid, datetime.date(year, 9, 28), datetime.time(9),
                    datetime.time(16), 2, "community")

    def _event_records(self, ids, events: list[tuple]) -> list[tuple]:
        """Who came: learning records for the events that are over, about 0.8 per resident in all."""
        rng = self.rng
        past = [(eid, e) for eid, e in zip(ids, events, strict=True) if e[6][0] < self.today]
        weight = {eid: min(e[7], 300) for eid, e in past}
        total_weight = sum(weight.values()) or 1
        target = min(round(len(self.all_ids) * EVENT_RECORDS_PER_RESIDENT), MAX_EVENT_RECORDS)
        records = []
        for eid, (title, _, _, organiser, _, start, end, capacity, hours, course_kind, district) in past:
            want = min(capacity, round(target * weight[eid] / total_weight))
            pool = self._pool((), district, want)
            for learner in rng.sample(pool, min(want, len(pool))):
                day = self.day_between(start[0], min(end[0], self.today - datetime.timedelta(days=1)))
                # The record id a check-in gives (services.event_check_in): checking them in again makes none.
                records.append((learner, organiser, RecordKind.EVENT, course_kind, None, eid, None, title, hours, None,
                                day, f"event-{eid}-{learner}", self.dt(day, end[1])))
        return records

    def _event_registrations(self, events: list[tuple], records: list[tuple]) -> None:
        """Sign-ups: whoever has an event's learning record signed up and attended; a few more signed up and did
        not come; events still to come have sign-ups (some cancelled), within their capacity; registered_count
        is then set from them in one statement. An rng of their own, so the rest of the demo stays as it was."""
        rng = random.Random(f"{self.city.code}:event-registrations")
        rows, live = [], defaultdict(set)
        for learner, _, _, _, _, eid, _, _, _, _, _, _, created in records:
            rows.append((eid, learner, EventRegistrationStatus.ATTENDED, None, created))
            live[eid].add(learner)
        for eid, (_, _, _, _, _, start, end, capacity, _, _, district) in events:
            upcoming = end[0] >= self.today
            room = capacity - len(live[eid])
            if room <= 0 or (not upcoming and rng.random() < 0.5):
                continue
            want = rng.randint(0, min(room, 60)) if upcoming else rng.randint(0, min(room, 5))
            pool = self._pool((), district, want)
            for learner in rng.sample(pool, min(want, len(pool))):
                if learner in live[eid]:
                    continue
                live[eid].add(learner)
                rows.append((eid, learner, EventRegistrationStatus.REGISTERED, start[0], None))
            if upcoming and pool and rng.random() < 0.3:  # changed their mind: cancelled, the seat free again
                learner = rng.choice(pool)
                rows.append((eid, learner, EventRegistrationStatus.CANCELLED, start[0], None))
        ids = next_ids(EventRegistration, len(rows))
        signed = datetime.time(10)
        table = []
        for rid, (eid, learner, status, start_day, attended) in zip(ids, rows, strict=True):
            when = (self.dt(min(start_day, self.today) - datetime.timedelta(days=rng.randint(1, 14)), signed)
                    if start_day else attended)
            table.append((rid, eid, learner, status, when, attended, None))
        self._insert("event_registrations", EventRegistration,
                     ("id", "event_id", "learner_id", "status", "created_at", "attended_at", "recorded_by_id"), table)
        counted = (EventRegistration.objects.filter(event=OuterRef("pk"))
                   .exclude(status=EventRegistrationStatus.CANCELLED).order_by().values("event")
                   .annotate(n=Count("id")).values("n"))
        Event.objects.filter(pk__in=list(live)).update(registered_count=Coalesce(Subquery(counted), 0))


def _first(*candidates):
    """The first item of the first non-empty list, or None."""
    return next((c[0] for c in candidates if c), None)
