"""The credit bank's models declare who reaches which rows (`@scoped`), and every read starts from
`Model.objects.restrict(actor, action)`: a declaration is its learner's, and its city's reviewers' (expert reviewers
and city administrators decide it, auditors read it, a district administrator neither); a conversion is its
learner's and its target institution's; an issued transcript is checked by anyone who holds its token."""

import pytest
from django.apps import apps

from learncity.core.scopes import Action, restricted_models
from learncity.creditbank import selectors, services
from learncity.creditbank.models import Conversion, ConversionRule, Declaration, LearningAccount, Transcript
from tests.creditbank.factories import CONVERSION_RULE, completion, conversion_make, credit_world, declared
from tests.portal.world import world_build
from tests.security.credit_world import course_standard_make


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


@pytest.fixture
def recognised(db):
    """The tests' own 达州 world (tests/portal/world.py) with its course standard and conversion rule, and its
    learner's account holding a recognised course completion."""
    dz = world_build()
    course_standard_make(dz)
    conversion_make(dz)
    completion(dz.staff, dz.learner_profile, hours="32")
    return dz, LearningAccount.objects.get(learner=dz.learner_profile)


def test_a_conversion_is_decided_by_its_target_institution_not_by_whoever_reads_every_institution(recognised):
    dz, account = recognised
    rule = ConversionRule.objects.get(code=CONVERSION_RULE)
    (usable, *_) = selectors.convertible_outcomes(account=account, rule=rule)
    conversion = services.conversion_apply(actor=dz.learner, rule=rule, outcome_ids=[usable.pk])
    assert Conversion.objects.restrict(dz.staff, Action.CHANGE).filter(pk=conversion.pk).exists()
    decided = Conversion.objects.restrict(dz.expert, Action.CHANGE)
    assert not decided.filter(pk=conversion.pk).exists()
    assert not Conversion.objects.restrict(dz.auditor, Action.CHANGE).filter(pk=conversion.pk).exists()


def test_an_issued_transcript_is_checked_by_anyone_who_holds_its_token(recognised):
    dz, account = recognised
    transcript = services.transcript_issue(actor=dz.city_admin, account=account)
    assert Transcript.objects.restrict(None, Action.BROWSE).filter(token=transcript.token).exists()
    assert not Transcript.objects.restrict(None, Action.VIEW).filter(token=transcript.token).exists()
