"""The PATCH routes' one body: the object as the actor may change it, updated with the fields the request sent."""

from learncity.core.scopes import Action


def patch_apply(request, payload, *, get, update, target: str, **lookup):
    """`get(actor=…, action=Action.CHANGE, **lookup)` finds the object (outside the actor's reach it is not found),
    then `update(actor=…, <target>=object, **fields)` changes the fields present in `payload` and no others."""
    obj = get(actor=request.auth, action=Action.CHANGE, **lookup)
    return update(actor=request.auth, **{target: obj}, **payload.model_dump(exclude_unset=True))
