"""Template filters of the monitoring pages: a value printed exactly as the documents print it."""

from django import template
from django.utils.translation import gettext as _

from learncity.monitoring import reports, selectors

register = template.Library()


def _localised(text: str) -> str:
    return _("无数据") if text == reports.NO_DATA else text


@register.filter
def mvalue(value, info):
    """A selectors.Value for an indicator: "35.2%", "1,234", "无数据" (no denominator), "<10" (a small cell)."""
    return _localised(reports.value_text(value, is_rate=getattr(info, "is_rate", False),
                                         suppress_below=selectors.min_cell()))


@register.filter
def mtarget(value, info):
    """A target (a Decimal) for an indicator: "35%", "5,000"; "—" when there is none."""
    if value is None:
        return "—"
    kind = "percent" if getattr(info, "is_rate", False) else "number"
    return reports.cell_text(value, reports.Column("", kind))


@register.filter
def mnumber(value):
    """A Decimal or int count; "—" when there is none."""
    if value is None:
        return "—"
    return reports.cell_text(value, reports.Column("", "number"))


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def index(sequence, i):
    try:
        return sequence[i]
    except (IndexError, TypeError, KeyError):
        return None
