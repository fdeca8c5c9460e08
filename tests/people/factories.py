"""Factories for people: accounts with one role, learners with a profile, made through the services (so the
audit rows and the role rules are the real ones). A test states its own world with them instead of looking up
the demo city's users; usernames and ID numbers are ones the demo city does not use."""

import datetime
import itertools

from learncity.core.scopes import forget_scope
from learncity.people import idcard
from learncity.people.models import LearnerProfile, User
from learncity.people.services import account_create, id_number_hash, learner_profile_create, user_create

_seq = itertools.count(1)


def root() -> User:
    """A superuser: the actor who sets a world up (every scope, every role grantable)."""
    user = user_create(actor=None, username=f"f-root-{next(_seq)}", password=None)
    user.is_superuser = user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    return user


def account_make(role: str, *, actor: User | None = None, place=None, institution=None, member_unit=None,
                 username: str | None = None) -> User:
    """A new account holding `role` over the place, institution or member unit given, granted by `actor` (a fresh
    superuser by default) through account_create."""
    ra = account_create(actor=actor or root(), username=username or f"f-{role}-{next(_seq)}", password="",
                        display_name="", role=role, place_code=place.code if place is not None else None,
                        institution_code=institution.code if institution is not None else None,
                        member_unit_id=member_unit.pk if member_unit is not None else None)
    forget_scope(ra.user)
    return User.objects.get(pk=ra.user_id)


def id_number_free(region: str, birth: datetime.date = datetime.date(1990, 5, 17)) -> str:
    """A valid resident ID number of the region (a place code's first six digits) no learner profile holds."""
    for seq in itertools.count(next(_seq) % 1000):
        number = idcard.make(region[:6], birth, seq % 1000)
        if not LearnerProfile.objects.filter(id_number_hash=id_number_hash(number)).exists():
            return number
    raise AssertionError  # unreachable: count() never ends


def learner_make(residence, *, actor: User | None = None, name: str = "测试学员", account: bool = True,
                 phone: str = "", groups: list[str] | None = None,
                 birth: datetime.date = datetime.date(1990, 5, 17)) -> LearnerProfile:
    """A resident of `residence` with a learner profile (and, by default, an account that registered itself)."""
    user = user_create(actor=None, username=f"f-learner-{next(_seq)}", password=None) if account else None
    profile = learner_profile_create(actor=user if account else (actor or root()), name=name,
                                     id_number=id_number_free(residence.code, birth), residence_code=residence.code,
                                     phone=phone, groups=groups, user=user)
    if user is not None:
        forget_scope(user)
    return profile
