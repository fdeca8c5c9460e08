"""The demo catalog's venues: one for each institution with a place to teach, gymnasiums and open schools,
with their full addresses and transit notes."""

import random
from collections import defaultdict

from learncity.catalog.models import Venue
from learncity.core.bulk import next_ids
from learncity.network.models import InstitutionKind as IK
from learncity.places.models import Place, PlaceLevel

from .. import catalog_names as words
from .plan import CLASSROOM_CAPACITY, VENUE_KIND, PlanInst


class Venues:
    """The venues (a part of the build: see build.CatalogBuild)."""

    def _venues(self):
        rng = self.rng
        own = [i for i in self.insts if i.kind in VENUE_KIND]
        extra = [(f"{self.city.name}体育中心体育馆", Venue.Kind.GYMNASIUM, self.city.id, self.city.name, "")]
        for did, dcode, dname in self.districts:  # gymnasiums and schools that open their facilities
            if rng.random() < 0.5:
                extra.append((f"{dname}全民健身中心体育馆", Venue.Kind.GYMNASIUM, did, dname, dcode))
            if rng.random() < 0.4:
                school = rng.choice([f"{dname}实验小学", f"{dname}第{rng.randint(1, 12)}中学", f"{dname}实验中学"])
                extra.append((school, Venue.Kind.SCHOOL, did, dname, dcode))
        self.venue_of: dict[int, int] = {}  # institution -> its venue
        self.station_of_place: dict[int, int] = {}  # street -> its cultural station's venue
        self.rooms: dict[int, list[str]] = {}
        self.venue_info: dict[int, tuple] = {}  # venue -> (kind, institution or None, district, capacity, name)
        rows = []
        ids = iter(next_ids(Venue, len(own) + len(extra)))
        for i in own:
            vid, vkind = next(ids), VENUE_KIND[i.kind]
            if vkind == Venue.Kind.ELDERLY_CENTRE:
                name = f"{i.name.removesuffix('老年大学')}老年活动中心"
            elif vkind == Venue.Kind.CLASSROOM and i.role != "learning_room":
                name = f"{i.name}教学点"
            else:
                name = i.name
            rows.append(self._venue_row(vid, name, vkind, i.place_id, i, i.address or i.place_name,
                                        capacity=CLASSROOM_CAPACITY.get(i.role)))
            self.venue_of[i.id] = vid
            self.rooms[vid] = list(words.ROOMS.get(i.role, ["多功能厅"]))
            if i.kind == IK.CULTURAL_STATION:
                self.station_of_place[i.place_id] = vid
        for name, vkind, place_id, pname, district in extra:
            vid = next(ids)
            rows.append(self._venue_row(vid, name, vkind, place_id, None, pname, district))
            self.rooms[vid] = ["主馆"]
        rows = self._venue_addresses(rows)
        self._insert("venues", Venue, ("id", "name", "kind", "place_id", "institution_id", "address",
                                       "opening_hours", "free_open_days", "capacity", "accessibility",
                                       "transit_note"), rows)
        self.progress("场馆", len(rows), len(rows))

    def _venue_addresses(self, rows: list[tuple]) -> list[tuple]:
        """Each venue's full address (district, street, road and number: 鼓楼区鼓东街道五四路 128 号; a village's by
        its group), a transit note for most of the bigger venues and some teaching points, and a name that says
        its street (or district) where the city has several of that name (the generated villages repeat names: 22
        南门村学习室 in 22 villages looked like one venue listed 22 times).
        Two institutions of one name at one place share one venue instead of listing it twice. Drawn from an rng
        of their own, so the rest of the demo stays as it was."""
        rng = random.Random(f"{self.city.code}:venue-addresses")
        places = _Places(self.city)
        name_count = defaultdict(int)
        for row in rows:
            name_count[row[1]] += 1
        seen: dict[tuple, int] = {}
        out = []
        for vid, name, vkind, place_id, inst_id, _address, hours, free, capacity, access in rows:
            if (name, place_id) in seen:  # a second institution of the same name at the same place
                self._venue_merge(vid, seen[(name, place_id)])
                continue
            seen[(name, place_id)] = vid
            district, street, community = places.where(place_id, rng)
            prefix = places.chain(place_id)[1] or district
            if name_count[name] > 1 and prefix and not name.startswith(prefix):
                name = f"{prefix}{name}"[:128]
                info = self.venue_info.get(vid)
                if info:
                    self.venue_info[vid] = (*info[:4], name)
            village = community.endswith("村")
            if village:
                address = f"{district}{street}{community}{rng.randint(1, 12)}组 {rng.randint(1, 99)} 号"
            else:
                road = rng.choice(words.ROADS)
                address = f"{district}{street}{community if vkind == Venue.Kind.CLASSROOM else ''}{road} " \
                          f"{rng.randint(1, 399)} 号"
            transit = self._transit(rng, vkind, village, district, street, community)
            out.append((vid, name, vkind, place_id, inst_id, address[:200], hours, free, capacity, access, transit))
        return out

    def _venue_merge(self, vid: int, kept: int) -> None:
        """The venue `vid` is the same as `kept` (a second institution of its name at its place): use that one."""
        self.venue_of.update({i: kept for i, v in self.venue_of.items() if v == vid})
        self.station_of_place.update({p: kept for p, v in self.station_of_place.items() if v == vid})
        self.venue_info.pop(vid, None)
        self.rooms.pop(vid, None)

    def _transit(self, rng: random.Random, vkind: str, village: bool, district: str, street: str,
                 community: str) -> str:
        """A venue's transit note: a village's bus stop, else the metro or a bus for most bigger venues."""
        big = vkind not in (Venue.Kind.CLASSROOM, Venue.Kind.CULTURAL_STATION)
        if village and rng.random() < 0.3:
            return words.TRANSIT_VILLAGE.format(stop=community)
        if village or rng.random() >= (0.9 if big else 0.3):
            return ""
        stop = (street or district or self.city.name).removesuffix("街道") + rng.choice(["", "口", "路口"])
        if big and street.endswith("街道") and rng.random() < 0.6:  # the metro runs in town
            return words.TRANSIT_METRO.format(line=rng.randint(1, 6), stop=stop, exit=rng.choice("ABCD"),
                                              minutes=rng.randint(3, 10))
        a = rng.randint(1, 180)
        return words.TRANSIT_BUS.format(a=a, b=a + rng.randint(3, 90), stop=stop, minutes=rng.randint(2, 8))

    def _venue_row(self, vid, name, vkind, place_id, inst: PlanInst | None, address, district="", capacity=None):
        hours, free, (lo, hi) = words.VENUE_HOURS[vkind]
        if vkind == Venue.Kind.CLASSROOM and capacity:
            lo, hi = capacity
        capacity = self.rng.randint(lo, hi) // 10 * 10
        self.venue_info[vid] = (vkind, inst, inst.district if inst else district, capacity, name)
        return (vid, name[:128], vkind, place_id, inst.id if inst else None, address[:200], hours, free, capacity,
                self.rng.choice(words.ACCESSIBILITY))

    def venues_of(self, vkind: str, district: str) -> list[int]:
        return [vid for vid, (k, _, d, _, _) in self.venue_info.items() if k == vkind and d == district]


