"""The demo city's member-unit reports (成员单位季度报送), built through the governance services as the people who
would do each step, at the times they would (the services take `now`): the office makes the quarterly form the
project ships and opens three rounds of the demo's year for the reporter's member unit and the districts'
committees (a district's officials fill in their committee's return; the city's office answers for the districts
with no official of their own in the demo):

- Q1 (deadline 15 April): every return in on time and accepted, but one district's, late: the office grants it an
  extension after the deadline, it comes in within it and is accepted;
- Q2 (deadline 15 July): the reporter's return is sent back (经费来源 to be itemised), resubmitted and accepted; one
  district never submits (late, locked by the sweep); the others accepted;
- Q3 (deadline 10 November, after the demo's today): open; one district accepted, one submitted and waiting, the
  reporter's unit with a saved draft (its to-do in the service hall), the rest still to come.

The sweep's lock (`rounds_lock` as of the demo's today) is recorded on Q1 and Q2. Figures come from the given rng."""

import datetime
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from learncity.governance import selectors
from learncity.governance.inputs.reports import ExtensionIn, FormIn, ReportRoundIn, ReturnDecisionIn, ReturnIn
from learncity.governance.models import ReportReturn
from learncity.governance.services import reports
from learncity.people.models import User

QUARTERLY = Path(reports.__file__).resolve().parents[1] / "forms" / "quarterly.json"
ROUNDS = (("第一季度", (1, 1), (3, 31), (4, 1), (4, 15)), ("第二季度", (4, 1), (6, 30), (7, 1), (7, 15)),
          ("第三季度", (7, 1), (9, 30), (10, 1), (11, 10)))


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def _answers(rng: random.Random) -> dict:
    budget, own, social = (Decimal(rng.randint(50, 900)) / 10 for _ in range(3))
    participants = rng.randint(300, 5000)
    return {"courses": str(rng.randint(2, 40)), "activities": str(rng.randint(1, 12)),
            "participants": str(participants), "staff_trained": str(rng.randint(0, participants // 3)),
            "funds_total": str(budget + own + social),
            "funds_by_source": {"budget": {"amount": str(budget)}, "unit_own": {"amount": str(own)},
                                "social": {"amount": str(social)}},
            "summary": rng.choice(["本季度组织开展社区教育课程和学习活动，参与人次稳步增长。",
                                   "围绕年度工作要点推进各项任务，按时完成季度目标。",
                                   "结合部门职能开展职工继续教育和全民学习活动。"])}


@dataclass
class Desk:
    """Who does what, when: the office, the reporter, and each lower committee's official (or the office)."""

    office: User
    reporter: User
    filler: dict[int, User]
    year: int
    rng: random.Random

    def who(self, ret: ReportReturn) -> User:
        return self.reporter if ret.member_unit_id else self.filler.get(ret.committee_id, self.office)

    def submit(self, ret: ReportReturn, day: tuple) -> ReportReturn:
        return reports.return_submit(actor=self.who(ret), report_return=ret, now=_at(self.year, *day),
                                     data=ReturnIn(data=_answers(self.rng)))

    def decide(self, ret: ReportReturn, day: tuple, comment: str = "") -> ReportReturn:
        return reports.return_decide(actor=self.office, report_return=ret, now=_at(self.year, *day, 16),
                                     data=ReturnDecisionIn(accept=not comment, comment=comment))


def _fillers(office: User, users: dict[str, User], lower: list) -> dict[int, User]:
    filler = {}
    for role in ("district_admin", "district_admin_2"):
        place = users[role].role_assignments.values_list("place_id", flat=True).first()
        filler |= {c.pk: users[role] for c in lower if c.place_id == place}
    return filler


def build_reports(office: User, users: dict[str, User], committee, today: datetime.date,
                  rng: random.Random) -> dict[str, int]:
    """The quarterly form and the year's three rounds as of `today`. Returns the counts."""
    document = json.loads(QUARTERLY.read_text(encoding="utf-8"))
    year = today.year
    form = reports.form_create(actor=office, committee=committee, data=FormIn(**document))
    reporter = users["reporter"]
    unit = reporter.role_assignments.filter(member_unit__committee=committee).values_list(
        "member_unit_id", flat=True).first()
    lower = [c for c in selectors.units_assignable(actor=office, committee=committee)["committees"]
             if c.pk != committee.pk]
    desk = Desk(office, reporter, _fillers(office, users, lower), year, rng)
    rounds = [reports.round_open(actor=office, now=_at(year, *opened, 9), data=ReportRoundIn(
        form_id=form.pk, title=f"{year}年{title}", period_start=datetime.date(year, *start),
        period_end=datetime.date(year, *end), deadline=_at(year, *deadline, 18),
        member_unit_ids=[unit] if unit else [], committee_ids=[c.pk for c in lower]))
        for title, start, end, opened, deadline in ROUNDS]
    q1, q2, q3 = (list(selectors.report_round_returns(actor=office, rnd=r)) for r in rounds)
    _q1(desk, q1)
    _q2(desk, q2)
    _q3(desk, q3)
    reports.rounds_lock(now=_at(year, today.month, today.day, 1))
    return {"report_rounds": len(rounds), "report_returns": len(q1) + len(q2) + len(q3)}


def _q1(desk: Desk, returns: list[ReportReturn]) -> None:
    """On time and accepted, but one district late: extended after the deadline, in within it, accepted."""
    late = returns[3] if len(returns) > 3 else returns[-1]
    for ret in returns:
        if ret is not late:
            desk.decide(desk.submit(ret, (4, 8 + len(ret.unit.name) % 6)), (4, 16))
    late = reports.extension_grant(actor=desk.office, report_return=late, now=_at(desk.year, 4, 16, 9), data=ExtensionIn(
        until=_at(desk.year, 4, 20, 18), reason="区机构调整，填报人员变动，经申请同意延期至4月20日"))
    desk.decide(desk.submit(late, (4, 18)), (4, 21))


def _q2(desk: Desk, returns: list[ReportReturn]) -> None:
    """The reporter's return sent back, resubmitted, accepted; one district never in; the others accepted."""
    never = returns[4] if len(returns) > 4 else None
    for ret in returns:
        if ret is never:
            continue
        ret = desk.submit(ret, (7, 12))
        if ret.member_unit_id:
            ret = desk.submit(desk.decide(ret, (7, 13), "经费来源请按财政预算、单位自筹、社会投入分列"), (7, 14))
        desk.decide(ret, (7, 16))


def _q3(desk: Desk, returns: list[ReportReturn]) -> None:
    """Open: the reporter's draft saved, one district accepted, one waiting, the rest to come."""
    for i, ret in enumerate(returns):
        if ret.member_unit_id:
            reports.return_save(actor=desk.reporter, report_return=ret, now=_at(desk.year, 10, 25), data=ReturnIn(
                data={"courses": str(desk.rng.randint(2, 40)), "summary": "（草稿）"}))
        elif i == 1:
            desk.decide(desk.submit(ret, (10, 20)), (10, 22))
        elif i == 2:
            desk.submit(ret, (10, 28))
