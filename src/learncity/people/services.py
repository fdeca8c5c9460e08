"""Writes to people: users, learner profiles, role assignments and API tokens."""

import datetime
import re
import secrets

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core import crypto
from learncity.core.audit import audit_record
from learncity.core.credentials import digest
from learncity.core.errors import DomainError, PermissionDenied
from learncity.core.inputs import parse
from learncity.core.scopes import ROLE_PLACE_LEVELS, Action, Capability, Role, forget_scope, scope_for
from learncity.core.signin import SigninLocked, signin_attempts_reset, signin_locked_until
from learncity.network.models import Institution, MemberUnit
from learncity.people import idcard
from learncity.people.inputs import ApiTokenInput
from learncity.people.models import (
    ApiToken,
    LearnerGroup,
    LearnerProfile,
    RoleAssignment,
    User,
)
from learncity.places.models import Place
from learncity.places.selectors import place_referenced

ID_CONTEXT = "resident_id"
NAME_RE = re.compile(r"^[\u3400-\u9fff\u00b7·A-Za-z][\u3400-\u9fff\u00b7·A-Za-z .'-]{0,62}[\u3400-\u9fff·A-Za-z.]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,150}$")


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise DomainError({"name": gettext("姓名「%(name)s」不正确：应为 2–64 个汉字或字母") % {"name": name}})
    return name


def validate_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if phone and not MOBILE_RE.match(phone):
        raise DomainError({"phone": gettext("手机号码「%(phone)s」不正确：应为 11 位，以 1 开头") % {"phone": phone}})
    return phone


def id_number_hash(number: str) -> str:
    return crypto.lookup_hash(number, context=ID_CONTEXT)


def _residence(code: str, *, field: str = "residence_code") -> Place:
    return place_referenced(code, field=field,
                            what=gettext("居住地区划代码") if field == "residence_code" else gettext("区划代码"))


def _groups(actor, codes) -> list[LearnerGroup]:
    codes = list(dict.fromkeys(codes or []))
    found = list(LearnerGroup.objects.restrict(actor, Action.VIEW).filter(code__in=codes))
    unknown = set(codes) - {g.code for g in found}
    if unknown:
        raise DomainError({"groups": gettext("未知的群体：") + gettext("、").join(sorted(unknown))})
    return found


def learner_profile_create(*, actor, name: str, id_number: str, residence_code: str, phone: str = "",
                           groups: list[str] | None = None, user: User | None = None) -> LearnerProfile:
    """Register a resident. Staff may register residents of their scope; a signed-in user may register themself."""
    residence = _residence(residence_code)
    scope = scope_for(actor)
    registering_self = user is not None and actor is not None and user.pk == actor.pk
    if not registering_self and not scope.can_manage_people_at(residence.path):
        raise PermissionDenied()
    rid = idcard.parse(id_number)
    name, phone = validate_name(name), validate_phone(phone)
    group_rows = _groups(actor, groups)
    if user is not None and (LearnerProfile.objects.unscoped("one profile per user, whoever sees it")
                              .filter(user=user).exists()):
        raise DomainError({"user": gettext("该用户已有学习者档案")})
    digest = id_number_hash(rid.number)
    if LearnerProfile.objects.unscoped("an ID number is registered once in the whole city").filter(
            id_number_hash=digest).exists():
        raise DomainError({"id_number": gettext("该身份证号码已登记")})
    try:
        with transaction.atomic():
            profile = LearnerProfile.objects.create(
                user=user, name=name, phone=phone, residence=residence,
                id_number_encrypted=crypto.encrypt(rid.number, context=ID_CONTEXT), id_number_hash=digest,
                id_number_masked=rid.masked, birth_date=rid.birth_date, sex=rid.sex,
            )
            profile.groups.set(group_rows)
            if user is not None:
                RoleAssignment.objects.unscoped("the learner role of one's own profile, had or not").get_or_create(
                    user=user, role=Role.LEARNER)
                forget_scope(user)
            audit_record(actor=actor, action="profile.create", obj=profile, residence=residence.code)
    except IntegrityError:
        raise DomainError({"id_number": gettext("该身份证号码已登记")}) from None
    return profile


