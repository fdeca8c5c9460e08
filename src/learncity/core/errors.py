"""Domain errors that carry *what* is wrong and *where*, for pages, API and imports alike."""

from dataclasses import dataclass, field

from django.utils.translation import gettext


class Refusal(Exception):
    """Anything the project refuses with a message for the user: the root of three families that are handled
    apart. `DomainError` (400): the input or a business rule says no, and the form shows why on its fields;
    `PermissionDenied` (403) and `NotFound` (404): not an input problem, an error page. `errors` maps a field
    (or "__all__") to messages."""

    status = 400

    def __init__(self, message: str | dict[str, list[str] | str], *, code: str = "invalid"):
        if isinstance(message, dict):
            self.errors = {k: (v if isinstance(v, list) else [v]) for k, v in message.items()}
            text = "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())
        else:
            self.errors = {"__all__": [message]}
            text = message
        self.code = code
        super().__init__(text)

    @property
    def message(self) -> str:
        return str(self)


class DomainError(Refusal):
    """A refused operation: the input, or a business rule. `DomainError({"field": message})` or a plain message."""


class ValidationError(DomainError):
    """One input refused: `code` for machines, `field` (as the input schema names it), a translated message."""

    def __init__(self, code: str, field: str, message: str):
        super().__init__({field: message}, code=code)
        self.field = field


class PermissionDenied(Refusal):
    status = 403

    def __init__(self, message: str | None = None):
        super().__init__(gettext("您没有权限执行此操作 (permission denied)") if message is None else message,
                         code="permission_denied")


class NotFound(Refusal):
    status = 404

    def __init__(self, message: str | None = None):
        super().__init__(gettext("未找到 (not found)") if message is None else message, code="not_found")


@dataclass
class CellError:
    row: int  # 1-based, as the spreadsheet shows it (the header is row 1)
    column: str  # the header as written in the file, or the column letter
    message: str

    def __str__(self) -> str:
        return gettext("第 %(row)s 行「%(column)s」: %(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}


@dataclass(eq=False)
class FileRejected(DomainError):
    """A whole file refused: nothing was written. `cell_errors` lists each problem with its row and column."""

    summary: str
    cell_errors: list[CellError] = field(default_factory=list)
    encoding: str | None = None

    def __post_init__(self):
        lines = [self.summary, *[str(e) for e in self.cell_errors[:50]]]
        if len(self.cell_errors) > 50:
            lines.append(gettext("…另有 %(n)s 处错误") % {"n": len(self.cell_errors) - 50})
        DomainError.__init__(self, {"file": lines}, code="file_rejected")

    def __str__(self) -> str:
        return "\n".join(self.errors["file"])
