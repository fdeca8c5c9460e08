import re
import subprocess

from tests.e2e.conftest import nav_to, open_menu, sign_in


def test_a_cjk_font_is_installed_so_chinese_is_not_boxes():
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True).stdout
    assert fonts.strip(), "no Chinese font: pages and PDFs would show empty boxes"


def test_district_admin_browses_the_network_and_opens_an_institution(demo_server, page, shot):
    # Given the district admin of 鼓楼区 signs in
    sign_in(page, demo_server, "district_admin")
    open_menu(page)
    assert "鼓楼区管理员" in page.inner_text("header")

    # When they open the network browser, it starts at their district, not the whole city
    nav_to(page, "学习网络")
    page.wait_for_selector("[data-testid=network-tree]")
    tree = page.inner_text("main")
    assert "鼓楼区" in tree
    assert "台江区" not in tree and "仓山区" not in tree
    assert re.search(r"\d+ 个机构", tree)

    # And they open a street's communities (HTMX), each with its learning room
    toggle = page.locator("#node-350102001 button.toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "kids-350102001"
    toggle.click()
    page.wait_for_selector("#kids-350102001 .node")
    assert toggle.get_attribute("aria-expanded") == "true"
    communities = page.locator("#kids-350102001 > li").count()
    assert communities >= 4
    assert page.locator("#kids-350102001 .badge.gen").count() == communities  # generated names are marked
    shot(page, "network-browser")

    # The toggle closes the list and opens it again, without asking the server twice (keyboard: Enter, Space)
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.is_visible("#kids-350102001")
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#kids-350102001 > li").count() == communities

    # And open the street's community school
    page.click("#node-350102001 .insts a:has-text('社区学校')")
    page.wait_for_selector("h1")
    assert page.inner_text("h1").startswith("鼓东街道社区学校")
    body = page.inner_text("main")
    assert "社区学校" in body and "鼓楼区社区学院" in body  # its level and its parent in the network
    path = shot(page, "institution")
    assert path.stat().st_size > 20_000


def test_district_admin_cannot_open_another_district(demo_server, page):
    sign_in(page, demo_server, "district_admin")
    response = page.goto(demo_server + "/places/350103/")  # 台江区
    assert response.status == 404
    response = page.goto(demo_server + "/network/?root=350103")
    assert response.status == 404


def test_large_text_mode_holds_across_pages(demo_server, page, shot):
    sign_in(page, demo_server, "learner")
    page.click("[data-testid=large-text-toggle]")
    page.wait_for_load_state()
    assert "large-text" in (page.get_attribute("html", "class") or "")
    nav_to(page, "个人资料")
    page.wait_for_selector("h1")
    assert "large-text" in (page.get_attribute("html", "class") or "")
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size >= 22
    shot(page, "learner-large-text")


def test_learner_sees_own_id_number_only_after_asking(demo_server, page):
    sign_in(page, demo_server, "learner")
    page.goto(demo_server + "/people/me/")
    masked = page.inner_text("#idnumber")
    assert re.search(r"\d{6}\*{8}\d{3}[\dX]", masked)
    page.click("[data-testid=reveal]")
    page.wait_for_selector("[data-testid=id-revealed]")
    assert re.fullmatch(r"\d{17}[\dX]", page.inner_text("[data-testid=id-revealed]"))
    assert page.goto(demo_server + "/people/").status == 403
