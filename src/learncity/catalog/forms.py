from django import forms
from django.utils.translation import gettext_lazy as _

from learncity.catalog.models import CourseKind, Mode
from learncity.people.models import LearnerGroup


class CourseForm(forms.Form):
    institution_code = forms.ChoiceField(label=_("开课机构"))
    code = forms.CharField(label=_("课程代码"), max_length=40)
    title = forms.CharField(label=_("课程名称"), max_length=128)
    title_en = forms.CharField(label=_("英文名称（可选，英文搜索和英文界面使用）"), max_length=160, required=False)
    tags = forms.CharField(label=_("标签（可选，用逗号分隔，中英文均可，如 太极, Tai Chi）"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("类别"), choices=CourseKind.choices)
    mode = forms.ChoiceField(label=_("方式"), choices=Mode.choices)
    term = forms.CharField(label=_("学期（如 2026秋）"), max_length=16)
    hours = forms.CharField(label=_("学时"))
    fee = forms.CharField(label=_("费用（元，0 为免费）"), initial="0")
    capacity = forms.CharField(label=_("名额"))
    target_groups = forms.MultipleChoiceField(label=_("面向群体"), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    level = forms.CharField(label=_("层次"), max_length=32, required=False)
    description = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    featured = forms.BooleanField(label=_("精品课程"), required=False)
    enrol_opens = forms.CharField(label=_("报名开始日期（可选）"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    enrol_closes = forms.CharField(label=_("报名截止日期（可选）"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    late_enrolment = forms.BooleanField(label=_("允许开课后报名（课程过半后仍接受新学员）"), required=False)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution_code"].choices = [(i.code, i.name) for i in institutions]
        self.fields["target_groups"].choices = list(LearnerGroup.objects.values_list("code", "name"))


class SessionForm(forms.Form):
    date = forms.CharField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.CharField(label=_("开始"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.CharField(label=_("结束"), widget=forms.TimeInput(attrs={"type": "time"}))
    # A picker with search: the venues of the course's district as a datalist (name, place and address), typed
    # into by any part of them; the venue's number is what is posted, and only the listed ones are taken.
    venue_id = forms.TypedChoiceField(label=_("地点（输入名称或地址查找）"), coerce=int, required=False, empty_value=None,
                                      widget=forms.TextInput(attrs={"list": "venue-options", "autocomplete": "off",
                                                                    "inputmode": "search"}))
    room = forms.CharField(label=_("教室"), max_length=64, required=False)

    def __init__(self, *args, venues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue_id"].choices = [("", "—")] + [(v.pk, v.name) for v in venues]