def learner_profile_update(*, actor, profile: LearnerProfile, name: str | None = None, phone: str | None = None,
                           residence_code: str | None = None, groups: list[str] | None = None) -> LearnerProfile:
    scope = scope_for(actor)
    if not LearnerProfile.objects.restrict(scope, Action.CHANGE).filter(pk=profile.pk).exists():
        raise PermissionDenied()
    changed = {}
    with transaction.atomic():
        p = (LearnerProfile.objects.unscoped("the row is locked after the caller's check above")
             .select_for_update().get(pk=profile.pk))
        if name is not None:
            p.name = validate_name(name)
            changed["name"] = True
        if phone is not None:
            p.phone = validate_phone(phone)
            changed["phone"] = True
        if residence_code is not None:
            residence = _residence(residence_code)
            if p.user_id != getattr(actor, "pk", None) and not scope.can_manage_people_at(residence.path):
                raise PermissionDenied(gettext("您无权把居住地改为「%(name)s」") % {"name": residence.name})
            p.residence = residence
            changed["residence"] = residence.code
        if groups is not None:
            p.groups.set(_groups(actor, groups))
            changed["groups"] = sorted(groups)
        p.save()
        audit_record(actor=actor, action="profile.update", obj=p, changed=changed)
    return p


def learner_profile_reveal(*, actor, profile: LearnerProfile) -> str:
    """The unmasked ID number: for its owner only, and every reveal writes an audit row."""
    if actor is None or profile.user_id is None or profile.user_id != actor.pk:
        raise PermissionDenied(gettext("身份证号码只对本人完整显示 (shown unmasked to its owner only)"))
    number = crypto.decrypt(profile.id_number_encrypted, context=ID_CONTEXT)
    audit_record(actor=actor, action="pii.view", obj=profile, field="id_number")
    return number


# --- users and roles ----------------------------------------------------------------------------------


def user_create(*, actor, username: str, password: str | None, display_name: str = "") -> User:
    if actor is not None and not scope_for(actor).may(Capability.MANAGE_ACCOUNTS):
        raise PermissionDenied()
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise DomainError({"username": gettext("用户名「%(username)s」只能由字母、数字和 _ . @ - 组成，3–150 位") % {"username": username}})
    if User.objects.unscoped("a username is unique over every account").filter(username__iexact=username).exists():
        raise DomainError({"username": gettext("用户名「%(username)s」已被使用") % {"username": username}})
    user = User(username=username, display_name=display_name.strip())
    if password:
        _password_validate(password, user, field="password")
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action="user.create", obj=user, username=username)
    return user


def roles_grantable(*, actor) -> list[Role]:
    """The roles the actor may grant somewhere in their scope, in Role's order: what the back office offers. The
    same rule role_grant enforces (a role offered here may still be refused for a place outside the scope)."""
    return scope_for(actor).roles_grantable()


def role_grant(*, actor, user: User, role: str, place_code: str | None = None, institution=None,
               member_unit=None) -> RoleAssignment:
    try:
        role = Role(role)
    except ValueError:
        raise DomainError({"role": gettext("未知的角色「%(role)s」") % {"role": role}}) from None
    place = _residence(place_code, field="place_code") if place_code else None
    if not scope_for(actor).may_grant(role, place=place, institution=institution, member_unit=member_unit):
        raise PermissionDenied()
    if place is not None and ROLE_PLACE_LEVELS.get(role, place.level) != place.level:
        raise DomainError({"place": gettext("区县管理员的范围必须是区县，「%(name)s」不是") % {"name": place.name}})
    try:
        with transaction.atomic():
            ra, created = RoleAssignment.objects.unscoped("the same grant, whoever made it, is not made twice").get_or_create(
                user=user, role=role, place=place, institution=institution, member_unit=member_unit,
                defaults={"granted_by": actor if getattr(actor, "is_authenticated", False) else None},
            )
            if created:
                audit_record(actor=actor, action="role.grant", obj=ra, user=user.username, role=role)
    except IntegrityError:
        raise DomainError({"role": gettext("角色与其范围不匹配（例如机构工作人员必须指定机构）")}) from None
    forget_scope(user)
    return ra


def role_revocable(*, actor, assignment: RoleAssignment) -> bool:
    """Whether the actor may revoke the assignment: whoever may grant that role there (the confirmation page asks
    the same, so a reader who may not revoke is refused before being asked to confirm)."""
    return scope_for(actor).may_grant(Role(assignment.role), place=assignment.place,
                                      institution=assignment.institution, member_unit=assignment.member_unit)


