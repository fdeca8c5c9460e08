"""Rotating the two secrets of a deployment: Django's SECRET_KEY and the personal-data key (LEARNCITY_PII_KEY).

Until the hardening issue both were committed to the repository (and a run from inside the source tree used
them), so every deployment made before must rotate them: `learncity rotate_keys`.

- The PII key encrypts resident ID numbers (AES-256-GCM) and keys their look-up hash (HMAC-SHA256). Rotating it
  re-encrypts and re-hashes every learner profile in one transaction: all under the new key, or none.
  Intake's staged rows keep a keyed hash of the ID number of each row for their report only; under a key that was
  public, such a hash can be brute-forced over the small space of ID numbers, so finished jobs' hashes are
  cleared (the rows' masked ID numbers stay). A rotation is refused while a job is queued or running.
- SECRET_KEY signs sessions, CSRF tokens and check-in QR codes: a new one signs everyone out and expires the
  codes in use, nothing else.

Keys that live in files in the data folder are replaced there: the new PII key is written beside the old one
first (`pii_key.new`, mode 0600, flushed), the database is re-encrypted and committed, then the old key is kept as
`pii_key.old` and the new one moved into place. A run interrupted after the commit and before the move is finished
by the next run, which finds which key the data are under. Keys given in the environment cannot be written by us:
the new PII key is then taken from LEARNCITY_NEW_PII_KEY and the operator puts it into LEARNCITY_PII_KEY afterwards.

The profiles' table is locked against writes for the re-encryption (reads go on), so nothing is written under the
old key meanwhile; a server still running with the old key afterwards would write under it, which is why the
server must be stopped first, why the old key is kept (run `rotate_keys --pii-key --finish` to move such rows over),
and why `learncity serve` refuses to start when its key does not open the residents' ID numbers
(`pii_key_problem`).
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext

from learncity.core import crypto
from learncity.core.errors import DomainError
from learncity.core.followups import follow_up
from learncity.people.models import LearnerProfile
from learncity.people.services import ID_CONTEXT
from learncity.people.sql import people_sql

BATCH = 2000


class RotationRefused(DomainError):
    """The rotation cannot run now, and nothing was changed."""


@dataclass
class Rotation:
    profiles: int = 0
    staged_hashes_cleared: int = 0
    secret_key_written: Path | None = None
    pii_key_written: Path | None = None
    pii_key_to_set: str | None = None  # the new key, when the old one came from the environment


def _write_secret(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
        f.flush()
        os.fsync(f.fileno())


def _under(master: str) -> bool:
    """Whether the data are encrypted under `master` (one profile is enough: a rotation moves all or none)."""
    sample = LearnerProfile.objects.order_by("pk").values_list("id_number_encrypted", flat=True).first()
    return sample is None or _opens(sample, master)


def _opens(token: str, master: str) -> bool:
    try:
        crypto.decrypt(token, context=ID_CONTEXT, master=master)
    except Exception:  # cryptography's InvalidTag, or a malformed token: not this key
        return False
    return True


def pii_key_problem(master: str | None = None) -> str | None:
    """Why the PII key (the configured one by default) cannot be the residents' key, or None when it opens the
    first and the last profile's ID number (a rotation moves all or none, so two samples tell a wrong key and a
    rotation a running server wrote past)."""
    master = master or settings.LEARNCITY_PII_KEY
    rows = LearnerProfile.objects.order_by("pk").values_list("pk", "id_number_encrypted")
    for pk, token in {r[0]: r for r in (rows.first(), rows.last()) if r}.values():
        try:
            crypto.decrypt(token, context=ID_CONTEXT, master=master)
        except Exception:
            return gettext(
                "个人信息密钥无法解密学习者 %(pk)s 的身份证号码：数据目录 %(data_dir)s 里的 pii_key（或 "
                "LEARNCITY_PII_KEY）不是加密这些数据的密钥。请把 LEARNCITY_DATA_DIR 指向原来的数据目录，或设置原来的 "
                "LEARNCITY_PII_KEY"
            ) % {"pk": pk, "data_dir": settings.DATA_DIR}
    return None


def _lock_profiles() -> None:
    """Hold off writes to the profiles for the rest of the transaction (people.sql's seam says how)."""
    with connection.cursor() as cur:
        people_sql(connection).lock_against_writes(cur, connection.ops.quote_name(LearnerProfile._meta.db_table))


def pii_key_reencrypt(*, old: str, new: str, progress: Callable[[int], None] | None = None) -> Rotation:
    """Re-encrypt and re-hash every learner profile under `old` to `new`, in one transaction, the table locked
    against writes. Profiles already under `new` are left as they are (a second run finishes what a server still
    running with the old key wrote after the first); a profile under neither key refuses the whole run."""
    if old == new:
        raise RotationRefused(gettext("新密钥与旧密钥相同 (the new key is the old key)"))
    result = Rotation()
    with transaction.atomic():
        _lock_profiles()
        busy = follow_up("pii_rotation_blockers")  # the import jobs under way, locked (intake answers)
        if busy:
            raise RotationRefused(gettext(
                "有导入任务正在排队或处理中（任务 %(jobs)s），请等其完成后再轮换密钥 "
                "(import jobs are queued or running: rotate the keys when they are finished)")
                % {"jobs": gettext("、").join(map(str, busy))})
        last = 0
        while True:
            batch = list(LearnerProfile.objects.select_for_update().filter(pk__gt=last).order_by("pk")
                         .only("pk", "id_number_encrypted", "id_number_hash")[:BATCH])
            if not batch:
                break
            moved = []
            for p in batch:
                try:
                    number = crypto.decrypt(p.id_number_encrypted, context=ID_CONTEXT, master=old)
                except Exception as exc:
                    if _opens(p.id_number_encrypted, new):
                        continue  # already under the new key
                    raise RotationRefused(gettext(
                        "学习者 %(pk)s 的身份证号码无法用当前密钥解密，未做任何更改")
                        % {"pk": p.pk}) from exc
                p.id_number_encrypted = crypto.encrypt(number, context=ID_CONTEXT, master=new)
                p.id_number_hash = crypto.lookup_hash(number, context=ID_CONTEXT, master=new)
                moved.append(p)
            LearnerProfile.objects.bulk_update(moved, ["id_number_encrypted", "id_number_hash"])
            result.profiles += len(moved)
            last = batch[-1].pk
            if progress:
                progress(result.profiles)
        result.staged_hashes_cleared = follow_up("pii_rotated")  # staged rows' old hashes forgotten (intake)
    return result


def pii_key_finish(*, progress: Callable[[int], None] | None = None) -> Rotation:
    """Move the profiles still under the kept old key (`pii_key.old`, written by a server that ran on with it
    after a rotation) to the current key."""
    previous = Path(settings.DATA_DIR) / "pii_key.old"
    if not previous.exists():
        raise RotationRefused(gettext("没有找到旧密钥 %(path)s (no old key to finish from)") % {"path": previous})
    return pii_key_reencrypt(old=previous.read_text().strip(), new=settings.LEARNCITY_PII_KEY, progress=progress)


def keys_rotate(*, secret_key: bool = True, pii_key: bool = True, environ=None,
                progress: Callable[[int], None] | None = None) -> Rotation:
    """Rotate the deployment's keys (see the module's docstring). Raises RotationRefused with nothing changed."""
    environ = os.environ if environ is None else environ
    data = Path(settings.DATA_DIR)
    if secret_key and environ.get("SECRET_KEY"):
        raise RotationRefused(gettext(
            "SECRET_KEY 来自环境变量：请在环境中换一个新值，或用 --pii-key 只轮换个人信息密钥 (SECRET_KEY comes from "
            "the environment: set a new value there, or rotate only the PII key with --pii-key)"))
    result = Rotation()
    if pii_key:
        old = settings.LEARNCITY_PII_KEY
        if environ.get("LEARNCITY_PII_KEY"):
            new = environ.get("LEARNCITY_NEW_PII_KEY", "").strip()
            if len(new) < 32:
                raise RotationRefused(gettext(
                    "LEARNCITY_PII_KEY 来自环境变量：请把新密钥（至少 32 个字符）放入 LEARNCITY_NEW_PII_KEY 后再运行，"
                    "完成后再用它替换 LEARNCITY_PII_KEY (the PII key comes from the environment: put the new key, at "
                    "least 32 characters, in LEARNCITY_NEW_PII_KEY, run again, then put it in LEARNCITY_PII_KEY)"))
            result = pii_key_reencrypt(old=old, new=new, progress=progress)
            result.pii_key_to_set = new
        else:
            path, pending = data / "pii_key", data / "pii_key.new"
            if pending.exists() and _under(pending.read_text().strip()):
                pass  # an earlier run committed the data under the new key and stopped before moving the file
            else:
                new = crypto.new_master_key()
                _write_secret(pending, new)
                try:
                    result = pii_key_reencrypt(old=old, new=new, progress=progress)
                except BaseException:
                    pending.unlink()  # rolled back: the data are still under the old key
                    raise
            if path.exists():
                _write_secret(data / "pii_key.old", path.read_text().strip())
            os.replace(pending, path)
            result.pii_key_written = path
    if secret_key:
        path = data / "secret_key"
        _write_secret(path, crypto.new_master_key() + crypto.new_master_key())
        result.secret_key_written = path
    return result
