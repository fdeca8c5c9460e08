"""What verification reports: its breaks, each with where it is, and the messages both paths share."""

from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _noop


@dataclass
class Break:
    account_id: int
    seq: int | None
    entry_id: int | None
    problem: str  # in the reader's language: both paths make the same breaks from the same messages

    def __post_init__(self):
        self.problem = gettext(self.problem)

    def __str__(self) -> str:
        if self.seq is None:
            where = gettext("账户 LA%(account)010d") % {"account": self.account_id}
        else:
            where = gettext("账户 LA%(account)010d 第 %(seq)s 笔（id %(entry)s）") % {
                "account": self.account_id, "seq": self.seq, "entry": self.entry_id}
        return gettext("%(where)s：%(problem)s") % {"where": where, "problem": self.problem}


@dataclass
class VerifyReport:
    accounts: int = 0
    entries: int = 0
    breaks: list[Break] = field(default_factory=list)
    digest: str = ""  # SHA-256 over every account's head, in account order: publish it to anchor the ledger

    @property
    def ok(self) -> bool:
        return not self.breaks


def _scope(column: str, low: int | None, high: int | None, account_ids: list[int] | None) -> str:
    """The SQL condition of a page: `low < column <= high`, and in `account_ids` (integers, written inline: COPY
    takes no parameters)."""
    parts = []
    if low is not None:
        parts.append(f"{column} > {int(low)}")
    if high is not None:
        parts.append(f"{column} <= {int(high)}")
    if account_ids is not None:
        parts.append(f"{column} IN ({', '.join(str(int(pk)) for pk in account_ids) or 'NULL'})")
    return " AND ".join(parts) or "TRUE"


class Problem:
    """What each break says, the same from both paths (translated when a Break is made)."""

    UNLINKED = _noop("前一笔的哈希不一致（链被删除、插入或改动）")
    ALTERED = _noop("记录内容与其哈希不一致（记录被改动）")
    NO_ACCOUNT = _noop("账本中有记录，但账户不存在")
    BALANCE = _noop("缓存的余额与账本记录之和不一致")
    DOWNGRADED = _noop("记录的链版本低于前一笔（版本被改动）")
    OUTCOME = _noop("记录所记的学习成果与记账时不一致（成果被改动或删除）")
    STRAY_CHECKPOINT = _noop("多余的账本升级记录（每个账户至多一笔，且只在此前的记录载有学习成果时）")

    @staticmethod
    def gap(expect_seq: int) -> str:
        return gettext("序号不连续：应为第 %(seq)s 笔（记录被删除或插入）") % {"seq": expect_seq}

    @staticmethod
    def head_moved(head_seq: int, last_seq: int) -> str:
        return gettext("账户记载的链尾为第 %(head)s 笔，而账本的链尾为第 %(last)s 笔，或其哈希不一致（末尾记录被删除或被改动）") % {
            "head": head_seq, "last": last_seq}

    @staticmethod
    def no_entries(head_seq: int) -> str:
        return gettext("账户记载有 %(head)s 笔记录，但账本中一笔也没有（记录被删除）") % {"head": head_seq}


OUTCOME_ALTERED = Problem.OUTCOME
