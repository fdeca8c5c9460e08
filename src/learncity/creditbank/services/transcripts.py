"""Issued transcripts: frozen with the ledger head they were issued at; withdrawn by their holder or by whoever may
issue one for them."""

import hashlib
import json
import secrets
import string

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.scopes import Action
from learncity.creditbank import ledger
from learncity.creditbank.models import (
    LearningAccount,
    Transcript,
    TranscriptWithdrawal,
)
from learncity.creditbank.selectors import transcript_content
from learncity.creditbank.services.common import _user


def transcript_withdraw(*, actor, token: str, reason: str = "") -> Transcript:
    """Withdraw an issued transcript (a copy handed to someone who should no longer rely on it, a lost one): its
    public verification page then says it no longer holds, and since when. Its owner may, and whoever may issue
    one for that learner. Once only: a TranscriptWithdrawal beside it (the transcript itself is append-only)."""
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise DomainError({"reason": gettext("撤回原因不能超过 200 个字")})
    with transaction.atomic():
        # Another's is as absent as one that does not exist: not even whether it exists.
        transcript = (Transcript.objects.restrict(actor, Action.CHANGE).select_for_update(of=("self",))
                      .filter(token=(token or "").strip()).first())
        if transcript is None:
            raise NotFound(gettext("未找到该学习成果证明"))
        earlier = (TranscriptWithdrawal.objects.unscoped("the withdrawal of the transcript locked in the actor's scope")
                   .filter(transcript=transcript).first())
        if earlier is not None:
            raise DomainError({"token": gettext("该证明已于 %(localtime)s 撤回") % {"localtime": format(timezone.localtime(earlier.withdrawn_at), "%Y-%m-%d %H:%M")}})
        TranscriptWithdrawal.objects.create(transcript=transcript, withdrawn_at=timezone.now(), withdrawn_by=_user(actor),
                                            reason=reason)
        audit_record(actor=actor, action="transcript.withdraw", obj=transcript, reason=reason)
    return transcript


def transcript_issue(*, actor, account: LearningAccount, base_url: str = "") -> Transcript:
    """Freeze what the transcript states (with the ledger head it was issued at) so the public verification page
    can show it and say whether it still holds."""
    if not LearningAccount.objects.restrict(actor, Action.CHANGE).filter(pk=account.pk).exists():
        raise PermissionDenied(gettext("只能为本人或所辖居民出具学习成果证明"))
    with transaction.atomic():
        account = ledger.lock_account(account.pk)
        content = transcript_content(account)
        canonical = _canonical(content)
        transcript = Transcript.objects.create(
            token=_transcript_token(), account=account, issued_at=timezone.now(), issued_by=_user(actor),
            head_seq=account.head_seq, head_hash=account.head_hash, content=content,
            digest=hashlib.sha256(canonical.encode()).hexdigest())
        audit_record(actor=actor, action="transcript.issue", obj=transcript)
    return transcript


_TOKEN_ALPHABET = string.ascii_letters + string.digits


def _transcript_token() -> str:
    """24 letters and digits (143 bits): no "-" or "_", which a printed footer may end a line on and a reader (or
    pdftotext) may then drop as a hyphenation. Tokens issued before (token_urlsafe) still verify."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(24))


def _canonical(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
