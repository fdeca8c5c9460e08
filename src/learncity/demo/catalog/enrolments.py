"""The demo catalog's enrollments, attendance and completions, with their learning records."""

import datetime
import math
from decimal import Decimal

from learncity.catalog.models import (
    Attendance,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    Mode,
)
from learncity.core.bulk import next_ids
from learncity.records.models import LearningRecord, RecordKind, RecordSource

from .plan import COMPLETION_SHARE, ENROLLED_COUNT, RECORD_COLUMNS, SCORED_KINDS, SIGN_UP_TIMES, SLOTS, TERMS


class Enrolments:
    """The enrollments (a part of the build: see build.CatalogBuild)."""

    def _enrollments(self):
        plan, total = self._enrolment_plan()
        # Sessions get their ids, and the courses go in with their enrolled_count already right.
        session_ids = iter(next_ids(CourseSession, len(self.session_rows)))
        for c in self.courses:
            c.sessions = [(next(session_ids), day, online) for _, day, online in c.sessions]
        for row, (_, live_ids, _, _) in zip(self.course_rows, plan, strict=True):
            row[ENROLLED_COUNT] = len(live_ids)
        sids = (sid for c in self.courses for sid, _, _ in c.sessions)
        self._courses_insert(self.course_rows, self.group_links, self.textbook_links, self.teacher_links,
                             ((sid, *row) for sid, row in zip(sids, self.session_rows, strict=True)))
        self.session_rows = self.course_rows = None

        enrollments, attendance, completions = [], [], []
        enrollment_ids = iter(next_ids(Enrollment, total))
        for done, (c, live_ids, wait_ids, cancel_ids) in enumerate(plan, start=1):
            self._enrol_live(c, live_ids, enrollment_ids, enrollments, attendance, completions)
            self._enrol_others(c, wait_ids, cancel_ids, enrollment_ids, enrollments)
            if done % 500 == 0 and done < len(plan):
                self.progress("报名与出勤", done, len(plan))
        self._insert("enrollments", Enrollment, ("id", "course_id", "learner_id", "status", "waitlist_position",
                                                 "created_at", "updated_at", "completed_hours", "score"), enrollments)
        attendance.sort(key=lambda row: row[0])  # by session: the indexes fill in order
        attendance_ids = next_ids(Attendance, len(attendance))
        self._insert("attendance", Attendance, ("id", "session_id", "enrollment_id", "method", "at", "recorded_by_id"),
                     ((aid, *row[:4], None) for aid, row in zip(attendance_ids, attendance, strict=True)))
        self._records(completions)
        self._attendance_records(attendance_ids, attendance)
        self.progress("报名与出勤", len(plan), len(plan))

    def _enrolment_plan(self) -> tuple[list[tuple], int]:
        """([(course, live learners, waitlisted, cancelled)], how many in all): each course's demand by its
        popularity, scaled so the catalog sees about target_enrollments in all."""
        rng = self.rng
        last_term = len(TERMS) - 1
        popularity = [rng.uniform(0.35, 1.2) for _ in self.courses]
        seats = sum(min(c.capacity, c.capacity * p) for c, p in zip(self.courses, popularity, strict=True)) or 1
        scale = min(1.0, self.target_enrollments / seats) if self.all_ids else 0.0
        plan, total = [], 0
        for c, pop in zip(self.courses, popularity, strict=True):
            demand = c.capacity * pop * scale
            live, overflow = min(c.capacity, round(demand)), 0
            if self.all_ids and c.term == last_term and rng.random() < 0.05:  # a popular class with a waitlist
                live, overflow = c.capacity, rng.randint(1, 6)
            elif demand > c.capacity:
                overflow = min(8, round(demand - c.capacity))
            cancelled = sum(1 for _ in range(live) if rng.random() < 0.05)
            need = live + overflow + cancelled
            if need == 0:
                plan.append((c, [], [], []))
                continue
            pool = self._pool(c.groups, "" if c.mode == Mode.ONLINE else c.inst.district, need)
            picked = rng.sample(pool, min(need, len(pool)))
            live_ids, rest = picked[:live], picked[live:]
            wait_ids = rest[:overflow] if len(live_ids) == c.capacity else []
            plan.append((c, live_ids, wait_ids, rest[len(wait_ids):]))
            total += len(picked)
        return plan, total

    def _enrol_live(self, c, live_ids, enrollment_ids, enrollments: list, attendance: list,
                    completions: list) -> None:
        """The course's live learners: their enrollments, their attendance at its past sessions, and in a closed
        term a completion (with its learning record) for who came to enough of them."""
        rng = self.rng
        random = rng.random
        term_start = self.term_weeks[c.term][0]
        closed = c.term < len(TERMS) - 1
        past = [s for s in c.sessions if s[1] < self.today]
        start = SLOTS[c.slot][0]
        signed_in = {sid: [self.dt(day, start, m) for m in (-10, -5, 0, 3)] for sid, day, _ in past}
        need_sessions = math.ceil(COMPLETION_SHARE * len(c.sessions))
        for learner in live_ids:
            eid = next(enrollment_ids)
            created = self.dt(term_start - datetime.timedelta(days=rng.randint(3, 30)), rng.choice(SIGN_UP_TIMES))
            diligence = rng.uniform(0.7, 1.0) if rng.random() < 0.75 else rng.uniform(0.2, 0.7)
            attended = [s for s in past if random() < diligence]
            for sid, _, online in attended:
                r = random()  # one draw for how and when they signed in: 300,000 rows
                method = Attendance.Method.QR if online or r < 0.6 else Attendance.Method.STAFF
                attendance.append((sid, eid, method, signed_in[sid][int(r * 40) % 4], learner, c))
            status, hours, score, updated = EnrollmentStatus.ENROLLED, None, None, created
            if closed and len(attended) >= need_sessions:
                status = EnrollmentStatus.COMPLETED
                hours = Decimal(str(c.session_hours)) * len(attended)
                if c.kind in SCORED_KINDS or rng.random() < 0.25:
                    score = Decimal(rng.randint(600, 1000)) / 10
                last_day = c.sessions[-1][1]
                updated = self.dt(last_day, datetime.time(20))
                completions.append((learner, c.inst.id, RecordKind.COMPLETION, c.kind, c.id, None, None, c.title,
                                    hours, score, last_day, f"demo-completion-{eid}", updated))
            enrollments.append((eid, c.id, learner, status, None, created, updated, hours, score))

    def _enrol_others(self, c, wait_ids, cancel_ids, enrollment_ids, enrollments: list) -> None:
        """The course's waitlist (cancelled once its term is over) and the enrollments cancelled."""
        rng = self.rng
        term_start = self.term_weeks[c.term][0]
        closed = c.term < len(TERMS) - 1
        for position, learner in enumerate(wait_ids, start=1):
            eid = next(enrollment_ids)
            created = self.dt(term_start - datetime.timedelta(days=rng.randint(0, 5)), rng.choice(SIGN_UP_TIMES))
            if closed:  # the term is over: who never got a seat was taken off the list
                enrollments.append((eid, c.id, learner, EnrollmentStatus.CANCELLED, None, created, created,
                                    None, None))
            else:
                enrollments.append((eid, c.id, learner, EnrollmentStatus.WAITLISTED, position, created, created,
                                    None, None))
        for learner in cancel_ids:
            eid = next(enrollment_ids)
            created = self.dt(term_start - datetime.timedelta(days=rng.randint(10, 30)), datetime.time(10))
            cancelled = self.dt(term_start - datetime.timedelta(days=rng.randint(0, 9)), datetime.time(16))
            enrollments.append((eid, c.id, learner, EnrollmentStatus.CANCELLED, None, created, cancelled, None,
                                None))

    def _attendance_records(self, attendance_ids, attendance) -> None:
        """Each attendance's learning record, as the check-in service makes it (see the module's docstring)."""
        day_of = {sid: day for c in self.courses for sid, day, _ in c.sessions}
        hours_of = {c.id: Decimal(str(c.session_hours)).quantize(Decimal("0.1")) for c in self.courses}
        rows = ((learner, c.inst.id, RecordKind.ATTENDANCE, c.kind, c.id, sid, c.title, hours_of[c.id], day_of[sid],
                 f"attendance-{aid}", at)
                for aid, (sid, _, _, at, learner, c) in zip(attendance_ids, attendance, strict=True))
        ids = next_ids(LearningRecord, len(attendance))
        self._insert("learning_records", LearningRecord,
                     RECORD_COLUMNS,
                     ((rid, learner, provider, kind, ck, course, session, None, None, title[:200], hours, None, day,
                       RecordSource.DEMO, ext, created, None)
                      for rid, (learner, provider, kind, ck, course, session, title, hours, day, ext, created)
                      in zip(ids, rows, strict=True)))
