"""The demo catalog build's state and its shared helpers: the city's institutions and residents as loaded,
whom a course enrolls, local times as the database takes them, and inserts through core.bulk."""

import datetime
import random
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from learncity.core.bulk import insert_rows, next_ids
from learncity.network.models import Institution
from learncity.network.models import InstitutionKind as IK
from learncity.people.models import LearnerGroup, LearnerProfile
from learncity.places.models import Place
from learncity.records.models import LearningRecord, RecordSource

from .. import names
from .plan import COUNT_KEYS, RECORD_COLUMNS, PlanInst, Progress


class BuildBase:
    """The build's state, loaded from the city, and the helpers its parts share."""

    def __init__(self, city: Place, rng: random.Random, progress: Progress, residents_ids, today: datetime.date,
                 built_on: datetime.date):
        self.city, self.rng, self.progress, self.today, self.built_on = city, rng, progress, today, built_on
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.adapt_dt = connection.ops.adapt_datetimefield_value
        self.adapt_time = connection.ops.adapt_timefield_value
        self.counts: dict[str, int] = dict.fromkeys(COUNT_KEYS, 0)
        self._dt_cache: dict[tuple, object] = {}
        self.province = city.parent.name if city.parent_id else city.name
        self._load(residents_ids)

    # --- inputs ---------------------------------------------------------------------------------------------

    def _load(self, residents_ids):
        city = self.city
        self.districts = list(Place.objects.filter(parent=city).order_by("code").values_list("id", "code", "name"))
        district_ids = {d[0] for d in self.districts}
        self.insts: list[PlanInst] = []
        for iid, name, kind, place_id, path, pname, address in (
                Institution.objects.filter(place__path__startswith=city.path, is_active=True).order_by("code")
                .values_list("id", "name", "kind", "place_id", "place__path", "place__name", "address")):
            role = kind
            if kind == IK.CONTINUING_EDUCATION_CENTRE:  # Dazhou: 继续教育大学 / 学院 / 中心
                role = ("community_university" if place_id == city.id else
                        "community_college" if place_id in district_ids else "learning_room")
            elif kind == IK.GUIDANCE_CENTRE:
                role = "community_university"
            self.insts.append(PlanInst(iid, name, kind, role, place_id, pname, self._district_of(path),
                                    pname.endswith(("村", "镇", "乡")), address))
        self.by_role: dict[str, list[PlanInst]] = defaultdict(list)
        for i in self.insts:
            self.by_role[i.role].append(i)
        if not self.insts:
            raise ValueError(f"{city.name} has no institutions: build the demo city first")
        self.top = (self.by_role.get("community_university") or self.insts)[0]
        self.college_of = {i.district: i for i in self.by_role.get("community_college", [])}
        self.groups = dict(LearnerGroup.objects.values_list("code", "id"))
        self.group_names = dict(LearnerGroup.objects.values_list("code", "name"))

        wanted = set(residents_ids) if residents_ids is not None else None
        self.residents = [r for r in LearnerProfile.objects.filter(residence__path__startswith=city.path)
                          .order_by("id").values_list("id", "residence__path", "residence_id", "birth_date")
                          if wanted is None or r[0] in wanted]
        self.all_ids = [r[0] for r in self.residents]
        district_of = {rid: self._district_of(path) for rid, path, _, _ in self.residents}
        self.pool_district: dict[str, list[int]] = defaultdict(list)
        self.pool_group: dict[str, list[int]] = defaultdict(list)
        self.pool_group_district: dict[tuple[str, str], list[int]] = defaultdict(list)
        for rid in self.all_ids:
            self.pool_district[district_of[rid]].append(rid)
        through = LearnerProfile.groups.through
        for pid, gcode in (through.objects.filter(learnerprofile__residence__path__startswith=city.path)
                           .order_by("learnerprofile_id", "learnergroup_id")
                           .values_list("learnerprofile_id", "learnergroup__code")):
            if pid in district_of:
                self.pool_group[gcode].append(pid)
                self.pool_group_district[(gcode, district_of[pid])].append(pid)
        self._unions: dict[tuple, list[int]] = {}

    def _district_of(self, path: str) -> str:
        return path[len(self.city.path):].split("/")[0]

    def _pool(self, groups: tuple[str, ...], district: str, need: int) -> list[int]:
        """Whom a course enrolls: its target groups in its district, else city-wide, else anyone nearby, else
        anyone: the first of these with `need` residents."""
        options = []
        if groups:
            if district:
                options.append(self._union(groups, district))
            options.append(self._union(groups, ""))
        if district:
            options.append(self.pool_district.get(district, []))
        options.append(self.all_ids)
        return next(pool for pool in options if len(pool) >= need or pool is self.all_ids)

    def _union(self, groups: tuple[str, ...], district: str) -> list[int]:
        key = (groups, district)
        if key not in self._unions:
            lists = [self.pool_group_district.get((g, district), []) if district else self.pool_group.get(g, [])
                     for g in groups]
            self._unions[key] = lists[0] if len(lists) == 1 else sorted(set().union(*lists))
        return self._unions[key]

    # --- helpers --------------------------------------------------------------------------------------------

    def dt(self, day: datetime.date, at: datetime.time, minutes: int = 0):
        """A local date and time as the database takes it (aware; naive UTC text on SQLite). Cached: the demo's
        times repeat, and adapting 200,000 of them would be a good part of the build."""
        key = (day, at, minutes)
        value = self._dt_cache.get(key)
        if value is None:
            value = self._dt_cache[key] = self.adapt_dt(
                datetime.datetime.combine(day, at, tzinfo=self.tz) + datetime.timedelta(minutes=minutes))
        return value

    def person(self) -> str:
        rng = self.rng
        given = rng.choice(names.GIVEN_CHARS) + (rng.choice(names.GIVEN_CHARS) if rng.random() < 0.8 else "")
        return rng.choice(names.SURNAMES) + given

    def day_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def _insert(self, key: str, model, columns, rows) -> None:
        # Quoted: CourseSession has a column named "end", a reserved word in PostgreSQL.
        self.counts[key] += insert_rows(model, [connection.ops.quote_name(c) for c in columns], rows)

    def _link(self, through, columns, pairs) -> None:
        insert_rows(through, ("id", *columns), ((i, *p) for i, p in zip(next_ids(through, len(pairs)), pairs,
                                                                          strict=True)))

    def _records(self, records: list[tuple]) -> None:
        """Learning records from (learner, provider, kind, course_kind, course, event, resource, title, hours,
        score, date, external_id, created_at)."""
        ids = next_ids(LearningRecord, len(records))
        rows = ((rid, learner, provider, kind, ck, course, None, event, resource, title[:200], hours, score, day,
                 RecordSource.DEMO, ext, created, None)
                for rid, (learner, provider, kind, ck, course, event, resource, title, hours, score, day, ext, created)
                in zip(ids, records, strict=True))
        self._insert("learning_records", LearningRecord,
                     RECORD_COLUMNS, rows)

    def district_of_place(self, place_id: int) -> str:
        if not hasattr(self, "_place_district"):
            self._place_district = {pid: self._district_of(path) for pid, path in
                                    Place.objects.filter(path__startswith=self.city.path).values_list("id", "path")}
        return self._place_district.get(place_id, "")
