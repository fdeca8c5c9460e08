"""The demo's "now", one for every builder: ages, terms and histories are reckoned from it, so the city is the
same on every machine and every day it is built (only the next term's courses follow the real date)."""

import datetime

TODAY = datetime.date(2026, 11, 1)
