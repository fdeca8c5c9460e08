"""The learner groups' bits and the registered residents (the `residents` denominators): `ResidentState` and
`ResidentCell`, kept up to date past a watermark on the profiles."""

import datetime

from django.db import connection
from django.db.models import (
    Max,
)

from learncity.monitoring.models import (
    GroupBit,
    PlaceAncestor,
    ResidentCell,
    ResidentMark,
    ResidentState,
)
from learncity.monitoring.rollups.sql import rollup_sql
from learncity.monitoring.rollups.tables import _reconcile, _t
from learncity.people.models import LearnerGroup, LearnerProfile

# --- groups and the registered residents -----------------------------------------------------------------

MAX_GROUP_BITS = 63


def group_bits_sync() -> dict[int, int]:
    """{group id: its bit value}, giving a bit to every group that has none yet (in id order, up to 63)."""
    have = dict(GroupBit.objects.values_list("group_id", "value"))
    missing = [pk for pk in LearnerGroup.objects.order_by("pk").values_list("pk", flat=True) if pk not in have]
    used = set(have.values())
    free = (1 << bit for bit in range(MAX_GROUP_BITS) if (1 << bit) not in used)
    for pk in missing:
        value = next(free, None)
        if value is None:
            break
        GroupBit.objects.create(group_id=pk, value=value)
        have[pk] = value
    return have


def group_mask(codes: list[str]) -> int | None:
    """The mask of the groups with those codes; None when one of them has no bit (count the slow way)."""
    found = dict(LearnerGroup.objects.filter(code__in=codes).values_list("pk", "code"))
    bits = dict(GroupBit.objects.filter(group_id__in=found).values_list("group_id", "value"))
    if len(bits) != len(found):
        return None
    mask = 0
    for value in bits.values():
        mask |= value
    return mask


def _gmask_sql(learner: str) -> str:
    """A learner's group mask in SQL: their groups' bits added up (each group once, so the sum is the OR)."""
    through = connection.ops.quote_name(LearnerProfile.groups.through._meta.db_table)
    return (f"(SELECT COALESCE(SUM(gb.value), 0) FROM {through} t JOIN {_t(GroupBit)} gb "
            f"ON gb.group_id = t.learnergroup_id WHERE t.learnerprofile_id = {learner})")


def month_key(day: datetime.date) -> int:
    """A date's month as the resident cells' `since` keeps it (YYYYMM)."""
    return day.year * 100 + day.month


def _profile_marks() -> tuple[int, datetime.datetime | None]:
    found = LearnerProfile.objects.aggregate(top=Max("pk"), changed=Max("updated_at"))
    return found["top"] or 0, found["changed"]


def _residents_behind() -> bool:
    mark = ResidentMark.objects.first()
    top, changed = _profile_marks()
    if mark is None:
        return top > 0
    return top > mark.last_id or (changed is not None and (mark.last_changed is None or changed > mark.last_changed))


