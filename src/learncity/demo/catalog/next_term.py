"""The demo catalog's next term: published courses a newcomer can enrol in whatever the build date."""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

from learncity.catalog.models import Course, CourseSession, CourseState, Mode
from learncity.core.bulk import next_ids

from .. import catalog_names as words
from .plan import (
    ANY_SLOT,
    KIND_WEIGHTS,
    MEETS,
    NEXT_TERM_MIN,
    NEXT_TERM_OPENED,
    NEXT_TERM_POPULAR,
    NEXT_TERM_SHARE,
    SLOTS,
    TERMS,
    PlanCourse,
    next_term,
    plus_hours,
    session_count,
    term_weeks,
    title_suffix,
)


class NextTerm:
    """The next term's courses (a part of the build: see build.CatalogBuild)."""

    def _next_term(self):
        """Published courses of the next term (next_term(built_on)), so the demo has courses a newcomer can enrol
        in whatever the date it is built on: the demo's terms are fixed, and by the real date the current one has
        mostly passed. About NEXT_TERM_SHARE of the current term's number (at least NEXT_TERM_MIN), one of each of
        the topics learners search for most (NEXT_TERM_POPULAR), the rest by the kinds' weights; each a new class
        of a topic some institution already teaches, at that institution, in its room and weekly slot, by its
        teachers, the institutions spread over the districts. Sessions weekly from the term's first to fifth week;
        sign-ups open since before the build until the day before the second session. No enrollments, attendance
        or records: nothing in the monitoring figures changes. Drawn last from the build's rng, so every other row
        is as it was, and the same apart from the dates whatever the build date."""
        if not self.courses:
            return
        code, monday = next_term(max(self.built_on, self.today))
        by_topic: dict[str, list[PlanCourse]] = defaultdict(list)
        for c in self.courses:
            by_topic[c.topic].append(c)
        chosen = self._next_term_topics(by_topic)
        weeks = term_weeks(monday)
        # Rooms taken from the term's first week on (this term's courses may run into it), and as courses are made.
        taken: dict[tuple, list[tuple]] = defaultdict(list)
        for venue, room, day, start, end in CourseSession.objects.filter(
                date__gte=monday, venue__isnull=False).values_list("venue_id", "room", "date", "start", "end"):
            taken[(venue, room, day)].append((start, end))
        teachers_of: dict[int, list[int]] = defaultdict(list)
        for course_id, teacher_id in self.teacher_links:
            teachers_of[course_id].append(teacher_id)
        districts: Counter = Counter()
        created = self.dt(self.built_on - datetime.timedelta(days=NEXT_TERM_OPENED), datetime.time(9))
        course_rows, group_links, textbook_links, teacher_links, sessions = [], [], [], [], []
        seq, ids = len(self.courses), iter(next_ids(Course, len(chosen)))  # ids of classes not made stay unused
        base = self.rng.getrandbits(64)
        for i, (kind, (title, groups, _)) in enumerate(chosen):
            # Each class its own rng: which room is free (this term's classes may still hold it in the next's
            # first weeks, depending on the build date) changes no other class.
            crng = random.Random(f"{base}:{i}")
            first_week, suffix = crng.randint(0, 2), crng.choice(words.TITLE_SUFFIXES[kind])
            sources = sorted(by_topic[title], key=lambda c: (districts[c.inst.district], crng.random()))
            found = _next_term_class(crng, kind, sources, weeks, first_week, taken)
            if found is None:
                continue  # every class of the topic has its room taken then
            source, n, days, start, end = found
            districts[source.inst.district] += 1
            seq += 1
            cid = next(ids)
            suffix = title_suffix(title, suffix)
            inst = source.inst
            hours = Decimal(str(source.session_hours)) * n
            second = days[1] if len(days) > 1 else days[0]
            course_code = f"DEMO{self.city.code[:4]}-{code[:4]}{'A' if code.endswith('秋') else 'S'}-{seq:05d}"
            course_rows.append((cid, inst.id, course_code, f"{title}{suffix}"[:128],
                                self._description(title, groups, code, n, hours, inst), kind, source.mode,
                                crng.choice(words.LEVELS[kind]) if kind in words.LEVELS else "", hours,
                                self._fee(kind, inst.role, crng), source.capacity, CourseState.PUBLISHED,
                                crng.random() < 0.08, code, "", 0, created, created,
                                words.title_en(title, suffix)[:160], words.TOPIC_TAGS.get(title, ""),
                                self.built_on - datetime.timedelta(days=NEXT_TERM_OPENED),
                                second - datetime.timedelta(days=1), False))
            group_links += [(cid, self.groups[g]) for g in groups if g in self.groups]
            textbook_links += [(cid, tb) for tb in self.textbooks_of[title][:crng.randint(0, 2)]]
            teacher_links += [(cid, t) for t in teachers_of[source.id]]
            url = f"https://learn.example.org/live/{course_code}" if source.mode != Mode.OFFLINE else ""
            for day in days:
                sessions.append((cid, day, self.adapt_time(start), self.adapt_time(end), source.venue_id,
                                 source.room, url))
                if source.venue_id is not None:
                    taken[(source.venue_id, source.room, day)].append((start, end))
        if not course_rows:
            return
        self._courses_insert(course_rows, group_links, textbook_links, teacher_links,
                             ((sid, *row) for sid, row in zip(next_ids(CourseSession, len(sessions)), sessions,
                                                              strict=True)))

    def _next_term_topics(self, by_topic: dict) -> list[tuple]:
        """[(kind, topic entry)] of the next term's classes: one of each of NEXT_TERM_POPULAR, the rest by the
        kinds' weights, about NEXT_TERM_SHARE of the current term's number (at least NEXT_TERM_MIN)."""
        rng = self.rng
        last = len(TERMS) - 1
        want = max(NEXT_TERM_MIN, round(NEXT_TERM_SHARE * sum(1 for c in self.courses if c.term == last)))
        topics = [(k, entry) for k in KIND_WEIGHTS for entry in words.COURSE_TOPICS[k] if entry[0] in by_topic]
        chosen = []
        for word in NEXT_TERM_POPULAR:
            matching = [t for t in topics if word in t[1][0] and t not in chosen]
            if matching:
                chosen.append(rng.choice(matching))
        rest = [t for t in topics if t not in chosen]
        while len(chosen) < want and rest:
            pick = rng.choices(rest, weights=[KIND_WEIGHTS[k] for k, _ in rest])[0]
            rest.remove(pick)
            chosen.append(pick)
        return chosen


