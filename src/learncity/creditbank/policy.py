"""The city a place belongs to and the city's credit-bank policy: read by the selectors (learning points) and the
services (conversions, rules) alike, so below both."""

from django.utils.translation import gettext

from learncity.core.errors import DomainError
from learncity.core.scopes import Action
from learncity.creditbank.models import CreditPolicy
from learncity.places.models import Place
from learncity.places.selectors import city_of


def city_of_place(place: Place) -> Place:
    """The city (or province-level municipality) a place belongs to."""
    city = city_of(place)
    if city is None:
        raise DomainError({"place": gettext("「%(name)s」不在任何城市之内") % {"name": place.name}})
    return city


def policy_for(city: Place) -> CreditPolicy:
    """The city's policy, or the defaults (unsaved) when it has none yet."""
    return CreditPolicy.objects.restrict(None, Action.BROWSE).filter(city=city).first() or CreditPolicy(city=city)
