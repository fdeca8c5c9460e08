"""Chinese first, English on request: the interface is written in Chinese and switches to English only when
the user picks it (POST /i18n/setlang/ sets the language cookie), and the English catalogue is complete."""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

import learncity

SRC = Path(learncity.__file__).resolve().parent
PO = SRC / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
BASE_HTML = SRC / "templates" / "base.html"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

# The nav's links of base.html, as a staff user sees them (the staff pages and one's own grouped under 管理 and 我的)
# (an anonymous visitor sees only the first four: home and the public catalogue pages).
NAV_ZH = ["首页", "找课程", "活动", "场馆", "学习网络", "促进委员会", "工作任务", "学习者", "账号", "课程管理", "学分银行管理", "监测", "我的学习",
          "我的学习账户", "个人资料"]
NAV_EN = ["Home", "Find courses", "Events", "Venues", "Learning network", "Promotion committees", "Work tasks", "Learners",
          "Accounts", "Manage courses", "Credit bank management", "Monitoring", "My learning", "My learning account", "Profile"]


# --- helpers ---------------------------------------------------------------------------------------------


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def element(page: str, pattern: str) -> str:
    """The first element matching pattern (an opening tag up to its closing tag), e.g. the main nav."""
    m = re.search(pattern, page, re.S)
    assert m, f"no {pattern!r} in page"
    return m.group(0)


def nav_items(page: str) -> list[str]:
    nav = element(page, r'<nav class="main".*?</nav>')
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]


def base_html_msgids() -> set[str]:
    """Every string base.html marks for translation ({% translate "..." %} and {% translate '...' %})."""
    text = BASE_HTML.read_text(encoding="utf-8")
    found = re.findall(r"""{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')""", text)
    return {double or single for double, single in found}


def english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


