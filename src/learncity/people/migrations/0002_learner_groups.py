from django.db import migrations

GROUPS = [
    ("employee", "企业职工"),
    ("farmer", "农民"),
    ("migrant_worker", "进城务工人员"),
    ("elderly", "老年人"),
    ("disabled", "残疾人"),
    ("unemployed", "失业人员"),
    ("civil_servant", "公务员"),
    ("professional", "专业技术人员"),
    ("women", "妇女"),
    ("youth", "青少年"),
]


def add_groups(apps, schema_editor):
    LearnerGroup = apps.get_model("people", "LearnerGroup")
    for code, name in GROUPS:
        LearnerGroup.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add_groups, migrations.RunPython.noop)]
