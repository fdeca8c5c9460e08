"""Learning accounts: opened at the first record, by the learner, or in bulk by an institution."""


from django.db import transaction
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Action
from learncity.creditbank.models import (
    LearningAccount,
    OpenedVia,
)
from learncity.creditbank.services.common import _manages
from learncity.network.models import Institution
from learncity.people import idcard
from learncity.people.models import LearnerProfile
from learncity.people.services import id_number_hash


def account_open(*, actor, learner: LearnerProfile, via: str = OpenedVia.SELF,
                 institution: Institution | None = None) -> tuple[LearningAccount, bool]:
    """The learner's account, opened now if it does not exist yet; (account, opened)."""
    if via not in OpenedVia.values:
        raise DomainError({"via": gettext("未知的开户方式「%(via)s」") % {"via": via}})
    existing = LearningAccount.objects.unscoped("an account is the learner's one, whoever opens it (the caller checked who may)").filter(learner=learner).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        account, created = LearningAccount.objects.unscoped("an account is the learner's one, whoever opens it (the caller checked who may)").get_or_create(
            learner=learner, defaults={"opened_via": via, "opened_for": institution,
                                       "opened_by": actor if getattr(actor, "is_authenticated", False) else None})
        if created:
            audit_record(actor=actor, action="learning_account.open", obj=account, via=via)
    return account, created


def _own_profile(actor) -> LearnerProfile | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return LearnerProfile.objects.restrict(actor, Action.CHANGE).filter(user=actor).first()


def account_open_own(*, actor) -> LearningAccount:
    profile = _own_profile(actor)
    if profile is None:
        raise DomainError({"learner": gettext("您还没有学习者档案，无法开设学习账户")}, code="no_profile")
    return account_open(actor=actor, learner=profile, via=OpenedVia.SELF)[0]


def _row(row: int) -> str:
    """Where a row's error is shown: its row in the file."""
    return gettext("第%(row)s行") % {"row": row}


def accounts_open_bulk(*, actor, institution_code: str, people: list[tuple[str, str]]) -> dict:
    """An institution or employer opens accounts for a list of (ID number, name) — or (row, ID number, name) from a
    file — all or nothing. Every row must name a registered resident whose name matches; the report says how many
    were opened or existed."""
    institution = Institution.objects.restrict(actor, Action.BROWSE).filter(code=institution_code).first()
    if institution is None:
        raise NotFound(gettext("未找到机构「%(institution_code)s」") % {"institution_code": institution_code})
    if not _manages(actor, institution):
        raise PermissionDenied(gettext("只能为本机构批量开户"))
    if not people:
        raise DomainError({"file": gettext("名单为空：至少需要一行（身份证号码, 姓名）")})
    errors, hashes, seen = {}, [], {}
    numbered = [(item[0], item[1], item[2]) if len(item) == 3 else (n, item[0], item[1])
                for n, item in enumerate(people, 2)]  # (row, ID number, name): a file gives its own row numbers
    for row, id_number, name in numbered:
        try:
            number = idcard.parse(id_number).number
        except DomainError as exc:
            errors[_row(row)] = " ".join(m for v in exc.errors.values() for m in v)
            continue
        digest = id_number_hash(number)
        if digest in seen:
            errors[_row(row)] = gettext("与第%(v)s行重复") % {"v": seen[digest]}
            continue
        seen[digest] = row
        hashes.append((row, digest, (name or "").strip()))
    found = LearnerProfile.objects.unscoped("residents named by their ID number, anywhere in the city: one message "
                                            "whoever is missing").filter(id_number_hash__in=[h for _, h, _ in hashes])
    profiles = {p.id_number_hash: p for p in found}
    for row, digest, name in hashes:
        p = profiles.get(digest)
        if p is None or (name and p.name != name):  # one message: the page must not tell who is a resident
            errors[_row(row)] = gettext("身份证号码与姓名不符，或不是登记的居民")
    if errors:
        raise DomainError(errors)
    opened = existed = 0
    with transaction.atomic():
        for _, digest, _ in hashes:
            _, created = account_open(actor=actor, learner=profiles[digest], via=OpenedVia.BULK, institution=institution)
            opened += created
            existed += not created
        audit_record(actor=actor, action="learning_account.open_bulk", obj=institution, opened=opened, existed=existed)
    return {"opened": opened, "existed": existed}
