import datetime

from django.contrib.auth import SESSION_KEY, update_session_auth_hash
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.pagination import paginate

from learncity.core.api_patch import patch_apply
from learncity.core.errors import NotFound
from learncity.people import selectors, services
from learncity.people.inputs import ApiTokenInput

router = Router(tags=["people"])


class ProfileOut(Schema):
    id: int
    name: str
    id_number: str
    birth_date: datetime.date
    sex: str
    phone: str
    residence_code: str
    residence_name: str
    groups: list[str]

    @staticmethod
    def resolve_id_number(obj):
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj):
        return obj.phone[:3] + "****" + obj.phone[-4:] if obj.phone else ""

    @staticmethod
    def resolve_residence_code(obj):
        return obj.residence.code

    @staticmethod
    def resolve_residence_name(obj):
        return obj.residence.name

    @staticmethod
    def resolve_groups(obj):
        return [g.code for g in obj.groups.all()]


class ProfileIn(Schema):
    name: str
    id_number: str
    residence_code: str
    phone: str = ""
    groups: list[str] = []


class ProfilePatch(Schema):
    """A field left out stays as it is; null is refused (422)."""

    name: str = None
    phone: str = None
    residence_code: str = None
    groups: list[str] = None


class RevealOut(Schema):
    id_number: str


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    expires_at: datetime.datetime | None
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class ApiTokenCreatedOut(ApiTokenOut):
    token: str


@router.get("/profiles", response=list[ProfileOut])
@paginate
def profile_list(request, place: str | None = None, q: str | None = None):
    return selectors.profile_list(actor=request.auth, place_code=place, q=q).prefetch_related("groups")


@router.post("/profiles", response={201: ProfileOut})
def profile_create(request, payload: ProfileIn):
    return services.learner_profile_create(actor=request.auth, **payload.dict())


@router.get("/profiles/me", response=ProfileOut)
def profile_me(request):
    p = selectors.profile_of(request.auth)
    if p is None:
        raise NotFound(gettext("您还没有学习者档案"))
    return p


@router.post("/profiles/me/reveal", response=RevealOut)
def profile_me_reveal(request):
    p = selectors.profile_of(request.auth)
    if p is None:
        raise NotFound(gettext("您还没有学习者档案"))
    return RevealOut(id_number=services.learner_profile_reveal(actor=request.auth, profile=p))


@router.get("/profiles/{pk}", response=ProfileOut)
def profile_get(request, pk: int):
    return selectors.profile_get(actor=request.auth, pk=pk)


@router.patch("/profiles/{pk}", response=ProfileOut)
def profile_update(request, pk: int, payload: ProfilePatch):
    return patch_apply(request, payload, get=selectors.profile_get, update=services.learner_profile_update,
                       target="profile", pk=pk)


@router.get("/tokens", response=list[ApiTokenOut])
def token_list(request):
    return list(selectors.api_token_list(actor=request.auth))


@router.post("/tokens", response={201: ApiTokenCreatedOut})
def token_create(request, payload: ApiTokenInput):
    row, token = services.api_token_create(actor=request.auth, name=payload.name, days=payload.days)
    out = ApiTokenOut.from_orm(row).dict()
    return {**out, "token": token}


@router.delete("/tokens/{pk}", response=ApiTokenOut)
def token_revoke(request, pk: int):
    row = selectors.api_token_list(actor=request.auth).filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return services.api_token_revoke(actor=request.auth, token=row)


# --- passwords ---------------------------------------------------------------------------------------------------

class PasswordChangeIn(Schema):
    current_password: str
    new_password: str


class PasswordResetIn(Schema):
    new_password: str | None = None  # left out or empty: a temporary password is made and returned once


class PasswordOut(Schema):
    username: str
    must_change_password: bool
    temporary_password: str | None = None  # a reset's temporary password, shown this once


@router.post("/me/password", response=PasswordOut)
def password_change(request, payload: PasswordChangeIn):
    """One's own new password, given the current one (wrong guesses count towards the sign-in lock-out: 429)."""
    user = services.password_change(actor=request.auth, request=request, current_password=payload.current_password,
                                    new_password=payload.new_password)
    if request.session.get(SESSION_KEY) == str(user.pk):
        update_session_auth_hash(request, user)  # a signed-in session's own call keeps its session
    return PasswordOut(username=user.username, must_change_password=user.must_change_password)


@router.post("/users/{pk}/password", response=PasswordOut)
def password_reset(request, pk: int, payload: PasswordResetIn):
    """An administrator resets the password of staff in their scope; they must change it at their next sign-in."""
    target = selectors.account_user_get(actor=request.auth, pk=pk)
    user, temporary = services.password_reset(actor=request.auth, user=target, new_password=payload.new_password)
    return PasswordOut(username=user.username, must_change_password=user.must_change_password,
                       temporary_password=temporary)