class _Places:
    """The city's places as a venue's address needs them: the district, street and community each lies in."""

    def __init__(self, city: Place):
        self.places = {pid: (name, level, parent) for pid, name, level, parent in Place.objects.filter(
            path__startswith=city.path).values_list("id", "name", "level", "parent_id")}
        self.streets_of = defaultdict(list)  # a district's streets: a venue of the district itself is in one of them
        for pid, (_, level, parent) in sorted(self.places.items()):
            if level == PlaceLevel.STREET:
                self.streets_of[parent].append(pid)
        self.city_districts = [pid for pid, (_, level, parent) in sorted(self.places.items())
                               if level == PlaceLevel.DISTRICT and parent == city.id]

    def chain(self, place_id) -> tuple[str, str, str]:
        """District, street, community names (those the place has)."""
        names, pid = {}, place_id
        while pid in self.places and self.places[pid][1] >= PlaceLevel.DISTRICT:
            name, level, parent = self.places[pid]
            names[level] = name
            pid = parent
        return names.get(PlaceLevel.DISTRICT, ""), names.get(PlaceLevel.STREET, ""), names.get(
            PlaceLevel.COMMUNITY, "")

    def where(self, place_id, rng: random.Random) -> tuple[str, str, str]:
        """(district, street, community) of a venue's address: the city's own venues stand in one of its central
        districts, and a venue of a district (or the city) in one of its streets."""
        district, street, community = self.chain(place_id)
        if not district and self.city_districts:
            place_id = rng.choice(self.city_districts[:3])
            district = self.places[place_id][0]
        if not street and self.streets_of.get(place_id):
            street = self.places[rng.choice(self.streets_of[place_id])][0]
        return district, street, community
