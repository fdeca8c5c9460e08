"""Step 3, the commit, in the one transaction that also sets the job's counts (services._pipeline): one SQL
statement per check against the reference tables (resident, name, birth date, course), duplicates inside the file;
all-or-nothing stops there; then dedup against what the provider sent before (same record id: duplicate, or
changed — reported, never overwritten), and the new rows inserted into LearningRecord with INSERT … SELECT under
ids reserved in one range."""

import datetime

from django.db import connection
from django.utils.translation import gettext as _

from learncity.catalog.models import Course
from learncity.core.bulk import next_ids
from learncity.intake.models import ImportJob, StagedRow
from learncity.intake.pipeline.sql import pipeline_sql
from learncity.people.models import LearnerProfile
from learncity.records.models import LearningRecord, RecordSource


def validate(job: ImportJob) -> int:
    """The set-based checks, in one pass over the job's rows (each row joined once to its resident and its course)
    that writes only the rows found wrong: their "code:message" lines appended to what the row checks found.
    Returns the invalid rows."""
    st = StagedRow._meta.db_table
    lp = LearnerProfile._meta.db_table
    course = Course._meta.db_table
    j, p = job.pk, job.institution_id

    def line(code: str, message: str) -> list[str]:  # "\ncode:message", split where the row's value goes
        return f"\n{code}:{message}".split("%(v)s")

    checks = [  # (condition, the message's parts, the SQL of the value between them)
        # A resident the city has no profile of.
        ("s.id_hash <> '' AND p.id IS NULL", line("id_number", _("本市没有这位居民的档案，请先登记居民信息")), ""),
        # The name given is not the name registered for that ID number (which is not shown: personal data).
        ("p.name <> s.name", line("name", _("姓名与该身份证号码登记的姓名不一致")), ""),
        # Learning before the learner was born.
        ("s.date < p.birth_date", line("date", _("学习日期早于学习者的出生日期")), ""),
        # A course code nobody has, or another institution's (course codes are unique across the city).
        ("s.course_code <> '' AND c.id IS NULL", line("course_code", _("未知的课程代码「%(v)s」")), "s.course_code"),
        ("c.institution_id <> %s", line("course_code", _("课程代码「%(v)s」是其他机构的课程，只能报送本机构的课程")),
         "s.course_code"),
        # The same record id twice in the file: the later rows are wrong, and say where the first one is.
        ("s.row_no > s.first_row", line("external_id", _("记录编号与第 %(v)s 行重复")), "CAST(s.first_row AS TEXT)"),
    ]
    pieces, params = [], []
    for condition, parts, value_sql in checks:
        text = " || ".join(["%s"] + [f"{value_sql} || %s"] * (len(parts) - 1))
        pieces.append(f"COALESCE(CASE WHEN {condition} THEN {text} END, '')")
        params += ([p] if "%s" in condition else []) + parts
    wrong = " OR ".join(f"({condition})" for condition, _parts, _value in checks)
    columns = "id, row_no, external_id, id_hash, name, date, course_code"
    rows, row_params = pipeline_sql().staged_with_first_row(st, columns, j)
    params += row_params
    params.append(p)  # (the condition on the course's institution, in `wrong`)
    with connection.cursor() as cur:
        # The wrong rows and their messages first (the messages built only for them), then only those rows updated,
        # found by primary key. (A temporary table: the first of the session's, it may be, so the bulk path's room
        # for its own is set first.)
        pipeline_sql().temp_table_room(cur)
        cur.execute("DROP TABLE IF EXISTS _lc_wrong")
        cur.execute(f"CREATE TEMP TABLE _lc_wrong AS SELECT s.id AS sid, {' || '.join(pieces)} AS more "
                    f"FROM ({rows}) s LEFT JOIN {lp} p ON p.id_number_hash = s.id_hash AND s.id_hash <> '' "
                    f"LEFT JOIN {course} c ON c.code = s.course_code AND s.course_code <> '' WHERE {wrong}", params)
        cur.execute(f"UPDATE {st} SET errors = CASE WHEN errors = '' THEN substr(v.more, 2) ELSE errors || v.more END "
                    f"FROM _lc_wrong v WHERE {st}.id = v.sid")
        cur.execute("DROP TABLE _lc_wrong")
        cur.execute(f"SELECT COUNT(*) FROM {st} WHERE job_id = %s AND errors <> ''", [j])
        return cur.fetchone()[0]


