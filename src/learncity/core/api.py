from ninja import Router, Schema

from learncity.core.scopes import ROLE_LABELS, scope_for

router = Router(tags=["me"])


class RoleOut(Schema):
    role: str
    label: str
    place: str | None
    institution: str | None
    member_unit: str | None


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[RoleOut]


@router.get("/me", response=MeOut)
def me(request):
    user = request.auth
    scope_for(user)
    roles = [
        RoleOut(role=ra.role, label=str(ROLE_LABELS.get(ra.role, ra.role)),
                place=ra.place.code if ra.place else None,
                institution=ra.institution.code if ra.institution else None,
                member_unit=ra.member_unit.name if ra.member_unit else None)
        for ra in user.role_assignments.select_related("place", "institution", "member_unit")
    ]
    return MeOut(username=user.username, display_name=user.display_name, roles=roles)
