"""Reads of people, always scoped to the acting user. ID numbers come out masked."""

from django.db.models import QuerySet
from django.utils.translation import gettext

from learncity.core.errors import NotFound
from learncity.core.scopes import Action
from learncity.people.models import ApiToken, LearnerProfile, RoleAssignment, User
from learncity.people.services import id_number_hash
from learncity.places.models import Place


def profile_list(*, actor, action: Action = Action.VIEW, place_code: str | None = None,
                 q: str | None = None) -> QuerySet[LearnerProfile]:
    qs = LearnerProfile.objects.restrict(actor, action)
    if place_code:
        place = Place.objects.restrict(actor, Action.BROWSE).filter(code=place_code).only("path").first()
        qs = qs.filter(residence__path__startswith=place.path) if place else qs.none()
    if q:
        q = q.strip()
        if len(q) == 18:  # an ID number: found through its keyed hash, never by scanning plaintext
            qs = qs.filter(id_number_hash=id_number_hash(q.upper()))
        else:
            qs = qs.filter(name__startswith=q)
    return qs.select_related("residence").order_by("id")


def profile_get(*, actor, pk: int, action: Action = Action.VIEW) -> LearnerProfile:
    p = profile_list(actor=actor, action=action).filter(pk=pk).prefetch_related("groups").first()
    if p is None:
        raise NotFound(gettext("未找到该学习者，或您无权查看 (not found)"))
    return p


def profile_of(user) -> LearnerProfile | None:
    """The user's learner profile with their residence and groups; it (or its absence) is remembered on the user,
    so `user.learner_profile` (the scope reads it) asks nothing more in this request. Not restricted: the row is
    the user's own by its filter, and restricting would work out the scope, which reads this very row."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = (LearnerProfile.objects.unscoped("the user's own, read to work out their scope")
               .filter(user=user).select_related("residence").prefetch_related("groups").first())
    LearnerProfile.user.field.remote_field.set_cached_value(user, profile)
    return profile


def role_assignment_list(*, actor, user: User | None = None,
                         action: Action = Action.VIEW) -> QuerySet[RoleAssignment]:
    """Role assignments the actor may see: their own, and those inside the places whose people they manage."""
    qs = (RoleAssignment.objects.restrict(actor, action)
          .select_related("user", "place", "institution__place", "member_unit__committee__place"))
    if user is not None:
        qs = qs.filter(user=user)
    return qs.order_by("user__username", "role")


def api_token_list(*, actor) -> QuerySet[ApiToken]:
    """The actor's own tokens (a superuser's too: theirs, not everyone's)."""
    return ApiToken.objects.restrict(actor, Action.VIEW).filter(user=actor).order_by("-created_at")


def account_user_get(*, actor, pk) -> User:
    """A user who holds a role the actor sees on the accounts page (or the actor); anyone else is not found."""
    users = User.objects.restrict(actor, Action.VIEW).filter(role_assignments__isnull=False)  # account holders
    user = users.filter(pk=pk).first() if str(pk).isdigit() else None
    if user is None:
        raise NotFound(gettext("未找到该账号，或您无权查看 (not found)"))
    return user
