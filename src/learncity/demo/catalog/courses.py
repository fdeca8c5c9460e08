"""The demo catalog's textbooks, experts, teachers and courses with their weekly sessions."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from learncity.catalog.models import (
    Course,
    CourseSession,
    CourseState,
    Mode,
)
from learncity.core.bulk import next_ids
from learncity.pools.models import Expert, ExpertKind, Teacher, TeacherKind, Textbook

from .. import catalog_names as words
from .base import BuildBase
from .plan import (
    ANY_SLOT,
    COURSE_COLUMNS,
    KIND_WEIGHTS,
    MEETS,
    ONLINE_KINDS,
    ONLINE_PROVIDERS,
    PROVIDERS,
    SESSION_HOURS,
    SLOTS,
    TERM_SHARE,
    TERMS,
    WEEKS,
    PlanCourse,
    PlanInst,
    isbn13,
    plus_hours,
    session_count,
    term_weeks,
    title_suffix,
)


class Courses:
    """The pools and the courses (a part of the build: see build.CatalogBuild)."""

    def _textbooks(self):
        rng = self.rng
        topics = [t for entries in words.COURSE_TOPICS.values() for t, _, _ in entries]
        ids = iter(next_ids(Textbook, 2 * len(topics)))
        rows, self.textbooks_of = [], {}
        for title in topics:
            base = title.split("（")[0].split("：")[-1]
            self.textbooks_of[title] = []
            for series in rng.sample(words.TEXTBOOK_SERIES, rng.randint(1, 2)):
                tid = next(ids)
                publisher, prefix = rng.choice(words.PUBLISHERS)
                authors = "、".join(self.person() for _ in range(rng.randint(1, 3))) + " 主编"
                rows.append((tid, series.format(topic=base), authors, publisher, isbn13(prefix, rng), base[:64]))
                self.textbooks_of[title].append(tid)
        self._insert("textbooks", Textbook, ("id", "title", "authors", "publisher", "isbn", "topic"), rows)

    def _experts(self):
        rng = self.rng
        count = max(20, min(80, 20 + 3 * len(self.districts)))
        orgs = [i.name for role in ("university", "open_university", "community_university", "vocational_school")
                for i in self.by_role.get(role, [])]
        orgs += [o.format(city=self.city.name, province=self.province) for o in words.EXPERT_ORGS]
        kinds = [ExpertKind.CONSULTANCY, ExpertKind.GUIDANCE, ExpertKind.REVIEWER]
        rows = [(eid, self.person(), rng.choices(kinds, weights=[3, 4, 3])[0],
                 "、".join(rng.sample(words.EXPERT_FIELDS, rng.randint(1, 3))), rng.choice(orgs), self.city.id, None)
                for eid in next_ids(Expert, count)]
        self._insert("experts", Expert, ("id", "name", "kind", "specialities", "organisation", "city_id", "user_id"),
                     rows)

    # courses and their sessions -----------------------------------------------------------------------------

    def _providers(self, kind: str):
        """(role weights, [(institutions, their weights)]) of a course kind, among the roles the city has."""
        weights, members = [], []
        for role, w in PROVIDERS[kind].items():
            base, _, rural = role.partition(":")
            found = self.by_role.get(base, [])
            if rural:
                found = [i for i in found if i.rural] or found
            if found:
                weights.append(w)
                members.append((found, [3 if i.district == "" else 1 for i in found]))  # city-level teach more
        return (weights, members) if weights else ([1], [([self.top], [1])])

    def _courses(self):
        providers = {k: self._providers(k) for k in KIND_WEIGHTS}
        plan, terms = self._course_plan()
        self.term_weeks = [term_weeks(start) for _, start in TERMS]
        occupied: set[tuple] = set()
        teachers = TeacherPool(self)
        self.courses: list[PlanCourse] = []
        self.course_rows, self.group_links, self.textbook_links, self.session_rows = [], [], [], []
        created = self.dt(TERMS[0][1] - datetime.timedelta(days=45), datetime.time(9))
        for seq, ((kind, (title, groups, room_hint)), term, cid) in enumerate(
                zip(plan, terms, next_ids(Course, len(plan)), strict=True), start=1):
            course, suffix, n = self._course_make(cid, providers[kind], kind, title, groups, term)
            code = f"DEMO{self.city.code[:4]}-{TERMS[term][0][:4]}{'S' if term % 2 == 0 else 'A'}-{seq:05d}"
            self._course_sessions(course, code, n, occupied, room_hint)
            self.courses.append(course)
            self.course_rows.append(self._course_row(course, code, suffix, n, created))
            self.group_links += [(cid, self.groups[g]) for g in groups if g in self.groups]
            self.textbook_links += [(cid, tb) for tb in self.textbooks_of[title][:self.rng.randint(0, 2)]]
            teachers.assign(cid, kind, title, course.inst)
            if seq % 500 == 0 and seq < len(plan):
                self.progress("课程", seq, len(plan))
        self.teacher_links = teachers.flush()
        self.progress("课程", len(plan), len(plan))

    def _course_plan(self) -> tuple[list, list[int]]:
        """([(kind, topic entry)], [term]) of every course to make."""
        rng = self.rng
        kinds = list(KIND_WEIGHTS)
        # Every topic once, so any city shows them all; then more by the kinds' weights.
        plan = [(k, entry) for k in kinds for entry in words.COURSE_TOPICS[k]]
        while len(plan) < self.n_courses:
            k = rng.choices(kinds, weights=[KIND_WEIGHTS[x] for x in kinds])[0]
            plan.append((k, rng.choice(words.COURSE_TOPICS[k])))
        rng.shuffle(plan)
        terms = [t for t, share in enumerate(TERM_SHARE) for _ in range(round(share * len(plan)))]
        terms = (terms + [len(TERMS) - 1] * len(plan))[:len(plan)]
        rng.shuffle(terms)
        # The topics added for English searches (yoga, Python, spoken English …) run this term in any city.
        current = {title for entries in words.MORE_COURSE_TOPICS.values() for title, _, _ in entries}
        terms = [len(TERMS) - 1 if title in current else t for (_, (title, _, _)), t in zip(plan, terms, strict=True)]
        return plan, terms

    def _course_make(self, cid: int, providers, kind: str, title: str, groups, term: int):
        """(course, its title's suffix, its number of sessions): who offers it, how, for how long, for how many."""
        rng = self.rng
        weights, members = providers
        found, inst_weights = members[rng.choices(range(len(weights)), weights=weights)[0]]
        inst = rng.choices(found, weights=inst_weights)[0]
        suffix = title_suffix(title, rng.choice(words.TITLE_SUFFIXES[kind]))
        mode = Mode.OFFLINE
        if inst.role in ONLINE_PROVIDERS and kind in ONLINE_KINDS:
            r = rng.random()
            mode = Mode.ONLINE if r < 0.35 else Mode.BLENDED if r < 0.55 else Mode.OFFLINE
        h = rng.choice(SESSION_HOURS.get(kind, [1.5, 2.0]))
        n = session_count(rng, kind, h)
        if mode == Mode.ONLINE:
            capacity = rng.choice([40, 50, 60])
        elif inst.role == "learning_room":
            capacity = rng.randint(20, 30)
        else:
            capacity = rng.randint(20, 60)
        course = PlanCourse(cid, inst, kind, f"{title}{suffix}"[:128], term, mode, capacity, h, groups, topic=title)
        return course, suffix, n

    def _course_sessions(self, course: PlanCourse, code: str, n: int, occupied: set, room_hint: str) -> None:
        """The course's weekly sessions: one weekly slot of one room for the whole term, so no two sessions in a
        room can overlap."""
        rng, h = self.rng, course.session_hours
        if course.mode == Mode.ONLINE:
            venue_id, room = None, ""
            weekday, course.slot = rng.choice([(d, s) for d, s in ANY_SLOT if SLOTS[s][1] >= h])
        else:
            inst = course.inst
            venue_id = (self.venue_of.get(inst.id) or self.station_of_place.get(inst.place_id)
                        or self.venue_of[self.college_of.get(inst.district, self.top).id])
            room, weekday, course.slot = self._book(occupied, venue_id, course.term, course.kind, h, room_hint)
        course.venue_id, course.room, course.weekday = venue_id, room, weekday
        start = SLOTS[course.slot][0]
        start_db, end_db = self.adapt_time(start), self.adapt_time(plus_hours(start, h))
        url = f"https://learn.example.org/live/{code}" if course.mode != Mode.OFFLINE else ""
        first_week = rng.randint(0, min(3, WEEKS - n))
        for monday in self.term_weeks[course.term][first_week:first_week + n]:
            day = monday + datetime.timedelta(days=weekday)
            course.sessions.append((0, day, course.mode == Mode.ONLINE))
            self.session_rows.append((course.id, day, start_db, end_db, venue_id, room, url))

    def _course_row(self, course: PlanCourse, code: str, suffix: str, n: int, created) -> list:
        """The course's row, in COURSE_COLUMNS' order (its enrolled_count filled in once its learners are known)."""
        rng, kind, inst, term = self.rng, course.kind, course.inst, course.term
        hours = Decimal(str(course.session_hours)) * n
        state = CourseState.CLOSED if term < len(TERMS) - 1 else CourseState.PUBLISHED
        return [course.id, inst.id, code, course.title,
                self._description(course.topic, course.groups, TERMS[term][0], n, hours, inst), kind, course.mode,
                rng.choice(words.LEVELS[kind]) if kind in words.LEVELS else "", hours,
                self._fee(kind, inst.role), course.capacity, state, rng.random() < 0.08,
                TERMS[term][0], "", 0, created, created,
                words.title_en(course.topic, suffix)[:160], words.TOPIC_TAGS.get(course.topic, ""),
                *self._enrolment_window(term, course.sessions)]

    def _description(self, title: str, groups, term_code: str, n: int, hours: Decimal, inst: PlanInst) -> str:
        audience = "、".join(self.group_names.get(g, g) for g in groups) or "全体市民"
        return (f"{title}。面向{audience}，{term_code}学期开课，每周一次，共{n}次课、{hours}学时。"
                f"由{inst.name}开设。（演示数据）")

    def _courses_insert(self, course_rows, group_links, textbook_links, teacher_links, sessions) -> None:
        """Insert courses, their target groups, textbooks and teachers, and their sessions ((id, *row) each)."""
        self._insert("courses", Course, COURSE_COLUMNS, course_rows)
        self._link(Course.target_groups.through, ("course_id", "learnergroup_id"), group_links)
        self._link(Course.textbooks.through, ("course_id", "textbook_id"), textbook_links)
        self._link(Course.teachers.through, ("course_id", "teacher_id"), teacher_links)
        self._insert("sessions", CourseSession, ("id", "course_id", "date", "start", "end", "venue_id", "room",
                                                 "online_url"), sessions)

    def _enrolment_window(self, term: int, sessions: list) -> tuple:
        """(enrol_opens, enrol_closes, late_enrolment) of a course. The current term's courses: about a third
        take sign-ups in a window, from three weeks before the first session to the day before the second; the
        first course of the term whose sessions run past the demo's today takes late enrolment (its provider's
        say-so: learners may join although its sessions have mostly passed). An rng of its own, so the rest of the
        demo stays as it was."""
        if not hasattr(self, "_window_rng"):
            self._window_rng, self._late_given = random.Random(f"{self.city.code}:enrolment-windows"), False
        if term != len(TERMS) - 1 or len(sessions) < 2:
            return None, None, False
        first, second, last = sessions[0][1], sessions[1][1], sessions[-1][1]
        if not self._late_given and first < self.today and last > self.today + datetime.timedelta(weeks=6):
            self._late_given = True
            return None, None, True
        if self._window_rng.random() < 0.35:
            return first - datetime.timedelta(days=21), second - datetime.timedelta(days=1), False
        return None, None, False

    def _book(self, occupied: set, venue_id: int, term: int, kind: str, h: float, room_hint: str):
        """A free (room, weekday, slot) of the venue for the term; a new classroom when every one is taken."""
        rng = self.rng
        rooms = self.rooms[venue_id]
        ordered = rng.sample(rooms, len(rooms))
        if room_hint in rooms:
            ordered.remove(room_hint)
            ordered.insert(0, room_hint)
        slots = [(d, s) for d, s in MEETS.get(kind, ANY_SLOT) if SLOTS[s][1] >= h]
        slots = rng.sample(slots, len(slots))
        for room in ordered:
            for d, s in slots:
                if (venue_id, room, term, d, s) not in occupied:
                    occupied.add((venue_id, room, term, d, s))
                    return room, d, s
        room = f"{100 + len(rooms) + 1}教室"
        rooms.append(room)
        d, s = slots[0]
        occupied.add((venue_id, room, term, d, s))
        return room, d, s

    def _fee(self, kind: str, role: str, rng: random.Random | None = None) -> Decimal:
        """Mostly free; some vocational, professional, academic and elderly-university classes charge."""
        rng = rng or self.rng
        r = rng.random()
        if kind == "vocational" and (r < 0.4 or (role == "enterprise_training" and r < 0.6)):
            return Decimal(rng.choice([380, 480, 680, 880, 1200, 1800]))
        if kind == "professional" and r < 0.3:
            return Decimal(rng.choice([120, 200, 300, 600]))
        if kind == "academic" and r < 0.5:
            return Decimal(rng.choice([600, 800, 1200]))
        if kind == "elderly" and r < 0.15:
            return Decimal(rng.choice([100, 150, 200]))
        return Decimal("0")

class TeacherPool:
    """Teachers made as the courses need them: a course takes one or two teachers of its kind from those already
    teaching at its institution, or one who teaches the kind elsewhere (up to three institutions), or a new one."""

    def __init__(self, build: BuildBase):
        self.b, self.rng = build, build.rng
        self.rows: list[list] = []  # [name, kind, specialities set, institutions list]
        self.at: dict[tuple[int, str], list[int]] = defaultdict(list)  # (institution, course kind) -> teachers
        self.of_kind: dict[str, list[int]] = defaultdict(list)
        self.links: list[tuple[int, int]] = []  # (course, teacher index)

    def assign(self, course_id: int, kind: str, topic: str, inst: PlanInst) -> None:
        rng = self.rng
        chosen: list[int] = []
        for _ in range(1 if rng.random() < 0.8 else 2):
            here = [t for t in self.at[(inst.id, kind)] if t not in chosen]
            if here and rng.random() < 0.85:
                t = rng.choice(here)
            else:
                elsewhere = [t for t in self.of_kind[kind]
                             if t not in chosen and len(self.rows[t][3]) < 3 and inst.id not in self.rows[t][3]]
                if elsewhere and rng.random() < 0.5:
                    t = rng.choice(elsewhere)
                else:
                    t = len(self.rows)
                    teacher_kind = rng.choices([TeacherKind.FULL_TIME, TeacherKind.PART_TIME, TeacherKind.VOLUNTEER],
                                               weights=[3, 5, 2])[0]
                    self.rows.append([self.b.person(), teacher_kind, [], []])
                    self.of_kind[kind].append(t)
                self.rows[t][3].append(inst.id)
                self.at[(inst.id, kind)].append(t)
            base = topic.split("（")[0].split("：")[-1]
            if base not in self.rows[t][2] and len(self.rows[t][2]) < 4:
                self.rows[t][2].append(base)
            chosen.append(t)
            self.links.append((course_id, t))

    def flush(self) -> list[tuple[int, int]]:
        """Insert the teachers and their institutions; return the (course, teacher id) links."""
        ids = next_ids(Teacher, len(self.rows))
        rows = []
        for tid, (name, kind, specialities, _) in zip(ids, self.rows, strict=True):
            if self.rng.random() < 0.3:
                specialities = [*specialities, self.rng.choice(words.TEACHER_SPECIALITY_EXTRA)]
            rows.append((tid, name, kind, "、".join(specialities)[:200], None))
        self.b._insert("teachers", Teacher, ("id", "name", "kind", "specialities", "user_id"), rows)
        self.b._link(Teacher.institutions.through, ("teacher_id", "institution_id"),
                     [(ids[t], inst) for t, row in enumerate(self.rows) for inst in row[3]])
        return [(course, ids[t]) for course, t in self.links]
