"""Reading a published work-points document (年度工作要点) into its sections, items and units, without the database.

The documents are the seeds' kind: a notice header, a title with the year ("2015年福州市终身教育工作要点"),
headings, and items each closing with the units that answer for it:

    推动学习型组织创建工作。……(牵头单位：市委组织部、市教育局，终身教育促进委员会其他成员单位配合)
    (一)构建继续教育三级网络。……(责任单位:市教育局、市民政局,各县、市、区人民政府)

A text may come in traditional characters with pinyin glosses after some ("達州經(jīng)開區(qū)"): it is read as
simplified (OpenCC's t2s) with the glosses taken out. What the units clause names is kept as written, each name
with its part (lead or cooperating) or as a group ("其他成员单位", "各成员单位", "各县（市、区）人民政府", "办公室"):
matching names to a committee's member units is the service's (it needs the database).
"""

import re
from dataclasses import dataclass, field
from functools import cache

from django.utils.translation import gettext

from learncity.core.errors import DomainError

LEAD = "lead"
COOPERATING = "cooperating"

# Groups a units clause names instead of units.
ALL_MEMBERS = "all_members"  # 各成员单位: every member unit of the committee
OTHER_MEMBERS = "other_members"  # 其他成员单位: every member unit not named before it
OFFICE = "office"  # the committee's (leading group's) office
LOWER_GOVERNMENTS = "lower_governments"  # 各县（市、区）人民政府: the committees of the places below

_PINYIN_GLOSS = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]+\)")
_HEADING_NUMBER = re.compile(r"^([一二三四五六七八九十]+)、\s*")
_ITEM_NUMBER = re.compile(r"^[(（]([一二三四五六七八九十]+)[)）]\s*")
_TITLE = re.compile(r"(\d{4})\s*年.{0,20}?工作要点")
# The units clause closing an item: (牵头单位：…) or (责任单位:…), in either kind of bracket.
_CLAUSE = re.compile(r"[(（]\s*(牵头单位|责任单位|主办单位)\s*[:：]\s*([^()（）]*(?:[(（][^()（）]*[)）][^()（）]*)*)[)）]\s*$")
_LOWER_GOVERNMENTS = re.compile(r"各县\s*[(（、]?\s*市\s*[)）、]?\s*[、]?\s*区\s*[)）]?\s*(?:人民政府|政府)?")
_GROUP_MEMBERS = re.compile(r"^.*?(其他|各)成员单位(配合)?$")
_OFFICE = re.compile(r"^.*(委员会|领导小组)办公室$")
_SEPARATORS = re.compile(r"[、，,;；]")


@dataclass
class UnitRef:
    """A unit as the clause names it: `name` as written (without a trailing 等), or `group` for a group."""

    name: str
    part: str  # LEAD or COOPERATING
    group: str = ""


@dataclass
class Item:
    number: str  # "一" for (一), or the item's position in its section
    title: str  # the first sentence, without its full stop
    text: str  # the rest of the paragraph, without the units clause
    units: list[UnitRef]
    section: str = ""


@dataclass
class Document:
    title: str
    year: int | None
    sections: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


@cache
def _t2s():
    import opencc  # OpenCC's own tables: the traditional documents read as simplified

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Simplified characters, no pinyin glosses, one paragraph a line, no empty lines."""
    text = _PINYIN_GLOSS.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", ""))
    text = _t2s().convert(text)
    lines = (re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line and line != "?")


def units_parse(clause_kind: str, clause: str) -> list[UnitRef]:
    """The units a clause names, in order: for 牵头单位 the names are lead units and a closing "… 配合" part
    cooperates; for 责任单位 every unit named answers for the item (lead)."""
    clause = clause.strip().rstrip("。.")
    refs: list[UnitRef] = []
    # "各县、市、区人民政府" holds separators of its own: take it out whole first.
    clause = _LOWER_GOVERNMENTS.sub("\x00LOWER\x00", clause)
    for raw in _SEPARATORS.split(clause):
        name = raw.strip()
        if not name:
            continue
        cooperating = clause_kind == "牵头单位" and name.endswith("配合")
        part = COOPERATING if cooperating else LEAD
        name = name.removesuffix("配合").strip()
        if "\x00LOWER\x00" in name:
            refs.append(UnitRef(name="各县（市、区）人民政府", part=part, group=LOWER_GOVERNMENTS))
            continue
        group_match = _GROUP_MEMBERS.match(name)
        if group_match:
            group = OTHER_MEMBERS if group_match.group(1) == "其他" else ALL_MEMBERS
            refs.append(UnitRef(name=name, part=part, group=group))
        elif _OFFICE.match(name):
            refs.append(UnitRef(name=name, part=part, group=OFFICE))
        else:
            refs.append(UnitRef(name=re.sub(r"等$", "", name).strip(), part=part))
    return refs


def _title(lines: list[str]) -> tuple[str, int | None, int]:
    """The document's title, its year and the index of the line after it (the last line naming 工作要点 before
    the first item, so the notice's own sentence about the document does not count)."""
    found = None
    for i, line in enumerate(lines):
        if _CLAUSE.search(line):
            break
        m = _TITLE.search(line)
        if m and len(line) <= 40:
            found = (line.strip("《》"), int(m.group(1)), i + 1)
    if found is None:
        raise DomainError({"text": gettext("没有找到文件标题（形如「2015年××工作要点」的一行）")})
    return found


def _is_heading(line: str) -> bool:
    """A heading: numbered (一、…) or a short line with no sentence in it."""
    if _HEADING_NUMBER.match(line):
        return True
    return len(line) <= 30 and not re.search(r"[。；;:：]", line) and not _ITEM_NUMBER.match(line)


def _item(line: str, kind: str, clause: str, section: str, position: int) -> Item:
    body = _CLAUSE.sub("", line).strip()
    number_match = _ITEM_NUMBER.match(body)
    number = number_match.group(1) if number_match else str(position)
    body = body[number_match.end():] if number_match else body
    head, stop, rest = body.partition("。")
    title = head.strip() if stop and len(head) <= 60 else body[:60].rstrip("，,；;")
    text = rest.strip() if stop and len(head) <= 60 else body
    return Item(number=number, title=title, text=text, units=units_parse(kind, clause), section=section)


def document_read(text: str) -> Document:
    """The document's title, year, headings and items (each with its units clause). Refused with a clear error
    when there is no text, no title, or no item naming its units."""
    if not text or not text.strip():
        raise DomainError({"text": gettext("文件内容为空")})
    lines = normalise(text).split("\n")
    title, year, start = _title(lines)
    doc = Document(title=title, year=year)
    section = ""
    positions: dict[str, int] = {}
    for line in lines[start:]:
        m = _CLAUSE.search(line)
        if m:
            positions[section] = positions.get(section, 0) + 1
            doc.items.append(_item(line, m.group(1), m.group(2), section, positions[section]))
        elif _is_heading(line):
            section = _HEADING_NUMBER.sub("", line).strip()
            if section not in doc.sections:
                doc.sections.append(section)
    if not doc.items:
        raise DomainError({"text": gettext("文件中没有找到任何工作任务：每项任务应以「（牵头单位：……）」或"
                                           "「（责任单位：……）」结尾")})
    used = {item.section for item in doc.items}
    doc.sections = [s for s in doc.sections if s in used]
    return doc


def docx_text(data: bytes, *, name: str) -> str:
    """The paragraphs of a .docx (its tables' cells too, in order), one a line. Refused when it is not one."""
    import io
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as exc:
        raise DomainError({"file": gettext("「%(name)s」不是 Word 文档（.docx）") % {"name": name}}) from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)
