"""The demo catalog's digital resources and volunteers, with the learning records they give."""

import datetime
from decimal import Decimal

from learncity.catalog.models import Resource, ResourceKind
from learncity.core.bulk import next_ids
from learncity.pools.models import Volunteer, VolunteerService
from learncity.records.models import RecordKind

from .. import catalog_names as words
from .plan import (
    MAX_RESOURCE_RECORDS,
    MAX_RESOURCES,
    MAX_VOLUNTEERS,
    MIN_RESOURCES,
    MIN_VOLUNTEERS,
    RESOURCE_PROVIDERS,
    RESOURCE_RECORDS_PER_RESIDENT,
)


class Resources:
    """The digital resources and the volunteers (a part of the build: see build.CatalogBuild)."""

    def _resources(self):
        rng = self.rng
        count = max(MIN_RESOURCES, min(MAX_RESOURCES, round(len(self.all_ids) / 60)))
        providers = [i for role in RESOURCE_PROVIDERS for i in self.by_role.get(role, [])] or [self.top]
        weights = [3 if i.district == "" else 1 for i in providers]
        topics = [(k, t) for k, entries in words.COURSE_TOPICS.items() for t, _, _ in entries]
        kinds = [ResourceKind.VIDEO, ResourceKind.DOCUMENT, ResourceKind.AUDIO, ResourceKind.LINK]
        minutes = {ResourceKind.VIDEO: (8, 45), ResourceKind.DOCUMENT: (15, 60), ResourceKind.AUDIO: (10, 30),
                   ResourceKind.LINK: (20, 60)}
        rows = []
        for rid, k in zip(next_ids(Resource, count), range(count), strict=True):
            course_kind, title = topics[k % len(topics)] if k < len(topics) else rng.choice(topics)
            topic = title.split("（")[0]
            kind = rng.choices(kinds, weights=[50, 25, 10, 15])[0]
            provider = rng.choices(providers, weights=weights)[0]
            name = rng.choice(words.RESOURCE_TEMPLATES[kind]).format(topic=topic, n=rng.randint(1, 12))
            english = words.TITLE_EN.get(title, "")
            rows.append((rid, name[:128], kind, topic[:64], course_kind,
                         f"{provider.name}提供的{topic}{ResourceKind(kind).label}学习资源。（演示数据）",
                         f"https://learn.example.org/resources/{rid}", rng.randint(*minutes[kind]), provider.id, True,
                         words.RESOURCE_TEMPLATES_EN[kind].format(topic=english)[:160] if english else ""))
        self._insert("resources", Resource, ("id", "title", "kind", "topic", "course_kind", "description", "url",
                                             "duration_minutes", "provider_id", "published", "title_en"), rows)

        # Fully viewed resources become learning records: about 0.6 per resident in all.
        target = min(round(len(self.all_ids) * RESOURCE_RECORDS_PER_RESIDENT), MAX_RESOURCE_RECORDS)
        seen, records = set(), []
        first_day, last_day = datetime.date(2025, 1, 1), self.today - datetime.timedelta(days=1)
        for _ in range(3 * target):
            if len(records) >= target:
                break
            row, learner = rng.choice(rows), rng.choice(self.all_ids)
            if (row[0], learner) in seen:
                continue
            seen.add((row[0], learner))
            rid, title, _, _, course_kind, _, _, duration, provider, _, _ = row
            hours = max(Decimal("0.1"), (Decimal(duration) / 60).quantize(Decimal("0.1")))
            day = self.day_between(first_day, last_day)
            records.append((learner, provider, RecordKind.RESOURCE, course_kind, None, None, rid, title, hours, None,
                            day, f"demo-resource-{rid}-{learner}", self.dt(day, datetime.time(rng.randint(7, 22)))))
        self._records(records)
        self.progress("数字资源", len(rows), len(rows))

    # volunteers ----------------------------------------------------------------------------------------------

    def _volunteers(self):
        rng = self.rng
        adults = [(rid, place) for rid, _, place, born in self.residents
                  if 18 <= (self.today - born).days // 365 <= 75]
        count = min(len(adults), max(MIN_VOLUNTEERS, min(MAX_VOLUNTEERS, round(len(self.all_ids) * 0.03))))
        room_of_place = {i.place_id: i for i in self.by_role.get("learning_room", [])}
        volunteers, services = [], []
        first_day, last_day = datetime.date(2025, 1, 1), self.today - datetime.timedelta(days=1)
        picked = rng.sample(adults, count)
        for vid, (learner, place) in zip(next_ids(Volunteer, count), picked, strict=True):
            inst = room_of_place.get(place) or self.college_of.get(self.district_of_place(place)) or self.top
            volunteers.append((vid, learner, "、".join(rng.sample(words.VOLUNTEER_SKILLS, rng.randint(1, 3))), inst.id))
            for _ in range(rng.randint(2, 24)):
                where = inst if rng.random() < 0.8 else self.college_of.get(inst.district, self.top)
                services.append((vid, self.day_between(first_day, last_day),
                                 Decimal(str(rng.choice([1, 1.5, 2, 2, 2.5, 3, 4]))),
                                 rng.choice(words.VOLUNTEER_ACTIVITIES), where.id, None))
        self._insert("volunteers", Volunteer, ("id", "learner_id", "skills", "institution_id"), volunteers)
        service_ids = next_ids(VolunteerService, len(services))
        self._insert("volunteer_services", VolunteerService,
                     ("id", "volunteer_id", "date", "hours", "activity", "institution_id", "recorded_by_id"),
                     ((sid, *row) for sid, row in zip(service_ids, services, strict=True)))
        # Service hours are learning too: one record per entry, at the institution served.
        learner_of = {vid: learner for vid, learner, _, _ in volunteers}
        self._records([(learner_of[vid], where, RecordKind.VOLUNTEERING, "", None, None, None, f"志愿服务：{activity}",
                        hours, None, day, f"volunteer-service-{sid}", self.dt(day, datetime.time(18)))
                       for sid, (vid, day, hours, activity, where, _) in zip(service_ids, services, strict=True)])
        self.progress("志愿者", count, count)