def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    if not role_revocable(actor=actor, assignment=assignment):
        raise PermissionDenied()
    with transaction.atomic():
        audit_record(actor=actor, action="role.revoke", obj=assignment, user=assignment.user.username,
                     role=assignment.role)
        assignment.delete()


# --- API tokens -------------------------------------------------------------------------------------

TOKEN_PREFIX = "lc_"


def api_token_create(*, actor, name: str, days: int | None = 365) -> tuple[ApiToken, str]:
    """A personal token for the acting user. Returns (row, token): the token is shown only this once. Not while
    they must change a password an administrator reset: a token would outlive the password it was made with."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied()
    data = parse(ApiTokenInput, {"name": name or "", "days": days})
    name, days = data.name, data.days
    prefix = secrets.token_hex(5)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires = timezone.now() + datetime.timedelta(days=days) if days else None
    with transaction.atomic():
        # On the account's row, locked: a reset (which locks it too) either comes first and is seen here, or comes
        # after and revokes this token with the others.
        if (User.objects.restrict(actor, Action.CHANGE).select_for_update().filter(pk=actor.pk)
                .values_list("must_change_password", flat=True).get()):
            raise PermissionDenied(gettext("请先修改管理员为您重置的密码，再创建 API 令牌 (change the password an administrator reset before creating an API token)"))
        row = ApiToken.objects.create(user=actor, name=name, prefix=prefix, token_hash=digest(token),
                                      expires_at=expires)
        audit_record(actor=actor, action="token.create", obj=row, name=name)
    return row, token


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if actor is None or (token.user_id != actor.pk and not actor.is_superuser):
        raise PermissionDenied()
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="token.revoke", obj=token)
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The user behind a bearer token, or None for an unknown, revoked or expired one."""
    row = ApiToken.presented(raw, TOKEN_PREFIX, "user")
    now = timezone.now()
    if row is None or row.status(now) != "active" or not row.user.is_active:
        return None
    row.use_record(now)
    return row.user


def account_create(*, actor, username: str, password: str, display_name: str, role: str,
                   place_code: str | None = None, institution_code: str | None = None,
                   member_unit_id: int | str | None = None) -> RoleAssignment:
    """A new sign-in with its one role and scope, all or nothing: the back office's "new account"."""
    # The institution or member unit named, by its public name, before the scope check (role_grant's: outside the
    # scope is refused, 403; a name that does not exist is an input error).
    institution = member_unit = None
    if institution_code:
        institution = (Institution.objects.restrict(actor, Action.BROWSE).select_related("place")
                       .filter(code=institution_code.strip()).first())
        if institution is None:
            raise DomainError({"institution_code": gettext("未知的机构代码「%(institution_code)s」") % {"institution_code": institution_code}})
    if member_unit_id:
        if not str(member_unit_id).strip().isdigit():
            raise DomainError({"member_unit_id": gettext("成员单位编号「%(member_unit_id)s」应为数字") % {"member_unit_id": member_unit_id}})
        member_unit = (MemberUnit.objects.restrict(actor, Action.BROWSE).select_related("committee__place")
                       .filter(pk=int(member_unit_id)).first())
        if member_unit is None:
            raise DomainError({"member_unit_id": gettext("未知的成员单位「%(member_unit_id)s」") % {"member_unit_id": member_unit_id}})
    with transaction.atomic():
        user = user_create(actor=actor, username=username, password=password, display_name=display_name)
        return role_grant(actor=actor, user=user, role=role, place_code=place_code or None,
                          institution=institution, member_unit=member_unit)


# --- passwords --------------------------------------------------------------------------------------

# Letters and digits that cannot be mistaken for one another when read out or copied from the screen.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
TEMPORARY_LENGTH = 12


