"""Member units' reports: the office makes a form (its schema checked) and opens a round of it for its member units
and lower committees with a deadline; each unit fills its return (drafts may be partial), submits it, and the office
accepts it or returns it with a comment; the unit then corrects and resubmits. Every action is a ReturnEvent (from
and to state, who, why; a submission keeps its data) and an audit row in the same transaction.

    draft ──submit──▶ submitted ──accept──▶ accepted (never edited again)
      ▲                 │  ▲
    save                return  └──submit── returned ◀─┘ (save)

Lock: once the round's deadline has passed, a return never submitted (draft) takes no more saves or submissions
unless the office granted it an extension (`extended_until` later than now). A returned return stays open: the
office asked for the change. The daily sweep records the lock on the round (`rounds_lock`) and reminds the units
whose deadline is near (`reminders_send`, one e-mail per return and day, after the commit).
"""

import datetime
import hashlib
import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.evidence import evidence_checked
from learncity.core.scopes import Action, Capability, Role, scope_for
from learncity.governance import report_schema
from learncity.governance.inputs.reports import ExtensionIn, FormIn, ReportRoundIn, ReturnDecisionIn, ReturnIn
from learncity.governance.models import (
    ReportForm,
    ReportReturn,
    ReportRound,
    ReturnAction,
    ReturnAttachment,
    ReturnEvent,
    ReturnState,
)
from learncity.governance.services.feeds import return_accepted
from learncity.network.models import Committee, MemberUnit
from learncity.people.models import RoleAssignment

S = ReturnState
logger = logging.getLogger(__name__)
EDITABLE = (S.DRAFT, S.RETURNED)


# --- who may ------------------------------------------------------------------------------------------------------

def runs_office(actor, committee: Committee) -> bool:
    """Whether the actor runs the committee's office (its place's administrators)."""
    scope = scope_for(actor)
    return scope.may(Capability.GOVERN) and Committee.objects.restrict(scope, Action.CHANGE).filter(
        pk=committee.pk).exists()


def answers_for(actor, report_return: ReportReturn) -> bool:
    """Whether the actor fills the return in: a reporter of its member unit, or an official of its committee's
    area (a lower committee's own return)."""
    scope = scope_for(actor)
    if not scope.may(Capability.REPORT_PROGRESS):
        return False
    if scope.everything:
        return True
    if report_return.member_unit_id is not None:
        return report_return.member_unit_id in scope.grants(Action.CHANGE).member_unit_ids
    return ReportReturn.objects.unscoped("the return's own committee, checked against the actor's area").filter(
        Q(pk=report_return.pk) & scope.committees_q(Action.CHANGE, prefix="committee__", members=False)).exists()


def _readable(actor, report_return: ReportReturn) -> None:
    """A return the actor cannot read is answered as if it did not exist."""
    if not ReportReturn.objects.restrict(actor).filter(pk=report_return.pk).exists():
        raise NotFound()


def _as_unit(actor, report_return: ReportReturn) -> None:
    _readable(actor, report_return)
    if not answers_for(actor, report_return):
        raise PermissionDenied(gettext("只有报送单位可以填写本单位的报表"))


def _as_office(actor, report_return: ReportReturn) -> None:
    _readable(actor, report_return)
    if not runs_office(actor, report_return.round.committee):
        raise PermissionDenied(gettext("只有委员会办公室可以审核报表"))


def is_locked(report_return: ReportReturn, now: datetime.datetime) -> bool:
    """Whether the return takes no more answers now: never submitted, past the deadline, no extension beyond now."""
    if report_return.state != S.DRAFT or now <= report_return.round.deadline:
        return False
    return report_return.extended_until is None or report_return.extended_until < now


def _editable(report_return: ReportReturn, now: datetime.datetime) -> None:
    if report_return.state not in EDITABLE:
        raise DomainError({"state": gettext("报表当前为「%(state)s」，不能修改") % {
            "state": report_return.get_state_display()}}, code="transition_refused")
    if is_locked(report_return, now):
        raise DomainError({"state": gettext("报送已于 %(deadline)s 截止，逾期报送须经委员会办公室同意延期") % {
            "deadline": timezone.localtime(report_return.round.deadline).strftime("%Y-%m-%d %H:%M")}},
            code="locked")


def _locked_again(report_return: ReportReturn) -> ReportReturn:
    return ReportReturn.objects.unscoped("the return locked again after the actor's check").select_for_update() \
        .select_related("round__form", "round__committee").get(pk=report_return.pk)


def _event(report_return: ReportReturn, action: str, before: str, *, actor, comment: str = "", data=None,
           until=None) -> ReturnEvent:
    event = ReturnEvent.objects.create(report_return=report_return, action=action, from_state=before,
                                       to_state=report_return.state, actor=actor, comment=comment, data=data,
                                       until=until)
    audit_record(actor=actor, action=f"report.{action}", obj=report_return, from_state=before,
                 to_state=report_return.state, comment=comment, **({"until": until.isoformat()} if until else {}))
    return event


