from django.db import migrations


def seed(apps, schema_editor):
    from learncity.monitoring.seeds import INDICATORS

    Indicator = apps.get_model("monitoring", "Indicator")
    IndicatorVersion = apps.get_model("monitoring", "IndicatorVersion")
    for order, (code, name, unit, area, published, spec, explanation) in enumerate(INDICATORS, start=1):
        indicator, created = Indicator.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "area": area, "published": published,
                                 "explanation": explanation, "order": order * 10})
        if created:
            IndicatorVersion.objects.create(indicator=indicator, version=1, spec=spec, status="active")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial"), ("people", "0002_learner_groups")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
