"""Test data for the credit bank, made through the services (the demo city's standards and rules are there:
CE-COURSE v2 — completion records of community courses, 16 hours a credit, at most 4, accredited to the demo
staff member's community school; NCRE-1 — a 4-credit certificate, declared; R-CE-CERT — CE-COURSE/LECTURE/
VOLUNTEER credits → a certificate of the staff member's school, ratio 1, cap 10; R-NCRE1-OU — NCRE-1 → the open
university's course, ratio 1, cap 4)."""

import datetime
from decimal import Decimal
from itertools import count

from django.db import connection
from django.utils import timezone

from learncity.catalog.models import RecordKind, RecordSource
from learncity.catalog.services import learning_record_create
from learncity.creditbank import services
from learncity.people.models import LearnerProfile

PDF = b"%PDF-1.4\n% test evidence\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
_ids = count(1)


def institution_of(user):
    return user.role_assignments.get().institution


def resident(n: int = 0) -> LearnerProfile:
    """A demo resident without a sign-in or a learning account yet, adult, the n-th by id."""
    return (LearnerProfile.objects.filter(user__isnull=True, account__isnull=True,
                                          birth_date__lte=datetime.date(1990, 1, 1)).order_by("pk")[n])


def completion(staff, learner: LearnerProfile, *, hours="32", score=None, course_kind="community", days_ago=10,
               kind=RecordKind.COMPLETION):
    """A learning record made by the staff member's institution (auto-recognised under CE-COURSE when it fits)."""
    return learning_record_create(
        actor=staff, learner=learner, provider=institution_of(staff), kind=kind, title=f"测试课程结业 {next(_ids)}",
        hours=Decimal(hours), score=None if score is None else Decimal(score),
        date=timezone.localdate() - datetime.timedelta(days=days_ago), source=RecordSource.PAGE,
        external_id=f"test-{next(_ids)}", course_kind=course_kind)


def declared(learner_user, *, code="NCRE-1", files=None, **kw):
    return services.declaration_submit(
        actor=learner_user, standard_code=code, kind=kw.pop("kind", "certificate"),
        title=kw.pop("title", "全国计算机等级考试一级证书"), issuer=kw.pop("issuer", "教育部教育考试院"),
        date=kw.pop("date", timezone.localdate() - datetime.timedelta(days=100)),
        files=[("证书.pdf", PDF)] if files is None else files, **kw)


def drop_append_only_triggers() -> None:
    """Only inside a test's rolled-back transaction: what someone with write access to the database would do
    first, before tampering with the ledger."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER creditbank_ledgerentry_append_only ON creditbank_ledgerentry")
        else:
            cur.execute("DROP TRIGGER creditbank_ledgerentry_no_update")
            cur.execute("DROP TRIGGER creditbank_ledgerentry_no_delete")