# --- the office's forms and rounds ---------------------------------------------------------------------------------

def form_create(*, actor, committee: Committee, data: FormIn) -> ReportForm:
    """A form of the committee's, its schema checked (report_schema.schema_check), its code unique there."""
    if not runs_office(actor, committee):
        raise PermissionDenied(gettext("只有委员会办公室可以制定报表"))
    report_schema.schema_check(data.schema_)
    try:
        with transaction.atomic():
            form = ReportForm.objects.create(committee=committee, code=data.code, title=data.title,
                                             schema=data.schema_, created_by=actor)
            audit_record(actor=actor, action="report.form_create", obj=form, code=data.code)
    except IntegrityError:
        raise DomainError({"code": gettext("本委员会已有代码为「%(code)s」的报表") % {"code": data.code}}) from None
    return form


def round_units(errors: dict, committee: Committee, data: ReportRoundIn) -> list:
    """The units a round asks: member units of the committee, committees of the places below its own."""
    found = list(MemberUnit.objects.unscoped("a unit of the office's own committee, checked by committee").filter(
        pk__in=data.member_unit_ids, committee=committee).order_by("id"))
    if missing := sorted(set(data.member_unit_ids) - {u.pk for u in found}):
        errors["member_unit_ids"] = gettext("这些单位不是本委员会的成员单位：%(ids)s") % {
            "ids": "、".join(map(str, missing))}
    lower = list(Committee.objects.unscoped("a committee below the office's, checked by its place").filter(
        pk__in=data.committee_ids, place__path__startswith=committee.place.path).exclude(pk=committee.pk)
        .order_by("id"))
    if missing := sorted(set(data.committee_ids) - {c.pk for c in lower}):
        errors["committee_ids"] = gettext("这些委员会不是本委员会的下级委员会：%(ids)s") % {
            "ids": "、".join(map(str, missing))}
    if not found and not lower and not missing:
        errors["member_unit_ids"] = gettext("请至少选择一个报送单位")
    return found + lower


def round_open(*, actor, data: ReportRoundIn, now: datetime.datetime | None = None) -> ReportRound:
    """A round of the office's form: one return per unit asked, each a draft."""
    now = now or timezone.now()
    form = ReportForm.objects.restrict(actor).select_related("committee__place").filter(pk=data.form_id).first()
    if form is None:
        raise NotFound()
    if not runs_office(actor, form.committee):
        raise PermissionDenied(gettext("只有委员会办公室可以发起报送"))
    errors = {}
    if data.period_end < data.period_start:
        errors["period_end"] = gettext("统计期止不能早于统计期起")
    # whole months: monitoring's figures for the period (the consolidated report) are counted by month
    if data.period_start.day != 1:
        errors["period_start"] = gettext("统计期须从某月1日开始（监测数据按月统计）")
    if (data.period_end + datetime.timedelta(days=1)).day != 1:
        errors["period_end"] = gettext("统计期须到某月最后一天结束（监测数据按月统计）")
    if data.deadline <= now:
        errors["deadline"] = gettext("截止时间须晚于现在")
    units = round_units(errors, form.committee, data)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        rnd = ReportRound.objects.create(committee=form.committee, form=form, title=data.title,
                                         period_start=data.period_start, period_end=data.period_end,
                                         deadline=data.deadline, remind_days=data.remind_days, opened_by=actor)
        ReportReturn.objects.bulk_create([ReportReturn(round=rnd, **{
            "member_unit" if isinstance(u, MemberUnit) else "committee": u}) for u in units])
        audit_record(actor=actor, action="report.round_open", obj=rnd, form=form.pk, units=len(units),
                     deadline=data.deadline.isoformat())
    return rnd


# --- the unit's return ---------------------------------------------------------------------------------------------

def _attachment_counts(report_return: ReportReturn) -> dict[str, int]:
    counts: dict[str, int] = {}
    for field in ReturnAttachment.objects.unscoped("the return's own files, read by its checked writer").filter(
            report_return=report_return).values_list("field", flat=True):
        counts[field] = counts.get(field, 0) + 1
    return counts


def return_save(*, actor, report_return: ReportReturn, data: ReturnIn,
                now: datetime.datetime | None = None) -> ReportReturn:
    """The unit's draft: any part of the answers, each well-formed and in range (nothing required yet)."""
    now = now or timezone.now()
    _as_unit(actor, report_return)
    _editable(report_return, now)
    cleaned = report_schema.answers_check(report_return.round.form.schema, data.data, complete=False)
    with transaction.atomic():
        report_return = _locked_again(report_return)
        _editable(report_return, now)
        report_return.data = cleaned
        report_return.save(update_fields=["data", "updated_at"])
        _event(report_return, ReturnAction.SAVE, report_return.state, actor=actor)
    return report_return


