"""The API document is true: Schemathesis drives every operation of /api/openapi.json, in process, through all its
phases (examples, coverage, fuzzing, stateful), as the city administrator (a personal token: wide rights) and as
anonymous, with a fixed seed and a bounded number of examples, and finds no server error, no response that differs
from its schema and no status the document does not declare.

PostgreSQL only (`make test` runs it there): SQLite's single writer and its lax types are not what is served.

The run shares the test's database connection with Schemathesis's worker thread, so it sees the demo city and
everything it writes is rolled back with the test; each request runs in its own savepoint, as each request has its
own transaction when served. The sign-in lock-out is off for the run (its probes with invalid credentials would lock
the run's own address out; tests/security/test_signin_throttling.py covers the lock-out).
"""

import collections

import pytest
import requests
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.transport import wsgi as schemathesis_wsgi

from learncity.people.services import api_token_create

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Schemathesis runs against PostgreSQL"),
]

SEED = 20261207
EXAMPLES = {"city_admin": 10, "anonymous": 5}  # a bounded number of examples an operation, a run each
# Every check Schemathesis has but two: positive_data_acceptance (a schema cannot say which codes exist in the
# city: an unknown institution is a 400) and negative_data_rejection (pydantic's lax coercions: "5" for 5, 0 for
# false, are accepted).
LEFT_OUT = ("positive_data_acceptance", "negative_data_rejection")


class InProcessApp:
    """Django's WSGI application on the test's own connection, each request in a savepoint (rolled back when the
    answer is a server error, so one failed statement does not poison the requests after it)."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.connection = connections["default"]

    def __call__(self, environ, start_response):
        connections["default"] = self.connection  # in Schemathesis's worker thread
        response = None
        try:
            with transaction.atomic():
                response = self.handler(environ, start_response)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
        except DatabaseError:
            pass  # the savepoint is gone with the failed request; its answer (a 500) is what Schemathesis sees
        return response


@pytest.fixture
def in_process_app(db, settings, monkeypatch):
    settings.AXES_ENABLED = False
    # The connection is the test's transaction: Django must not close it at each request's start and end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    connection.inc_thread_sharing()
    # Schemathesis 4.32.5 hands the WSGI client the network-only options when its ignored_auth check re-sends a
    # request without credentials (werkzeug refuses `max_redirects`); they mean nothing in process.
    send = schemathesis_wsgi.WSGI_TRANSPORT.send

    def send_in_process(case, *, session=None, **kwargs):
        if not isinstance(session, requests.Session):
            for name in ("max_redirects", "verify", "cert", "proxies"):
                kwargs.pop(name, None)
        return send(case, session=session, **kwargs)

    monkeypatch.setattr(schemathesis_wsgi.WSGI_TRANSPORT, "send", send_in_process)
    try:
        yield InProcessApp()
    finally:
        connection.dec_thread_sharing()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run(app, *, headers: dict, examples: int) -> dict:
    config = SchemathesisConfig.from_dict({
        "seed": SEED, "workers": 1, "cache": {"enabled": False}, "headers": headers,
        "generation": {"max-examples": examples},
        "checks": {name: {"enabled": False} for name in LEFT_OUT},
    })
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)
    figures = {"operations": set(), "cases": collections.Counter(), "failures": collections.Counter(),
               "examples": [], "errors": [], "phases": {}}
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            figures["operations"].add(recorder.label)
            figures["cases"][str(event.phase.value)] += len(recorder.cases)
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status.value == "failure":
                        figures["failures"][check.name] += 1
                        if len(figures["examples"]) < 20:
                            figures["examples"].append(
                                f"{check.name} {recorder.label}: {check.failure_info.failure.title}\n"
                                f"{check.failure_info.code_sample[:500]}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            figures["errors"].append(str(getattr(event, "value", None) or getattr(event, "exception", None)))
        elif isinstance(event, events.PhaseFinished):
            figures["phases"][event.phase.name.value] = event.status.value
    return figures


def _report(who: str, figures: dict) -> str:
    return (f"{who}: {len(figures['operations'])} operations, {sum(figures['cases'].values())} cases "
            f"{dict(figures['cases'])}, phases {figures['phases']}, failures {dict(figures['failures'])}")


# As the demo city's administrator on purpose: the subject is the whole API over a full city (every list and
# object its routes can reach), not a world of the test's own.
@pytest.mark.parametrize("who", ["city_admin", "anonymous"])
def test_every_answer_of_the_api_is_the_one_its_document_declares(who, in_process_app, users, capsys):
    headers = {}
    if who != "anonymous":
        _, token = api_token_create(actor=users[who], name="schemathesis")
        headers = {"Authorization": f"Bearer {token}"}

    figures = _run(in_process_app, headers=headers, examples=EXAMPLES[who])

    with capsys.disabled():
        print("\n" + _report(who, figures))
    assert figures["errors"] == []
    assert dict(figures["failures"]) == {}, "\n\n".join(figures["examples"])
    # every phase ran (the stateful one follows the links the document's schemas imply)
    assert figures["phases"] == {"probing": "success", "schema_analysis": "success", "auth_bootstrap": "success",
                                 "examples": "success", "coverage": "success", "fuzzing": "success",
                                 "stateful": "success"}
    assert len(figures["operations"]) > 100
