"""The service hall's governance to-dos (portal home, selectors.home_tasks): a unit's returns to fill in and those
sent back are counted in the tasks' one query, and an inspector's visits are listed, each with its link."""

import re

import pytest

from learncity.core.scopes import scope_for
from learncity.governance import selectors
from learncity.governance.inputs.reports import ReturnDecisionIn
from learncity.governance.services import reports
from tests.governance import inspection_factories as insp
from tests.governance.factories import governance_fixtures
from tests.governance.report_factories import return_of, round_make, submitted

governance_built, gov = governance_fixtures()


def todo_counts(page: str) -> dict[str, int]:
    found = re.findall(r'data-testid="todo-(\w+)".*?data-testid="todo-count">([\d,]+)<', page, re.S)
    return {key: int(n.replace(",", "")) for key, n in found}


def test_a_units_returns_due_and_sent_back_are_counted_with_its_tasks(gov, django_assert_num_queries):
    rnd = round_make(gov)
    scope_for(gov.education_reporter)  # the actor's scope, read once per request, before the count
    with django_assert_num_queries(2):  # no open task of its own: the (empty) list, then the figures on its user row
        before = selectors.home_tasks(actor=gov.education_reporter, today=rnd.period_end)
    assert (before["count"], before["returns_due"], before["returns_returned"]) == (0, 1, 0)
    reports.return_decide(actor=gov.city_admin, report_return=submitted(gov, rnd),
                          data=ReturnDecisionIn(accept=False, comment="请补充经费来源"))
    after = selectors.home_tasks(actor=gov.education_reporter, today=rnd.period_end)
    assert (after["returns_due"], after["returns_returned"]) == (0, 1)
    # the other unit of the round (人力资源和社会保障局) still owes its return; the district its own
    assert selectors.home_tasks(actor=gov.reporter, today=rnd.period_end)["returns_due"] == 1
    assert selectors.home_tasks(actor=gov.district_admin, today=rnd.period_end)["returns_due"] == 1
    # roles that fill in nothing count nothing
    assert selectors.home_tasks(actor=gov.auditor, today=rnd.period_end)["returns_due"] == 0


def test_the_service_hall_shows_the_returns_to_fill_and_the_one_sent_back(gov, client):
    rnd = round_make(gov)
    reports.return_decide(actor=gov.city_admin, report_return=submitted(gov, rnd),
                          data=ReturnDecisionIn(accept=False, comment="请补充经费来源"))
    client.force_login(gov.education_reporter)
    page = client.get("/").content.decode()
    assert todo_counts(page)["returns"] == 1
    assert 'data-testid="returns-returned"' in page and "1 份被退回修改" in page
    assert return_of(rnd, gov.units["教育局"]).state == "returned"


@pytest.mark.parametrize("who", ["auditor", "expert", "staff"])
def test_who_fills_in_nothing_has_no_returns_to_do(gov, client, who):
    round_make(gov)
    client.force_login(gov.user(who))
    assert "returns" not in todo_counts(client.get("/").content.decode())


def test_an_inspector_sees_the_visits_they_are_sent_on_and_nothing_else(gov, client):
    standard = insp.standard_make(gov)
    inspector = insp.inspector_make(gov)
    rnd = insp.round_make(gov, standard)
    visit = insp.visit_make(gov, rnd, inspector, place_id=gov.district.pk)
    client.force_login(inspector)
    page = client.get("/").content.decode()
    assert todo_counts(page) == {"inspections": 1}
    assert f'href="/governance/inspection-visits/{visit.pk}/"' in page
    other = insp.inspector_make(gov)
    client.force_login(other)
    assert todo_counts(client.get("/").content.decode()) == {"inspections": 0}


def test_with_open_tasks_the_list_carries_every_figure_in_one_query(gov, django_assert_num_queries):
    from learncity.governance import services
    from learncity.governance.inputs import ImportIn
    from tests.governance.factories import two_items

    services.workplan_import(actor=gov.city_admin, committee=gov.committee, data=ImportIn(text=two_items(2026)))
    rnd = round_make(gov)
    scope_for(gov.education_reporter)
    with django_assert_num_queries(1):
        home = selectors.home_tasks(actor=gov.education_reporter, today=rnd.period_end)
    assert (home["count"], len(home["items"]), home["returns_due"], home["returns_returned"]) == (1, 1, 1, 0)