def return_submit(*, actor, report_return: ReportReturn, data: ReturnIn | None = None,
                  now: datetime.datetime | None = None) -> ReportReturn:
    """The unit submits its return (the answers given, or those saved): complete and by the form's rules, before
    the deadline or an extension's end; a returned one is resubmitted."""
    now = now or timezone.now()
    _as_unit(actor, report_return)
    _editable(report_return, now)
    answers = data.data if data is not None else report_return.data
    cleaned = report_schema.answers_check(report_return.round.form.schema, answers, complete=True,
                                         attachments=_attachment_counts(report_return))
    with transaction.atomic():
        report_return = _locked_again(report_return)
        _editable(report_return, now)
        before = report_return.state
        report_return.data = cleaned
        report_return.state = S.SUBMITTED
        report_return.submitted_at = now
        report_return.first_submitted_at = report_return.first_submitted_at or now
        report_return.save(update_fields=["data", "state", "submitted_at", "first_submitted_at", "updated_at"])
        _event(report_return, ReturnAction.SUBMIT, before, actor=actor, data=cleaned)
    return report_return


def return_decide(*, actor, report_return: ReportReturn, data: ReturnDecisionIn,
                  now: datetime.datetime | None = None) -> ReportReturn:
    """The office accepts a submitted return, or returns it for changes with what to change."""
    now = now or timezone.now()
    _as_office(actor, report_return)
    if not data.accept and not data.comment:
        raise DomainError({"comment": gettext("退回修改时请写明需要修改的内容")})
    with transaction.atomic():
        report_return = _locked_again(report_return)
        if report_return.state != S.SUBMITTED:
            raise DomainError({"state": gettext("报表当前为「%(state)s」，只有已报送的报表可以审核") % {
                "state": report_return.get_state_display()}}, code="transition_refused")
        before = report_return.state
        report_return.state = S.ACCEPTED if data.accept else S.RETURNED
        report_return.comment = data.comment
        fields = ["state", "comment", "updated_at"]
        if data.accept:
            report_return.accepted_at = now
            fields.append("accepted_at")
        report_return.save(update_fields=fields)
        _event(report_return, ReturnAction.ACCEPT if data.accept else ReturnAction.RETURN, before, actor=actor,
               comment=data.comment)
        if data.accept:
            return_accepted(report_return, actor=actor)  # the form's feeds into monitoring, or nothing
    return report_return


def extension_grant(*, actor, report_return: ReportReturn, data: ExtensionIn,
                    now: datetime.datetime | None = None) -> ReportReturn:
    """The office lets one return (not yet submitted) be submitted until a later time, for a reason."""
    now = now or timezone.now()
    _as_office(actor, report_return)
    errors = {}
    if not data.reason:
        errors["reason"] = gettext("请说明延期的原因")
    if data.until <= now or data.until <= report_return.round.deadline:
        errors["until"] = gettext("延期须晚于现在和截止时间 %(deadline)s") % {
            "deadline": timezone.localtime(report_return.round.deadline).strftime("%Y-%m-%d %H:%M")}
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        report_return = _locked_again(report_return)
        if report_return.state not in EDITABLE:
            raise DomainError({"state": gettext("报表当前为「%(state)s」，不需要延期") % {
                "state": report_return.get_state_display()}}, code="transition_refused")
        report_return.extended_until = data.until
        report_return.save(update_fields=["extended_until", "updated_at"])
        _event(report_return, ReturnAction.EXTEND, report_return.state, actor=actor, comment=data.reason,
               until=data.until)
    return report_return


# --- attachments ---------------------------------------------------------------------------------------------------

def attachment_add(*, actor, report_return: ReportReturn, field: str, files: list[tuple[str, bytes]],
                   now: datetime.datetime | None = None) -> list[ReturnAttachment]:
    """Files for one of the form's attachment fields, while the return can be edited (PDF, JPEG, PNG; as many as
    the field takes)."""
    now = now or timezone.now()
    _as_unit(actor, report_return)
    _editable(report_return, now)
    spec = report_schema.field_index(report_return.round.form.schema).get(field)
    if spec is None or spec["type"] != "attachments":
        raise DomainError({"field": gettext("本报表没有附件项「%(field)s」") % {"field": field[:48]}})
    errors: dict = {}
    checked = evidence_checked(errors, list(files), required=gettext("请选择文件"), key=field)
    limit = spec.get("max_files", 5)
    if not errors and _attachment_counts(report_return).get(field, 0) + len(checked) > limit:
        errors[field] = gettext("「%(label)s」最多 %(n)s 份文件") % {"label": spec["label"], "n": limit}
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        report_return = _locked_again(report_return)
        _editable(report_return, now)
        rows = [ReturnAttachment.objects.create(
            report_return=report_return, field=field, name=name, size=len(content), content_type=mime,
            sha256=hashlib.sha256(content).hexdigest(), content=content) for name, mime, content in checked]
        audit_record(actor=actor, action="report.attachment_add", obj=report_return, field=field,
                     files=[r.name for r in rows])
    return rows


