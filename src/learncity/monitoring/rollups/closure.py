"""The closure of the place tree (`PlaceAncestor`): each place with itself and every ancestor."""


from django.db.models import (
    Count,
    Max,
)

from learncity.monitoring.models import (
    PlaceAncestor,
)
from learncity.places.models import Place


def _closure_current() -> bool:
    places = Place.objects.aggregate(n=Count("pk"), top=Max("pk"))
    closed = PlaceAncestor.objects.filter(depth=0).aggregate(n=Count("place_id"), top=Max("place_id"))
    return places["n"] == closed["n"] and places["top"] == closed["top"]


def closure_sync() -> int:
    """Add the closure rows of places added since (rare: imports of communities); rebuild if places went away."""
    if _closure_current():
        return 0
    have = PlaceAncestor.objects.filter(depth=0)
    if have.exclude(place_id__in=Place.objects.values("pk")).exists():
        PlaceAncestor.objects.all().delete()
    missing = list(Place.objects.exclude(pk__in=PlaceAncestor.objects.filter(depth=0).values("place_id"))
                   .values_list("pk", "path"))
    codes = {c for _, path in missing for c in path.strip("/").split("/")}
    by_code = {code: (pk, level) for code, pk, level in Place.objects.filter(code__in=codes)
               .values_list("code", "pk", "level")}
    rows = []
    for pk, path in missing:
        chain = [by_code[c] for c in path.strip("/").split("/") if c in by_code]
        for depth, (anc, level) in enumerate(reversed(chain)):
            rows.append(PlaceAncestor(place_id=pk, ancestor_id=anc, level=level, depth=depth))
    PlaceAncestor.objects.bulk_create(rows, batch_size=5000)
    return len(rows)

