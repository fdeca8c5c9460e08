"""Reading a work-points document (governance/workpoints.py): the seeds' Fuzhou 2015 and Dazhou 2014 documents
read into their items and units, listed here whole; traditional characters with pinyin glosses read as simplified;
a .docx read back; what is not a document refused with what is wrong."""

import io

import pytest

from learncity.core.errors import DomainError
from learncity.governance import workpoints
from learncity.governance.workpoints import ALL_MEMBERS, LOWER_GOVERNMENTS, OFFICE, OTHER_MEMBERS
from tests.governance.factories import DAZHOU_2014, FUZHOU_2015, docx_of

OTHERS = ("其他成员单位", OTHER_MEMBERS)

# (section, number, title, lead units, cooperating units): a group is (name as written, group)
FUZHOU = [
    ("推进终身教育体制机制建设", "1", "完善终身教育运行机制", ["市教育局"], [OTHERS]),
    ("推进终身教育体制机制建设", "2", "加强终身教育队伍建设", ["市教育局", "市民政局", "市社区大学"], [OTHERS]),
    ("推进终身教育体制机制建设", "3", "发挥终身教育激励机制", ["市教育局", "市委宣传部"], [OTHERS]),
    ("加强终身教育内涵建设", "1", "深化城乡社区教育工作", ["市教育局", "市民政局", "市社区大学"], [OTHERS]),
    ("加强终身教育内涵建设", "2", "推动学习型组织创建工作",
     ["市委组织部", "市教育局", "市民政局", "市人力资源和社会保障局", "市总工会"], [OTHERS]),
    ("加强终身教育内涵建设", "3", "加快推进老年教育发展", ["市委老干部局", "市教育局"], [OTHERS]),
    ("加强终身教育内涵建设", "4", "加强终身教育学习平台建设", [("各成员单位", ALL_MEMBERS)], []),
    ("广泛开展各类终身教育活动", "1", "组织申报社区教育品牌创建工作", ["市教育局", "市社区大学"], [OTHERS]),
    ("广泛开展各类终身教育活动", "2", "推进社区教育实验项目建设", ["市教育局", "市社区大学"], [OTHERS]),
    ("广泛开展各类终身教育活动", "3", "探索农村成人教育新模式",
     ["市教育局", "市委农办", "市人力资源和社会保障局", "市科技局", "市财政局"], [OTHERS]),
    ("广泛开展各类终身教育活动", "4", "广泛开展各类继续教育培训", [("各成员单位", ALL_MEMBERS)], []),
    ("广泛开展各类终身教育活动", "5", "开放各类终身学习资源", [("各成员单位", ALL_MEMBERS)], []),
    ("广泛开展各类终身教育活动", "6", "加大终身学习宣传力度", ["市教育局"], [OTHERS]),
]

MEMBERS = ("各成员单位", ALL_MEMBERS)
LOWER = ("各县（市、区）人民政府", LOWER_GOVERNMENTS)
OFFICE_ = ("办公室", OFFICE)
ZONE = "达州经开区管委会"
DAZHOU = [
    ("工作重点", "一", "构建继续教育三级网络", ["市教育局", "市民政局", "市经信委", "市委编办", LOWER], []),
    ("工作重点", "二", "打造继续教育公共服务平台", ["达州电大", "市委编办", "市教育局"], []),
    ("工作重点", "三", "大力推进社区教育", [MEMBERS, LOWER, ZONE], []),
    ("工作重点", "四", "积极开展职业培训", [MEMBERS, LOWER, ZONE], []),
    ("工作重点", "五", "鼓励支持成人学历教育", [MEMBERS, LOWER, ZONE], []),
    ("工作重点", "六", "开展“全民学习周”活动", [OFFICE_, MEMBERS, LOWER, ZONE], []),
    ("保障措施", "一", "建立领导机构", [LOWER, ZONE], []),
    ("保障措施", "二", "完善工作制度", [OFFICE_, MEMBERS], []),
    ("保障措施", "三", "加大经费投入", ["市财政局", LOWER, ZONE], []),
    ("保障措施", "四", "加强继续教育统筹协调", [OFFICE_, "市财政局", LOWER, ZONE], []),
    ("保障措施", "五", "严格督导考核", [OFFICE_, "市政府督查室", LOWER, ZONE], []),
    ("保障措施", "六", "强化舆论宣传", ["市委宣传部", "市广播电视台", "达州日报社", "达州电大"], []),
]


def _shape(refs, part):
    """Each ref of `part` as its name, or (a tail of its name, group) for a group."""
    out = []
    for r in refs:
        if r.part != part:
            continue
        out.append(r.name if not r.group else next(
            (tail, r.group) for tail in ("其他成员单位", "各成员单位", "各县（市、区）人民政府", "办公室")
            if r.name.endswith(tail)))
    return out