def read_po(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry with msgid, msgid_plural, msgstr / msgstr[N], flags, obsolete."""
    entries, cur, key = [], None, None

    def unquote(s: str) -> str:
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s[1:-1])

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if cur is not None:
                entries.append(cur)
            cur, key = None, None
            continue
        if cur is None:
            cur = {"flags": set(), "obsolete": False}
        if line.startswith("#~"):
            cur["obsolete"] = True
            line = line[2:].strip()
            if not line or line.startswith("#"):
                continue
        elif line.startswith("#,"):
            cur["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        elif line.startswith("#"):
            continue
        m = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if m:
            key = m.group(1)
            cur[key] = unquote(m.group(2))
        elif line.startswith('"') and key:
            cur[key] += unquote(line)
    return entries


def translations(entry: dict) -> list[str]:
    return [v for k, v in sorted(entry.items()) if k.startswith("msgstr")]


def placeholders(s: str) -> list[str]:
    return sorted(re.findall(r"%\([A-Za-z_]\w*\)[sdifr]", s))


# --- Chinese by default ----------------------------------------------------------------------------------


@pytest.mark.parametrize("accept_language", [None, "en", "en-US,en;q=0.9"])
@pytest.mark.parametrize("url_name", ["portal:home", "network:browser"])
def test_pages_are_in_chinese_by_default_whatever_the_browser_asks(client_as, world, url_name, accept_language):
    # given a district admin whose browser may prefer English
    client = client_as(world.district_admin)
    headers = {"Accept-Language": accept_language} if accept_language else {}

    # when a page is opened without having chosen a language
    response = client.get(reverse(url_name), headers=headers)

    # then it is in Chinese
    page = html(response)
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN"' in page
    assert nav_items(page) == NAV_ZH
    assert "大字模式" in page
    assert "退出" in page
    assert "人人皆学、时时能学、处处可学" in page
    if url_name == "network:browser":
        assert "<h1>学习网络</h1>" in page
        assert "<title>学习网络 · learncity</title>" in page
    else:
        assert "浏览学习网络" in page


def test_anonymous_home_page_is_in_chinese(client_as):
    page = html(client_as(None).get("/", headers={"Accept-Language": "en"}))

    assert nav_items(page) == NAV_ZH[:4]
    assert "登录" in page
    assert "<title>终身学习城市 · learncity</title>" in page


# --- English when chosen ---------------------------------------------------------------------------------


def test_choosing_english_switches_the_home_page(client_as, world):
    # given a district admin who chose English
    client = english(client_as(world.district_admin))

    # when the home page is opened
    response = client.get(reverse("portal:home"))

    # then the interface is in English
    page = html(response)
    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in page
    assert nav_items(page) == NAV_EN
    assert "<title>Learning city · learncity</title>" in page
    assert '>learncity<span class="brand-name">·&nbsp;Learning city</span></a>' in page
    assert 'aria-label="Main navigation"' in page
    assert "Large text" in page
    assert "Sign out" in page
    assert "Browse the learning network" in page
    assert "Everyone can learn, anytime, anywhere" in page


def test_choosing_english_switches_the_network_browser(client_as, world):
    # given a district admin who chose English
    client = english(client_as(world.district_admin))

    # when the network browser is opened
    page = html(client.get(reverse("network:browser")))

    # then its heading, title and navigation are in English
    assert "<h1>Learning network</h1>" in page
    assert "<title>Learning network · learncity</title>" in page
    assert nav_items(page) == NAV_EN
    assert "Network level" in page


@pytest.mark.parametrize("url_name", ["portal:home", "network:browser"])
def test_no_chinese_label_of_base_html_is_left_in_english(client_as, world, url_name):
    # given the city admin (whose display name, shown by the sign-out button, is Chinese data) chose English
    user = world.city_admin
    client = english(client_as(user))

    # when a page is opened by a browser that prefers Chinese
    page = html(client.get(reverse(url_name), headers={"Accept-Language": "zh-CN"}))

    # then the nav has no Chinese at all, and no label of base.html is left in the header or footer
    nav = element(page, r'<nav class="main".*?</nav>').replace(str(user), "")  # the "Me" menu names its user
    assert not CJK.findall(nav), nav
    header = element(page, r'<header class="top">.*?</header>').replace(str(user), "")
    footer = element(page, r"<footer>.*?</footer>")
    msgids = base_html_msgids()
    assert {"首页", "学习网络", "我的", "大字模式", "退出", "人人皆学、时时能学、处处可学"} <= msgids
    left = sorted(m for m in msgids if m in header or m in footer)
    assert not left, f"untranslated base.html labels: {left}"


def test_english_can_be_switched_back_to_chinese(client_as, world):
    client = english(client_as(world.district_admin))

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    assert nav_items(html(client.get("/"))) == NAV_ZH


def test_large_text_label_and_sign_in_are_translated_for_anonymous_users(client_as):
    client = english(client_as(None))

    page = html(client.get("/"))

    assert nav_items(page) == NAV_EN[:4]
    assert "Sign in" in page
    assert "Large text" in page


# --- The catalogue ---------------------------------------------------------------------------------------


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = [e for e in read_po(PO) if not e["obsolete"] and e.get("msgid")]

    assert len(entries) > 150
    untranslated = [e["msgid"] for e in entries if not all(t.strip() for t in translations(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated msgids: {untranslated}"
    assert not fuzzy, f"fuzzy msgids: {fuzzy}"
    header = next(e for e in read_po(PO) if e.get("msgid") == "")
    assert "fuzzy" not in header["flags"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]


def test_english_catalogue_keeps_placeholders_and_plural_forms():
    for e in read_po(PO):
        if e["obsolete"] or not e.get("msgid"):
            continue
        if "msgid_plural" in e:
            assert set(e) >= {"msgstr[0]", "msgstr[1]"}, e["msgid"]
            assert e["msgstr[0]"] != e["msgstr[1]"], f"English plural forms should differ: {e['msgid']}"
        for t in translations(e):
            assert placeholders(t) == placeholders(e["msgid"]), (e["msgid"], t)
            assert not CJK.search(re.sub(r"“[^”]*”|\([^)]*\)", "", t)), f"Chinese left in {t!r}"


def test_msgfmt_counts_no_untranslated_or_fuzzy_entries():
    assert shutil.which("msgfmt"), "GNU gettext is missing: `make install` puts it there"
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
                            capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d+ translated messages\.$", result.stderr.strip().splitlines()[-1]), result.stderr


def test_compiled_catalogue_matches_the_po_file():
    """django.mo is what Django reads: a .po edited without compilemessages must not pass."""
    assert MO.exists(), "run: learncity compilemessages (or django-admin compilemessages) in src/learncity"
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    for e in read_po(PO):
        if e["obsolete"] or not e.get("msgid"):
            continue
        if "msgid_plural" in e:
            assert mo.ngettext(e["msgid"], e["msgid_plural"], 1) == e["msgstr[0]"], e["msgid"]
            assert mo.ngettext(e["msgid"], e["msgid_plural"], 2) == e["msgstr[1]"], e["msgid"]
        elif "msgctxt" in e:
            assert mo.pgettext(e["msgctxt"], e["msgid"]) == e["msgstr"], (e["msgctxt"], e["msgid"])
        else:
            assert mo.gettext(e["msgid"]) == e["msgstr"], e["msgid"]


def test_every_string_marked_in_the_source_is_in_the_catalogue(tmp_path):
    """makemessages run over a copy of the source: a string marked later but left out of the .po (or left
    untranslated) fails here, even if nobody re-ran makemessages."""
    assert shutil.which("xgettext"), "GNU gettext is missing: `make install` puts it there"
    copy = tmp_path / "learncity"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "migrations"))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(SRC.parent), "DJANGO_SETTINGS_MODULE": "learncity.settings",
           "LEARNCITY_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--ignore=migrations", "--no-obsolete"],
        cwd=copy, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

    entries = [e for e in read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
               if not e["obsolete"] and e.get("msgid")]
    assert len(entries) > 150
    missing = [e["msgid"] for e in entries if not all(t.strip() for t in translations(e)) or "fuzzy" in e["flags"]]
    assert not missing, f"marked for translation but not translated in {PO.relative_to(SRC.parent)}: {missing}"


# --- English is English: the compiled catalogue and the service messages -----------------------------------

FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")  # ，。：；（）「」、！？ and the rest of CJK punctuation
HAN = re.compile(r"[\u3400-\u9fff]+")


def english_catalogue() -> dict[str, str]:
    """What Django reads: every msgid (a context as "ctx|msgid") and its English, from django.mo."""
    with MO.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    entries = {}
    for key, text in catalog.items():
        if key == "":
            continue
        if isinstance(key, tuple):  # a plural form: (msgid, n)
            key = f"{key[0]}[{key[1]}]"
        entries[key.replace("\x04", "|")] = text
    return entries


def english_problem(msgid: str, english: str) -> str | None:
    """What is wrong with an English text: full-width punctuation, or Chinese that is not data quoted from the
    Chinese text (a column header such as 区划代码, an example term 2026秋, a file name: inside “…” or (…), and
    found in the msgid too)."""
    if FULL_WIDTH.search(english):
        return "full-width punctuation"
    if HAN.search(re.sub(r"“[^”]*”|\([^)]*\)", "", english)):
        return "Chinese outside quotes"
    if any(run not in msgid for run in HAN.findall(english)):
        return "Chinese not quoted from the msgid"
    return None


def test_english_catalogue_has_no_full_width_punctuation_and_no_chinese_of_its_own():
    """English punctuation in English; Chinese only where the English quotes data the Chinese text names too,
    never a phrase left untranslated. Read from django.mo, which is what the pages get."""
    entries = english_catalogue()
    assert len(entries) > 1000

    problems = {k: (english_problem(k, v), v) for k, v in entries.items() if english_problem(k, v)}
    assert not problems, f"not English in the English catalogue: {problems}"


@pytest.mark.parametrize(("msgid", "english", "problem"), [
    ("已保存「%(name)s」", "Saved 「%(name)s」", "full-width punctuation"),
    ("账号", "Account number：", "full-width punctuation"),
    ("未找到该课程", "课程 not found", "Chinese outside quotes"),
    ("学期（如 2026秋）", "Term (e.g. 2026春)", "Chinese not quoted from the msgid"),
    ("学期（如 2026秋）", "Term (e.g. 2026秋)", None),
])
def test_the_catalogue_check_catches_chinese_punctuation_and_untranslated_words(msgid, english, problem):
    assert english_problem(msgid, english) == problem


SERVICE_DIRS = ["catalog", "core", "creditbank", "intake", "monitoring", "network", "people", "places", "pools"]
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy",
                 "npgettext", "gettext_noop"}


def _callee(node) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _bare_chinese(node) -> list:
    """The string constants (and f-strings) holding Chinese in `node` that no gettext call wraps."""
    found = []

    def walk(n):
        if isinstance(n, ast.Call) and _callee(n.func) in GETTEXT_CALLS:
            return
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and HAN.search(n.value):
            found.append(n)
            return
        if isinstance(n, ast.JoinedStr) and any(isinstance(p, ast.Constant) and HAN.search(p.value) for p in n.values):
            found.append(n)
            return
        for child in ast.iter_child_nodes(n):
            walk(child)

    walk(node)
    return found


def _messages_in(tree) -> list:
    """The expressions that become a message shown to someone: the arguments of an error (DomainError,
    PermissionDenied, NotFound, FileRejected, CellError, ValidationError, CommandError, ...), add_error or search's
    _bad, and what is put into an `errors` dict or list (errors[field] = ..., errors.append(...), problems.append(...))."""
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and re.search(r"(Error|Denied|NotFound|Rejected)$|^(add_error|_bad)$", _callee(n.func)):
            out += [*n.args, *[k.value for k in n.keywords]]
        elif (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in {"append", "extend"}
              and re.search(r"err|problem", ast.unparse(n.func.value), re.I)):
            out += n.args
        elif isinstance(n, ast.Assign) and any(isinstance(t, ast.Subscript) and re.search(r"err", ast.unparse(t.value), re.I)
                                               for t in n.targets):
            out.append(n.value)
    return out


def bare_service_messages(root: Path) -> list[str]:
    found = []
    for path in sorted(p for d in SERVICE_DIRS for p in (root / d).rglob("*.py") if "migrations" not in p.parts):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for expr in _messages_in(tree):
            for node in _bare_chinese(expr):
                text = node.value if isinstance(node, ast.Constant) else ast.unparse(node)
                found.append(f"{path.relative_to(root)}:{node.lineno}: {text[:60]}")
    return found


def test_every_service_message_goes_through_gettext():
    """Errors raised by services, selectors, bulk paths, the pipeline, the API and forms are marked for
    translation, so a user who chose English reads them in English."""
    assert bare_service_messages(SRC) == []


def test_the_service_message_scan_finds_bare_chinese(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "services.py").write_text(
        'from django.utils.translation import gettext\n'
        'def f(errors, name):\n'
        '    errors["title"] = f"课程「{name}」已存在"\n'
        '    errors.append("不能为空")\n'
        '    ok = {"x": gettext("未找到该课程")}\n'
        '    raise DomainError({"code": "课程代码不能为空"}, code="x")\n', encoding="utf-8")

    found = bare_service_messages(tmp_path)

    assert sorted(f.split(": ", 1)[0] for f in found) == ["catalog/services.py:3", "catalog/services.py:4",
                                                          "catalog/services.py:6"]


TEMPLATE_TOKEN = re.compile(r"({%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}|{%.*?%}|{{.*?}}|{#.*?#})",
                            re.S)


def bare_template_punctuation(text: str) -> list[str]:
    """Full-width punctuation written in a template outside any tag: it stays full-width on English pages (write
    {% translate "：" %}, or put it inside the translated text)."""
    return [m.group(0) for part in TEMPLATE_TOKEN.split(text) if not TEMPLATE_TOKEN.fullmatch(part or "")
            for m in re.finditer(r"[：（），、；。「」]", part)]


def test_templates_write_no_full_width_punctuation_outside_translated_text():
    found = {str(p.relative_to(SRC)): bare_template_punctuation(p.read_text(encoding="utf-8"))
             for p in SRC.rglob("templates/**/*.html")}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_template_check_finds_bare_punctuation_and_leaves_translated_text_alone():
    assert bare_template_punctuation('<dt>{% translate "来源" %}：{{ x }}（{{ y }}）</dt>') == ["：", "（", "）"]
    assert bare_template_punctuation('{% translate "来源" %}{% translate "：" %}{% blocktranslate %}共 {{ n }} 行，'
                                     '见「报告」{% endblocktranslate %}') == []