def _residents_apply(cursor, *, full: bool = False) -> None:
    """Bring the resident cells up to date: the profiles added or changed since the watermark (all of them when
    `full`) taken out of the cells as they were counted and put back in as they are."""
    sql = rollup_sql()
    mark = ResidentMark.objects.select_for_update().first() or ResidentMark.objects.create()
    top, changed = _profile_marks()
    profiles, rs, rc, anc = _t(LearnerProfile), _t(ResidentState), _t(ResidentCell), _t(PlaceAncestor)
    if full:
        where, params = "p.id <= %s", [top]
    else:
        where, params = "(p.id > %s AND p.id <= %s)", [mark.last_id, top]
        if mark.last_changed is not None:
            where += " OR (p.id <= %s AND p.updated_at > %s)"
            params += [mark.last_id, mark.last_changed]
    cursor.execute("DROP TABLE IF EXISTS mon_rs")
    cursor.execute("CREATE TEMP TABLE mon_rs (learner_id bigint, place_id bigint, sex varchar(1), age_base integer, "
                   "gmask bigint, since integer)")
    if full:  # every profile: the group masks by one grouped join rather than a lookup per profile
        through = connection.ops.quote_name(LearnerProfile.groups.through._meta.db_table)
        gmask, joined = "COALESCE(g.gmask, 0)", (
            f"LEFT JOIN (SELECT t.learnerprofile_id AS lid, SUM(gb.value) AS gmask FROM {through} t "
            f"JOIN {_t(GroupBit)} gb ON gb.group_id = t.learnergroup_id GROUP BY t.learnerprofile_id) g ON g.lid = p.id")
    else:
        gmask, joined = _gmask_sql("p.id"), ""
    cursor.execute(f"INSERT INTO mon_rs (learner_id, place_id, sex, age_base, gmask, since) "
                   f"SELECT p.id, p.residence_id, p.sex, {sql.age_base('p.birth_date')}, {gmask}, "
                   f"{sql.since('p.registered_on', 'p.created_at')} "
                   f"FROM {profiles} p {joined} WHERE {where}", params)
    sql.analyze(cursor, "mon_rs")
    if full:  # every profile counted anew, then reconciled with the states and cells (what is right stays)
        cursor.execute("DROP TABLE IF EXISTS mon_rc")
        cursor.execute("CREATE TEMP TABLE mon_rc (place_id bigint, sex varchar(1), age_base integer, gmask bigint, "
                       "since integer, residents integer)")
        cursor.execute(f"""
            INSERT INTO mon_rc (place_id, sex, age_base, gmask, since, residents)
            SELECT a.ancestor_id, x.sex, x.age_base, x.gmask, x.since, SUM(x.n)
            FROM (SELECT place_id, sex, age_base, gmask, since, COUNT(*) AS n FROM mon_rs
                  GROUP BY place_id, sex, age_base, gmask, since) x
            JOIN {anc} a ON a.place_id = x.place_id
            GROUP BY a.ancestor_id, x.sex, x.age_base, x.gmask, x.since""")
        _reconcile(cursor, rs, "mon_rs", ("learner_id", "place_id", "sex", "age_base", "gmask", "since"), "1 = 1", [],
                   pk="learner_id")
        _reconcile(cursor, rc, "mon_rc", ("place_id", "sex", "age_base", "gmask", "since", "residents"), "1 = 1", [])
        cursor.execute("DROP TABLE mon_rs")
        cursor.execute("DROP TABLE mon_rc")
        mark.last_id, mark.last_changed = top, changed
        mark.save()
        return
    cell = f"""
        INSERT INTO {rc} (place_id, sex, age_base, gmask, since, residents)
        SELECT a.ancestor_id, x.sex, x.age_base, x.gmask, x.since, SUM(x.n) * {{sign}}
        FROM (SELECT place_id, sex, age_base, gmask, since, COUNT(*) AS n FROM {{rows}}
              GROUP BY place_id, sex, age_base, gmask, since) x
        JOIN {anc} a ON a.place_id = x.place_id
        WHERE 1 = 1
        GROUP BY a.ancestor_id, x.sex, x.age_base, x.gmask, x.since
        ON CONFLICT (place_id, sex, age_base, gmask, since)
        DO UPDATE SET residents = {rc}.residents + EXCLUDED.residents"""
    cursor.execute(cell.format(sign=-1, rows=f"{rs} s WHERE s.learner_id IN (SELECT learner_id FROM mon_rs)"))
    cursor.execute(f"DELETE FROM {rs} WHERE learner_id IN (SELECT learner_id FROM mon_rs)")
    cursor.execute(f"INSERT INTO {rs} (learner_id, place_id, sex, age_base, gmask, since) "
                   f"SELECT learner_id, place_id, sex, age_base, gmask, since FROM mon_rs")
    cursor.execute(cell.format(sign=1, rows="mon_rs"))
    cursor.execute(f"DELETE FROM {rc} WHERE residents = 0")
    cursor.execute("DROP TABLE mon_rs")
    mark.last_id = top
    mark.last_changed = changed
    mark.save()

