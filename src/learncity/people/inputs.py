"""People's input schemas (core.inputs): one per command, shared by the API, the page form and the service."""

from django.utils.translation import gettext
from pydantic import model_validator

from learncity.core.errors import DomainError
from learncity.core.inputs import Input

TOKEN_NAME_MAX, TOKEN_DAYS_MAX = 64, 3650


class ApiTokenInput(Input):
    """A personal API token: its name (1–64 characters) and how many days it lasts (1–3650; None: no expiry)."""

    name: str
    days: int | None = 365

    @model_validator(mode="after")
    def _check(self) -> "ApiTokenInput":
        errors = {}
        if not self.name or len(self.name) > TOKEN_NAME_MAX:
            errors["name"] = gettext("令牌名称不能为空，且不超过 64 个字")
        if self.days is not None and not 1 <= self.days <= TOKEN_DAYS_MAX:
            errors["days"] = gettext("有效天数应在 1–3650 之间")
        if errors:
            raise DomainError(errors)  # pydantic lets it through as it is: a 400 with these messages
        return self