def _read(path):
    return workpoints.document_read(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("path", "title", "year", "sections", "expected"), [
    (FUZHOU_2015, "2015年福州市终身教育工作要点", 2015,
     ["推进终身教育体制机制建设", "加强终身教育内涵建设", "广泛开展各类终身教育活动"], FUZHOU),
    (DAZHOU_2014, "达州市2014年继续教育工作要点", 2014, ["工作重点", "保障措施"], DAZHOU),
], ids=["fuzhou_2015", "dazhou_2014"])
def test_the_seeds_documents_are_read_item_by_item_with_their_units(path, title, year, sections, expected):
    doc = _read(path)
    assert (doc.title, doc.year, doc.sections) == (title, year, sections)
    found = [(i.section, i.number, i.title, _shape(i.units, workpoints.LEAD), _shape(i.units, workpoints.COOPERATING))
             for i in doc.items]
    assert found == expected


def test_an_items_text_keeps_its_body_without_the_title_or_the_units_clause():
    item = _read(FUZHOU_2015).items[4]
    assert item.text.startswith("根据《教育部等七部门关于推进学习型城市建设的意见》")
    assert item.text.endswith("广泛开展学习型组织创建工作。")
    assert "牵头单位" not in item.text


def test_the_traditional_document_reads_as_simplified_without_its_pinyin_glosses():
    raw = DAZHOU_2014.read_text(encoding="utf-8")
    assert "經(jīng)" in raw and "區(qū)" in raw  # what the seed carries
    doc = workpoints.document_read(raw)
    every = " ".join(i.title + i.text + "".join(u.name for u in i.units) for i in doc.items)
    assert not any(gloss in every for gloss in ("(jīng)", "(qū)", "(xù)", "(guān)"))
    assert "达州经开区管委会" in every and "继续教育" in every
    assert not any(c in every for c in "經區續關達")


@pytest.mark.parametrize(("kind", "clause", "expected"), [
    ("牵头单位", "市委老干部局、市教育局等，终身教育促进委员会其他成员单位配合",
     [("市委老干部局", "lead", ""), ("市教育局", "lead", ""),
      ("终身教育促进委员会其他成员单位", "cooperating", OTHER_MEMBERS)]),
    ("牵头单位", "市教育局，市民政局配合", [("市教育局", "lead", ""), ("市民政局", "cooperating", "")]),
    ("责任单位", "市财政局,各县、市、区人民政府,达州经开区管委会",
     [("市财政局", "lead", ""), ("各县（市、区）人民政府", "lead", LOWER_GOVERNMENTS), ("达州经开区管委会", "lead", "")]),
    ("责任单位", "各县（市）区人民政府", [("各县（市、区）人民政府", "lead", LOWER_GOVERNMENTS)]),
    ("责任单位", "市继续教育工作领导小组办公室；市政府督查室",
     [("市继续教育工作领导小组办公室", "lead", OFFICE), ("市政府督查室", "lead", "")]),
], ids=["etc_and_others", "named_cooperating", "lower_governments", "lower_bracketed", "office"])
def test_a_units_clause_names_units_parts_and_groups(kind, clause, expected):
    assert [(u.name, u.part, u.group) for u in workpoints.units_parse(kind, clause)] == expected


def test_a_docx_of_the_document_reads_as_its_text_does():
    text = FUZHOU_2015.read_text(encoding="utf-8")
    data = docx_of(text.split("\n"))
    from_docx = workpoints.document_read(workpoints.docx_text(data, name="要点.docx"))
    from_text = workpoints.document_read(text)
    assert [(i.title, i.text, [(u.name, u.part) for u in i.units]) for i in from_docx.items] == [
        (i.title, i.text, [(u.name, u.part) for u in i.units]) for i in from_text.items]


def _xlsx() -> bytes:
    import openpyxl

    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def _broken_xml() -> bytes:
    """A zip whose parts are there but whose XML is not (a .docx cut short, or made by hand)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types xmlns=")
        z.writestr("word/document.xml", "<w:document")
    return out.getvalue()


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04broken", b"%PDF-1.4\n", _xlsx(),
                                  _broken_xml()],
                         ids=["empty", "text", "broken_zip", "pdf", "xlsx", "broken_xml"])
def test_a_file_that_is_not_a_docx_is_refused_by_name(data):
    with pytest.raises(DomainError) as exc:
        workpoints.docx_text(data, name="要点.docx")
    assert exc.value.errors == {"file": ["「要点.docx」不是 Word 文档（.docx）"]}


@pytest.mark.parametrize(("text", "field", "message"), [
    ("", "text", "文件内容为空"),
    ("   \n \n", "text", "文件内容为空"),
    ("关于做好终身教育工作的通知\n请各单位认真落实。", "text", "没有找到文件标题（形如「2015年××工作要点」的一行）"),
    ("2026年测试市终身教育工作要点\n一、总体要求\n全面推进学习型城市建设。",
     "text", "文件中没有找到任何工作任务：每项任务应以「（牵头单位：……）」或「（责任单位：……）」结尾"),
], ids=["empty", "blank", "no_title", "no_tasks"])
def test_a_text_that_is_not_a_work_points_document_is_refused_with_what_is_missing(text, field, message):
    with pytest.raises(DomainError) as exc:
        workpoints.document_read(text)
    assert exc.value.errors == {field: [message]}