def attachment_remove(*, actor, attachment: ReturnAttachment, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    report_return = attachment.report_return
    _as_unit(actor, report_return)
    _editable(report_return, now)
    with transaction.atomic():
        _editable(_locked_again(report_return), now)
        audit_record(actor=actor, action="report.attachment_remove", obj=report_return, field=attachment.field,
                     name=attachment.name, sha256=attachment.sha256)
        attachment.delete()


# --- the system's sweep --------------------------------------------------------------------------------------------

def rounds_lock(*, now: datetime.datetime | None = None) -> int:
    """Record the lock of every round whose deadline has passed (once); how many were locked now."""
    now = now or timezone.now()
    locked = 0
    due = ReportRound.objects.unscoped("the system's sweep over every committee's rounds").filter(
        locked_at__isnull=True, deadline__lt=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            rnd = ReportRound.objects.unscoped("the round locked for the sweep").select_for_update().get(pk=pk)
            if rnd.locked_at is None:
                rnd.locked_at = now
                rnd.save(update_fields=["locked_at"])
                late = ReportReturn.objects.unscoped("the round's returns, counted by the sweep").filter(
                    round=rnd, state=S.DRAFT).count()
                audit_record(actor=None, action="report.round_lock", obj=rnd, late=late)
                locked += 1
    return locked


def _recipients(report_return: ReportReturn) -> list[str]:
    """Who is reminded: the member unit's reporters, or the administrators of a lower committee's place."""
    if report_return.member_unit_id is not None:
        roles = Q(role=Role.MEMBER_UNIT_REPORTER, member_unit_id=report_return.member_unit_id)
    else:
        roles = Q(role__in=list(Capability.GOVERN.roles), place_id=report_return.committee.place_id)
    emails = RoleAssignment.objects.unscoped("the sweep's recipients of a unit's reminder").filter(roles).exclude(
        user__email="").filter(user__is_active=True).values_list("user__email", flat=True)
    return sorted(set(emails))


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind every unit whose return of an open round is still a draft or returned, when the deadline is within
    the round's remind_days: a REMIND event and one e-mail to its people, once per return and local day (the mail
    goes after the commit; the event keeps the day and the addresses). How many returns were reminded now."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()  # the reminder's day, kept on its event (its `at` is the clock's)
    candidates = ReportReturn.objects.unscoped("the system's sweep over every open round's returns").filter(
        state__in=EDITABLE, round__locked_at__isnull=True, round__deadline__gt=now).exclude(
        events__action=ReturnAction.REMIND, events__data__day=day).select_related(
        "round__form", "member_unit", "committee__place")
    sent = 0
    for report_return in list(candidates):
        rnd = report_return.round
        if rnd.deadline - datetime.timedelta(days=rnd.remind_days) > now:
            continue
        with transaction.atomic():
            again = _locked_again(report_return)
            if again.state not in EDITABLE or ReturnEvent.objects.unscoped("today's reminder, checked once").filter(
                    report_return=again, action=ReturnAction.REMIND, data__day=day).exists():
                continue
            to = _recipients(report_return)
            _event(again, ReturnAction.REMIND, again.state, actor=None, data={"day": day, "to": to})
            transaction.on_commit(lambda r=report_return, to=to: _remind_mail(r, to))
            sent += 1
    return sent


def _remind_mail(report_return: ReportReturn, to: list[str]) -> None:
    if not to:
        return
    rnd = report_return.round
    deadline = timezone.localtime(rnd.deadline).strftime("%Y-%m-%d %H:%M")
    subject = gettext("【报送提醒】%(title)s 将于 %(deadline)s 截止") % {"title": rnd.title, "deadline": deadline}
    body = gettext("%(unit)s：\n\n%(title)s（%(form)s）将于 %(deadline)s 截止，贵单位的报表当前为「%(state)s」，"
                   "请及时填写并报送。\n") % {"unit": report_return.unit, "title": rnd.title, "form": rnd.form.title,
                                          "deadline": deadline, "state": report_return.get_state_display()}
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except (OSError, smtplib.SMTPException) as exc:  # the reminder is recorded; a mail server down stops nothing
        logger.warning("reminder for return %s not sent: %s", report_return.pk, exc)
