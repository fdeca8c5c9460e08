# Chinese statistics are written with a thousands separator (常住人口 641,910), like Django's English format.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
