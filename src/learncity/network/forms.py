from django import forms
from django.utils.translation import gettext_lazy as _

from learncity.network.models import InstitutionKind


class InstitutionForm(forms.Form):
    code = forms.CharField(label=_("机构代码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=128)
    kind = forms.ChoiceField(label=_("类型"), choices=InstitutionKind.choices)
    place_code = forms.CharField(label=_("所在区划代码"), max_length=12)
    network_level_id = forms.TypedChoiceField(label=_("网络层级"), coerce=int, required=False, empty_value=None)
    parent_code = forms.CharField(label=_("上级机构代码"), max_length=32, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("电话"), max_length=32, required=False)
    description = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    is_active = forms.BooleanField(label=_("在办"), required=False, initial=True)

    def __init__(self, *args, levels=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network_level_id"].choices = [("", _("不属于四级网络"))] + [(lvl.pk, lvl.name) for lvl in levels]
        if editing:
            self.fields["code"].disabled = True
        else:
            del self.fields["is_active"]