def _next_term_class(crng: random.Random, kind: str, sources: list[PlanCourse], weeks, first_week: int,
                     taken: dict) -> tuple | None:
    """(source class, sessions, days, start, end) of a next-term class of a topic: the first of its classes (in
    `sources` order) whose room is free all term at the class's slot, else at another of the room's slots for the
    kind; None when every class of the topic has its room taken then."""
    for source in sources:
        h = source.session_hours
        n = session_count(crng, kind, h)
        # its slot in its room, else another of the room's slots for the kind that is free all term
        slots = [(source.weekday, source.slot)]
        if source.venue_id is not None:
            others = [(d, s) for d, s in MEETS.get(kind, ANY_SLOT)
                      if SLOTS[s][1] >= h and (d, s) != (source.weekday, source.slot)]
            slots += crng.sample(others, len(others))
        for weekday, slot in slots:
            start, end = SLOTS[slot][0], plus_hours(SLOTS[slot][0], h)
            days = [m + datetime.timedelta(days=weekday) for m in weeks[first_week:first_week + n]]
            if source.venue_id is None or not any(a < end and start < b for day in days
                                                  for a, b in taken[(source.venue_id, source.room, day)]):
                return source, n, days, start, end
        # the room is taken at every slot: the topic's next class elsewhere
    return None
