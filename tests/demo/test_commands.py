import pytest
from django.core.management import CommandError, call_command

from learncity.people.models import LearnerProfile


def test_demo_refuses_a_negative_number_of_residents(db):
    before = LearnerProfile.objects.count()

    with pytest.raises(CommandError, match="--residents must be 0 or more, not -5"):
        call_command("demo", residents=-5, no_serve=True, verbosity=0)

    assert LearnerProfile.objects.count() == before


def test_demo_refuses_an_unknown_city_naming_it(db):
    before = LearnerProfile.objects.count()

    with pytest.raises(CommandError, match="未知的城市「不存在市」"):
        call_command("demo", city="不存在市", no_serve=True, verbosity=0)

    assert LearnerProfile.objects.count() == before


def test_demo_run_again_says_the_city_exists_and_adds_nothing(db, capsys):
    before = LearnerProfile.objects.count()

    call_command("demo", no_serve=True, verbosity=0)

    out = capsys.readouterr().out
    assert "演示城市 福州市（350100）已存在" in out
    assert "district_admin" in out and "city_admin" in out and "learner" in out
    assert LearnerProfile.objects.count() == before


def test_bench_refuses_an_unknown_benchmark():
    with pytest.raises(CommandError, match="unknown benchmark 'nosuch'; available: dashboard, demo"):
        call_command("bench", "nosuch")
