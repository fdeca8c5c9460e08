"""Numbers on pages, written one way everywhere: hours, credits, points and money.

`{{ x|num }}` — a count or a measure: at most two decimal places, rounded half up, no trailing zeros, thousands
grouped: 52.2, 24, 1,763, 3.25. `{{ x|num:1 }}` keeps at most one place.
`{{ x|money }}` — an amount in yuan: ¥680, ¥12.50, ¥1,280 (cents only when there are some).

They take int, float, Decimal or a numeric string (SQLite hands back floats, so 52.2000000000000 happens); None
or "" prints nothing, so `|default:"—"` still applies; anything else is printed as it came (a template never
breaks on a value it cannot read)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _grouped(number: Decimal, places: int, keep_zeros: bool) -> str:
    step = Decimal(1).scaleb(-places)
    rounded = number.quantize(step, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:,.{places}f}"
    if not keep_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@register.filter
def num(value, places=2):
    """A number with at most `places` decimals (default 2), trailing zeros dropped, thousands grouped."""
    number = _decimal(value)
    if number is None:
        return "" if value is None or value == "" else value
    try:
        places = max(0, min(int(places), 6))
    except (TypeError, ValueError):
        places = 2
    return _grouped(number, places, keep_zeros=False)


@register.filter
def money(value):
    """An amount in yuan: ¥680 when whole, else ¥12.50; thousands grouped; a negative amount as -¥12.50."""
    number = _decimal(value)
    if number is None:
        return "" if value is None or value == "" else value
    whole = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == number.to_integral_value(ROUND_HALF_UP)
    text = _grouped(abs(number), 0 if whole else 2, keep_zeros=True)
    return ("-" if number < 0 and text.strip("0.,") else "") + "¥" + text
