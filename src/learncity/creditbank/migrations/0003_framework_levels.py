"""The qualifications framework's ten levels by default (editable): from the basic skills of everyday life to
doctoral level, in the manner of national qualifications frameworks (the EQF has eight; Shanghai's and
Guangdong's frameworks have seven to ten)."""

from django.db import migrations

LEVELS = [
    (1, "一级 基础", "日常生活与社区学习的基础知识和技能"),
    (2, "二级 入门", "初级职业技能（职业技能等级五级）、社区教育入门课程"),
    (3, "三级 初级", "职业技能等级四级、初中后职业培训"),
    (4, "四级 中级", "职业技能等级三级、中职学历"),
    (5, "五级 高级", "职业技能等级二级、高职（专科）学历"),
    (6, "六级 技师", "职业技能等级一级（技师）、本科学历"),
    (7, "七级 高级技师", "高级技师、学士学位"),
    (8, "八级 硕士", "硕士研究生学历与相应的专业能力"),
    (9, "九级 博士", "博士研究生学历"),
    (10, "十级 专家", "领域的领军人才与专家"),
]


def forwards(apps, schema_editor):
    FrameworkLevel = apps.get_model("creditbank", "FrameworkLevel")
    FrameworkLevel.objects.bulk_create([FrameworkLevel(level=n, name=name, description=d) for n, name, d in LEVELS])


def backwards(apps, schema_editor):
    apps.get_model("creditbank", "FrameworkLevel").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0002_ledger_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