def _password_validate(password: str, user: User, *, field: str) -> None:
    """AUTH_PASSWORD_VALIDATORS, each failure a message on `field`."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError({field: list(exc.messages)}) from None


def _temporary_password(user: User) -> str:
    while True:
        password = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


def password_change(*, actor, request, current_password: str, new_password: str) -> User:
    """The signed-in user's own new password, given the current one. The current password is checked through
    `authenticate` with the request, so wrong guesses count towards the sign-in lock-out like any sign-in; while the
    account is locked from this address the change is refused (SigninLocked)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    errors = {}
    if not current_password:
        errors["current_password"] = gettext("请输入当前密码")
    if not new_password:
        errors["new_password"] = gettext("请输入新密码")
    if errors:
        raise DomainError(errors)
    # Outside any transaction: a wrong guess and its audit row are written even though the change is refused.
    checked = authenticate(request, username=actor.get_username(), password=current_password)
    if getattr(request, "axes_locked_out", False):
        raise SigninLocked(signin_locked_until(request, {"username": actor.get_username()}))
    if checked is None or checked.pk != actor.pk:
        raise DomainError({"current_password": gettext("当前密码不正确")})
    if new_password == current_password:
        raise DomainError({"new_password": gettext("新密码不能与当前密码相同")})
    _password_validate(new_password, actor, field="new_password")
    with transaction.atomic():
        user = User.objects.restrict(actor, Action.CHANGE).select_for_update().get(pk=actor.pk)
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit_record(actor=actor, action="user.password.change", obj=user, username=user.username)
    return user


def password_resettable(*, actor, user: User) -> bool:
    """Whether the actor may reset the user's password: administrators (who manage accounts in places) may, for
    staff whose every role they could grant themselves and whose own learner profile, if any, lives in their scope;
    never for a superuser or a Django-admin user, nor for themselves (they change theirs)."""
    scope = scope_for(actor)
    if not (scope.everything or scope.change.people_paths) or user.pk == getattr(actor, "pk", None):
        return False
    if user.is_superuser or user.is_staff:
        return False
    # Every role the account holds and its profile wherever it lives, whether or not the actor sees them: each one
    # outside the actor's reach refuses (so these two reads are not restricted).
    roles = [ra for ra in user.role_assignments.select_related("place", "institution__place",
                                                               "member_unit__committee__place")
             if ra.role != Role.LEARNER]
    if not roles or not all(scope.may_grant(Role(ra.role), place=ra.place, institution=ra.institution,
                                            member_unit=ra.member_unit) for ra in roles):
        return False
    profile = (LearnerProfile.objects.unscoped("the account's profile wherever it lives: outside the reach refuses")
               .filter(user=user).select_related("residence").first())
    return profile is None or scope.can_manage_people_at(profile.residence.path)


def password_reset(*, actor, user: User, new_password: str | None = None) -> tuple[User, str | None]:
    """An administrator sets a staff member's password: the one typed, or a temporary one made here and returned to
    be shown once (None when it was typed). Either way its holder must choose their own at the next sign-in; their
    other sessions end (Django checks the password's hash on every request), their personal API tokens are revoked
    (a reset is what an administrator does for an account that may be in someone else's hands, and a token made by
    that someone would outlive the new password), and their failed sign-ins are forgotten, so a lock-out they called
    about lifts.

    Whether the actor may is decided on the account's row locked: `user` may be stale (made staff or superuser
    since it was read), and a role granted meanwhile waits for the lock (on PostgreSQL the new assignment's foreign
    key takes a share of it) or has committed before it is taken and is seen."""
    refused = PermissionDenied(gettext("您无权重置该用户的密码 (you may not reset this user's password)"))
    if not password_resettable(actor=actor, user=user):
        raise refused
    typed = (new_password or "") != ""
    password = new_password if typed else _temporary_password(user)
    if typed:
        _password_validate(password, user, field="new_password")
    with transaction.atomic():
        locked = User.objects.restrict(actor, Action.CHANGE).select_for_update().filter(pk=user.pk).first()
        if locked is None or not password_resettable(actor=actor, user=locked):
            raise refused
        locked.set_password(password)
        locked.must_change_password = True
        locked.save(update_fields=["password", "must_change_password"])
        revoked = (ApiToken.objects.unscoped("every live token of the account whose password is reset, its holder's")
                   .filter(user=locked, revoked_at__isnull=True).update(revoked_at=timezone.now()))
        audit_record(actor=actor, action="user.password.reset", obj=locked, username=locked.username,
                     generated=not typed, tokens_revoked=revoked)
        signin_attempts_reset(username=locked.username)
    return locked, None if typed else password
