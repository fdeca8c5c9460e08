"""Checks the test modules share."""

import pytest

from learncity.core.errors import DomainError


def refuses(snapshot):
    """`refused(call, exc_type=DomainError, **kwargs)`: call a service that must refuse, and check by `snapshot()`
    that it wrote nothing; the refusal is returned for its message."""

    def refused(call, exc_type=DomainError, **kwargs):
        before = snapshot()
        with pytest.raises(exc_type) as exc:
            call(**kwargs)
        assert snapshot() == before, "a refused write must change nothing"
        return exc.value

    return refused