def dedup(job: ImportJob) -> tuple[int, int]:
    """Rows whose record id the provider sent before: "duplicate" when the content is the same, else "changed"
    (reported, never overwritten). Returns (duplicate, changed)."""
    st = StagedRow._meta.db_table
    lp = LearnerProfile._meta.db_table
    lr = LearningRecord._meta.db_table
    course = Course._meta.db_table
    j, p = job.pk, job.institution_id
    own_course = f"(SELECT c.{{col}} FROM {course} c WHERE c.code = {st}.course_code AND c.institution_id = %s)"
    same = (f"r.learner_id = p.id AND r.kind = {st}.kind AND r.title = {st}.title AND r.hours = {st}.hours "
            f"AND r.date = {st}.date AND (r.score = {st}.score OR (r.score IS NULL AND {st}.score IS NULL)) "
            f"AND COALESCE(r.course_id, 0) = COALESCE({own_course.format(col='id')}, 0) "
            f"AND r.course_kind = COALESCE({own_course.format(col='kind')}, {st}.course_kind)")
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {st} SET outcome = CASE WHEN {same} THEN 'duplicate' ELSE 'changed' END "
                    f"FROM {lr} r, {lp} p WHERE {st}.job_id = %s AND {st}.errors = '' AND r.provider_id = %s "
                    f"AND r.external_id = {st}.external_id AND p.id_number_hash = {st}.id_hash", [p, p, j, p])
        cur.execute(f"SELECT outcome, COUNT(*) FROM {st} WHERE job_id = %s AND errors = '' AND outcome <> '' "
                    f"GROUP BY outcome", [j])
        counts = dict(cur.fetchall())
    return counts.get("duplicate", 0), counts.get("changed", 0)


def write(job: ImportJob, *, actor_id: int | None, now: datetime.datetime) -> range:
    """The new rows into LearningRecord in one INSERT … SELECT, under ids reserved as one range. Returns it.
    Ids follow the learner (then the date), not the file's order: a learner's records sit together, so each batch
    of the recognition that follows touches (locks, chains, updates) few learning accounts, and the indexes on the
    learner take their rows in order."""
    st = StagedRow._meta.db_table
    lp = LearnerProfile._meta.db_table
    lr = LearningRecord._meta.db_table
    course = Course._meta.db_table
    j, p = job.pk, job.institution_id
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {st} WHERE job_id = %s AND errors = '' AND outcome = ''", [j])
        n = cur.fetchone()[0]
        if not n:
            return range(0)
        ids = next_ids(LearningRecord, n)
        created = connection.ops.adapt_datetimefield_value(now)
        cur.execute(
            f"INSERT INTO {lr} (id, learner_id, provider_id, kind, course_kind, course_id, session_id, event_id, "
            f"resource_id, title, hours, score, date, source, external_id, created_at, created_by_id) "
            f"SELECT %s + ROW_NUMBER() OVER (ORDER BY p.id, s.date, s.row_no), p.id, %s, s.kind, COALESCE(c.kind, s.course_kind), "
            f"c.id, NULL, NULL, NULL, s.title, s.hours, s.score, s.date, %s, s.external_id, %s, %s "
            f"FROM {st} s JOIN {lp} p ON p.id_number_hash = s.id_hash "
            f"LEFT JOIN {course} c ON c.code = s.course_code AND c.institution_id = %s "
            f"WHERE s.job_id = %s AND s.errors = '' AND s.outcome = ''",
            [ids.start - 1, p, RecordSource.IMPORT, created, actor_id, p, j])
        if cur.rowcount != n:
            raise RuntimeError(f"import job {j}: {cur.rowcount} records written for {n} new rows")
    return ids


def commit_settings() -> None:
    """For the commit transaction (PostgreSQL): room for the sorts and hash joins over a whole file's rows, and
    any deferred foreign-key checks run at the end of each statement rather than all at the commit. (The hot tables
    the job fills, learning records, outcomes and ledger entries, have no foreign-key constraints: see catalog
    migration 0002.)"""
    with connection.cursor() as cur:
        pipeline_sql().commit_settings(cur)


def commit_unflushed() -> None:
    """The transaction that writes a job's records commits without waiting for its WAL to reach the disk (on
    PostgreSQL; the server writes it out meanwhile, while the records are recognised). The job is not DONE until a
    commit that does wait, which makes everything committed before it durable; a server crash before that may lose
    this commit, whole — the records with the job's range of them — and the job is then run again from the start
    (its file is kept until it is DONE)."""
    with connection.cursor() as cur:
        pipeline_sql().commit_unflushed(cur)


def lock_records() -> None:
    """Writers of learning records wait while a job deduplicates and writes, so two overlapping uploads (or an
    upload and a one-by-one record) cannot both find a record id new. (next_ids takes the same lock.)"""
    with connection.cursor() as cur:
        pipeline_sql().lock_records(cur, LearningRecord._meta.db_table)
