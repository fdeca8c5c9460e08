"""The credit bank's models declare who reaches which rows (`@scoped`), and every read starts from
`Model.objects.restrict(actor, action)`: a declaration is its learner's, and its city's reviewers' (expert reviewers
and city administrators decide it, auditors read it, a district administrator neither); a conversion is its
learner's and its target institution's; an issued transcript is checked by anyone who holds its token."""

import pytest
from django.apps import apps

from learncity.core.scopes import Action, restricted_models
from learncity.creditbank.models import Conversion, Declaration, LearningAccount, Transcript
from tests.creditbank.factories import credit_world, declared


def test_every_credit_bank_model_declares_its_rule():
    models = set(apps.get_app_config("creditbank").get_models())
    assert models <= set(restricted_models())


@pytest.fixture
def world(db):
    return credit_world()


@pytest.fixture
def declaration(world):
    return declared(world["learner"], code=world["standard"].standard.code)


@pytest.mark.parametrize(("who", "reads", "decides"), [
    ("learner", True, False),  # their own
    ("expert", True, True),
    ("city_admin", True, True),
    ("auditor", True, False),
    ("district_admin", False, False),
    ("staff", False, False),
])
def test_a_declaration_is_read_by_its_learner_and_the_citys_reviewers_and_decided_by_its_reviewers(
        world, declaration, who, reads, decides):
    user = world[who]
    assert Declaration.objects.restrict(user, Action.VIEW).filter(pk=declaration.pk).exists() is reads
    assert Declaration.objects.restrict(user, Action.CHANGE).filter(pk=declaration.pk).exists() is decides
    assert not Declaration.objects.restrict(None, Action.VIEW).filter(pk=declaration.pk).exists()


def test_an_account_is_its_learners_and_the_people_scope_of_whom_manages_them(world, declaration):
    account = declaration.account
    for who, reads in (("learner", True), ("city_admin", True), ("auditor", True), ("expert", False),
                       ("staff", False)):
        assert LearningAccount.objects.restrict(world[who], Action.VIEW).filter(pk=account.pk).exists() is reads, who


def test_a_conversion_is_decided_by_its_target_institution_not_by_whoever_reads_every_institution(users):
    conversion = Conversion.objects.select_related("rule__target_institution", "account__learner").first()
    if conversion is None:
        pytest.skip("the demo city has no conversion application")
    decided = Conversion.objects.restrict(users["expert"], Action.CHANGE)
    assert not decided.filter(pk=conversion.pk).exists()
    assert not Conversion.objects.restrict(users["auditor"], Action.CHANGE).filter(pk=conversion.pk).exists()


def test_an_issued_transcript_is_checked_by_anyone_who_holds_its_token(users):
    transcript = Transcript.objects.first()
    if transcript is None:
        pytest.skip("the demo city has issued no transcript")
    assert Transcript.objects.restrict(None, Action.BROWSE).filter(token=transcript.token).exists()
    assert not Transcript.objects.restrict(None, Action.VIEW).filter(token=transcript.token).exists()
