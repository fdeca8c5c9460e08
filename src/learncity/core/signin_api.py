"""The API's answer to a locked-out sign-in: 429 with the error body every refusal has, when to try again, and a
`Retry-After` header. Any route that takes a token or a key may answer it."""

import datetime

from ninja import Schema

from learncity.core.signin import SigninLocked


class SigninLockedOut(Schema):
    code: str  # "signin_locked"
    detail: str  # says until when, in the request's language
    errors: dict[str, list[str]]
    retry_after: int  # seconds, as in the Retry-After header
    locked_until: datetime.datetime


def signin_locked_response(api, request, exc: SigninLocked):
    body = SigninLockedOut(code=exc.code, detail=exc.message, errors=exc.errors, retry_after=exc.retry_after,
                           locked_until=exc.until)
    response = api.create_response(request, body.model_dump(mode="json"), status=exc.status)
    response["Retry-After"] = str(exc.retry_after)
    return response
