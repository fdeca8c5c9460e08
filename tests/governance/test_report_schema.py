"""Report forms as data (governance/report_schema.py): a bad form is refused naming the place, bad answers naming
the cell; drafts may be partial but never malformed; the shipped quarterly form is well formed."""

import copy

import pytest

from learncity.core.errors import DomainError
from learncity.governance.report_schema import answers_check, schema_check
from tests.governance.report_factories import answers, quarterly

SCHEMA = quarterly()["schema"]


def _schema(change) -> dict:
    schema = copy.deepcopy(SCHEMA)
    change(schema)
    return schema


def _errors(call, *args, **kw) -> dict:
    with pytest.raises(DomainError) as exc:
        call(*args, **kw)
    return exc.value.errors


def test_the_shipped_quarterly_form_is_well_formed():
    assert schema_check(SCHEMA) is SCHEMA


def test_a_form_without_sections_is_refused():
    assert _errors(schema_check, {"sections": []}) == {"sections": ["报表至少要有一个部分（sections）"]}


def test_a_duplicate_field_key_is_refused_by_its_place():
    schema = _schema(lambda s: s["sections"][1]["fields"][0].update(key="courses"))
    assert _errors(schema_check, schema) == {"sections.1.fields.0.key": ["代码「courses」重复"]}


def test_an_unknown_type_is_refused_by_the_field():
    schema = _schema(lambda s: s["sections"][0]["fields"][0].update(type="date"))
    assert _errors(schema_check, schema) == {
        "courses.type": ["未知的填报项类型「date」（可用：number、text、attachments、table）"]}


def test_min_above_max_is_refused():
    schema = _schema(lambda s: s["sections"][0]["fields"][0].update(min="10", max="5"))
    assert _errors(schema_check, schema) == {"courses.min": ["下限 10 大于上限 5"]}


def test_a_table_column_min_not_a_number_and_a_duplicate_row_are_refused():
    def change(s):
        table = s["sections"][1]["fields"][1]
        table["rows"].append({"key": "budget", "label": "又一行"})
        table["columns"][0]["min"] = "零"

    assert _errors(schema_check, _schema(change)) == {
        "funds_by_source.rows.3.key": ["代码「budget」重复"],
        "funds_by_source.columns.amount.min": ["「零」不是数字（请写成字符串，如 \"0\"）"]}


def test_a_rule_or_a_feed_naming_an_unknown_cell_is_refused():
    def change(s):
        s["rules"] = [{"kind": "sum", "cells": "by_industry.*.staff", "equals": "staff_total"},
                      {"kind": "lte", "left": "summary", "right": "participants"}, {"kind": "avg"}]
        s["feeds"] = [{"indicator": "EMP-CE", "numerator": "staff_trained", "denominator": "nobody"}]

    assert _errors(schema_check, _schema(change)) == {
        "rules.0.cells": ["「by_industry.*.staff」不是本报表的数字填报项或表格单元格"],
        "rules.0.equals": ["「staff_total」不是本报表的数字填报项或表格单元格"],
        "rules.1.left": ["「summary」不是本报表的数字填报项或表格单元格"],
        "rules.2.kind": ["未知的规则「avg」（可用：sum、lte）"],
        "feeds.0.denominator": ["「nobody」不是本报表的数字填报项或表格单元格"]}


def test_complete_answers_are_cleaned_to_the_fields_decimals():
    cleaned = answers_check(SCHEMA, answers(participants="1,200", summary="  好  "), complete=True)
    assert cleaned == {"courses": "12", "activities": "3", "participants": "1200", "staff_trained": "300",
                       "funds_total": "10.50", "funds_by_source": {"budget": {"amount": "8.00"},
                                                                   "unit_own": {"amount": "2.50"},
                                                                   "social": {"amount": "0.00"}},
                       "summary": "好"}


def test_rows_that_do_not_add_up_name_the_total_cell():
    errors = _errors(answers_check, SCHEMA, answers(funds_total="11"), complete=True)
    assert errors == {"funds_total": ["「经费投入合计」填的是 11.00，但「经费来源」各项之和是 10.50，两者须相等"]}


def test_one_field_above_another_is_refused_on_the_left_one():
    errors = _errors(answers_check, SCHEMA, answers(staff_trained="1201"), complete=True)
    assert errors == {"staff_trained": ["「其中本系统职工参训人次」（1201）不能大于「参与人次」（1200）"]}


@pytest.mark.parametrize(("changes", "expected"), [
    ({"courses": "-1"}, {"courses": ["「开设课程」须在 0 到 100000 门之间，填的是 -1"]}),
    ({"courses": "1.5"}, {"courses": ["「开设课程」须为整数"]}),
    ({"funds_total": "1.005"}, {"funds_total": ["「经费投入合计」最多 2 位小数"]}),
    ({"activities": "三场"}, {"activities": ["「组织活动」须填数字，「三场」不是数字"]}),
    ({"funds_by_source": {"budget": {"amount": "-8"}}},
     {"funds_by_source.budget.amount": ["「经费来源·财政预算·金额」须在 0 到 1000000 万元之间，填的是 -8"]}),
    ({"funds_by_source": {"lottery": {"amount": "1"}}},
     {"funds_by_source.lottery": ["「经费来源」没有「lottery」这一行"]}),
    ({"funds_by_source": {"budget": {"amount": "1", "count": "2"}}},
     {"funds_by_source.budget.count": ["「经费来源」没有「count」这一列"]}),
    ({"weather": "晴"}, {"weather": ["本报表没有填报项「weather」"]}),
    ({"summary": "字" * 4001}, {"summary": ["「本季度工作总结」最多 4000 字，填了 4001 字"]}),
], ids=["below_min", "not_integer", "decimals", "not_number", "cell_range", "wrong_row", "wrong_column",
        "unknown_field", "too_long"])
def test_a_draft_is_never_malformed_and_each_error_names_its_cell(changes, expected):
    assert _errors(answers_check, SCHEMA, changes, complete=False) == expected


def test_a_draft_may_be_partial_but_a_submission_must_be_complete():
    assert answers_check(SCHEMA, {"courses": "2", "funds_by_source": {"budget": {"amount": "1"}}},
                         complete=False) == {"courses": "2", "funds_by_source": {"budget": {"amount": "1.00"}}}
    errors = _errors(answers_check, SCHEMA, {"courses": "2", "funds_by_source": {"budget": {"amount": "1"}}},
                     complete=True)
    assert errors == {"activities": ["请填写「组织活动」"], "participants": ["请填写「参与人次」"],
                      "funds_total": ["请填写「经费投入合计」"],
                      "funds_by_source.unit_own.amount": ["请填写「经费来源·单位自筹·金额」"],
                      "funds_by_source.social.amount": ["请填写「经费来源·社会投入·金额」"],
                      "summary": ["请填写「本季度工作总结」"]}


def test_a_required_attachment_field_needs_a_file_on_submission():
    schema = _schema(lambda s: s["sections"][2]["fields"][2].update(required=True))
    assert _errors(answers_check, schema, answers(), complete=True) == {"photos": ["「佐证材料」请至少上传一个文件"]}
    assert answers_check(schema, answers(), complete=True, attachments={"photos": 1})["courses"] == "12"
