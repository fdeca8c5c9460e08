"""Each role's journey through the demo city in a real browser, on a phone (390×844) and a desktop (1366×900), in
standard and large-text mode, in Chinese and English: the citizen (anonymous), the learner, institution staff, a
district admin and the city admin. On every page a journey visits, axe-core (shipped inside axe-playwright-python,
no download) finds no serious and no critical violation, nothing is wider than the screen, the controls are big
enough to tap, and a screenshot goes to test-artifacts/e2e/journeys/.

The four displays are a pairwise cover of size × mode × language: each size meets each mode and each language,
each mode each language, so each journey runs four times instead of eight (the suite runs on one worker)."""

import datetime
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.e2e.conftest import ARTIFACTS, nav_to, open_menu, sign_in

SHOTS = ARTIFACTS / "journeys"


@dataclass(frozen=True)
class Display:
    name: str
    width: int
    height: int
    large: bool
    language: str  # the language cookie's value

    @property
    def english(self) -> bool:
        return self.language == "en"


DISPLAYS = [
    Display("phone-standard-zh", 390, 844, False, "zh-hans"),
    Display("phone-large-en", 390, 844, True, "en"),
    Display("desktop-standard-en", 1366, 900, False, "en"),
    Display("desktop-large-zh", 1366, 900, True, "zh-hans"),
]

# Controls that must be at least 44×44 px to tap (links inside running text are exempt, as in WCAG 2.5.8):
# buttons, form fields, summaries, the header's and footer's links, tabs and pagers. A checkbox or radio button
# counts by its label, which is what a finger hits.
SMALL_TARGETS = """() => {
  const out = [];
  const selector = 'button, input:not([type=hidden]), select, textarea, summary, header a[href], footer a[href], '
    + '.tabs a, .cb-tabs a, .pager a, .pagination a, a.button';
  for (const el of document.querySelectorAll(selector)) {
    let box = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) box = el.closest('label') || (el.labels && el.labels[0]) || el;
    const r = box.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;            // not displayed
    if (el.closest('[hidden], .skip-link')) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    if (r.height < 43.5 || r.width < 43.5) {
      const name = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '').trim().slice(0, 24);
      out.push(`${el.tagName.toLowerCase()}${el.type ? '[' + el.type + ']' : ''} "${name}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return out;
}"""

AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n')[1])}));
}"""

# The page's language and mode, whether axe-core is loaded, how much wider than the screen it is, its small tap
# targets: what `check` asserts besides axe, read in one call.
PAGE_FACTS = """() => ({
  lang: document.documentElement.getAttribute('lang'),
  class: document.documentElement.getAttribute('class'),
  axe: !!window.axe,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  small: (""" + SMALL_TARGETS + """)(),
})"""


@dataclass
class Journey:
    """One role's walk on one display: `visit` checks every page it is given."""

    page: object
    base: str
    display: Display
    role: str
    visited: list[str] = field(default_factory=list)

    def go(self, path: str, step: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        return self.check(step)

    def check(self, step: str):
        """The page now shown: its language and mode, axe-core, its width, its tap targets; a screenshot."""
        pg, d = self.page, self.display
        pg.wait_for_load_state("load")
        where = f"{self.role}/{d.name}/{step} ({pg.url})"
        facts = pg.evaluate(PAGE_FACTS)  # one round trip to the browser for what the page is before axe runs
        assert facts["lang"] == ("en" if d.english else "zh-CN"), where
        assert ("large-text" in (facts["class"] or "")) is d.large, where
        if not facts["axe"]:  # the context's init script loads axe-core into every page; not into this one?
            pg.evaluate(AXE_SCRIPT)
        violations = pg.evaluate(AXE_RUN)
        assert not violations, f"axe-core on {where}:\n" + "\n".join(
            f"  {v['impact']} {v['id']} ({v['help']}): {v['nodes']}" for v in violations)
        assert facts["overflow"] <= 0, f"{where} is {facts['overflow']}px wider than the screen"
        assert not facts["small"], f"tap targets under 44px on {where}: {facts['small']}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / f"{self.role}-{d.name}-{step}.png"), full_page=True)
        self.visited.append(step)
        return pg

    def sign_in(self, username: str) -> None:
        """Signed in and on the home page: through the form the first time the run signs this role in, with the
        session it got then on the other displays (conftest's sign_in)."""
        sign_in(self.page, self.base, username)

    def text(self, selector: str = "main") -> str:
        return self.page.inner_text(selector)


@pytest.fixture(params=DISPLAYS, ids=[d.name for d in DISPLAYS])
def journey(request, browser, demo_server):
    display: Display = request.param
    context = browser.new_context(viewport={"width": display.width, "height": display.height},
                                  locale="zh-CN", device_scale_factor=1)
    cookies = [{"name": "django_language", "value": display.language, "url": demo_server}]
    if display.large:
        cookies.append({"name": "lc_large", "value": "1", "url": demo_server})
    context.add_cookies(cookies)
    context.add_init_script(AXE_SCRIPT)  # in every page as it loads: not 570 KB sent to the browser a page
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield Journey(page, demo_server, display, role=request.node.originalname.removeprefix("test_"))
    context.close()


def first_href(page, selector: str) -> str:
    href = page.locator(selector).first.get_attribute("href")
    assert href, f"no link {selector} on {page.url}"
    return href


# --- the journeys -------------------------------------------------------------------------------------------


def test_citizen(journey):
    """Anonymous: the service hall, a search, a course, an event, a venue, the public data."""
    en = journey.display.english
    journey.go("/", "home")
    journey.go("/learn/?q=" + ("Tai Chi" if en else "太极"), "search")
    assert journey.page.locator("[data-testid=result]").count() > 0
    course = first_href(journey.page, "[data-testid=result] a[href^='/learn/courses/']")
    journey.go(course, "course")
    journey.go("/learn/events/", "events")
    journey.go(first_href(journey.page, "main a[href^='/learn/events/'][href$='/']:not([href='/learn/events/'])"),
               "event")
    journey.go("/learn/venues/", "venues")
    journey.go(first_href(journey.page, "main a[href^='/learn/venues/'][href$='/']:not([href='/learn/venues/'])"),
               "venue")
    journey.go("/monitor/public/", "public-data")


def test_learner(journey):
    """Signs in, enrols in a course that takes learners, sees their learning and their credits."""
    journey.sign_in("learner")
    journey.check("home")
    pg = journey.page
    journey.go("/learn/?q=Python", "search")
    courses = [a.get_attribute("href") for a in pg.locator("[data-testid=result] a[href^='/learn/courses/']").all()]
    for href in dict.fromkeys(courses):
        pg.goto(journey.base + href)
        if pg.locator("[data-testid=enroll], [data-testid=cancel]").count():
            break
    else:
        pytest.fail(f"none of the {len(courses)} courses found for Python takes learners")
    if pg.locator("[data-testid=cancel]").count():  # enrolled on another display: cancel, and enrol again
        pg.click("[data-testid=cancel]")
        pg.wait_for_selector("[data-testid=enroll]")
    journey.check("course")
    pg.click("[data-testid=enroll]")
    pg.wait_for_selector("[data-testid=cancel]")
    journey.check("enrolled")
    nav_to(pg, "My learning" if journey.display.english else "我的学习")
    pg.wait_for_selector("[data-testid=records]")
    journey.check("my-learning")
    hours = pg.inner_text("[data-testid=total-hours]")
    assert re.fullmatch(r"[\d,]+(\.\d{1,2})?", hours), hours  # 52.2, never 52.2000000000000
    journey.go("/credits/", "credits")
    journey.go("/credits/transcript/", "transcript")
    journey.go("/credits/declarations/", "declarations")


def test_staff(journey):
    """Institution staff: a new course with a session, published; its roster; the session's attendance sheet;
    data intake; the credit bank's pages for staff."""
    journey.sign_in("staff")
    journey.check("home")
    journey.go("/learn/manage/", "manage")
    pg = journey.page
    journey.go("/learn/manage/courses/new/", "new-course")
    run = f"{journey.display.name}-{time.time_ns() % 10**9}"  # a course and a room of this run's own
    pg.fill("#id_code", f"E2E-J-{run}")
    pg.fill("#id_title", "端到端旅程书法课")
    pg.select_option("#id_kind", "culture")
    pg.fill("#id_term", "2026秋")
    pg.fill("#id_hours", "2")
    pg.fill("#id_fee", "0")
    pg.fill("#id_capacity", "30")
    pg.click("main button[type=submit]")
    pg.wait_for_selector("h1:has-text('端到端旅程书法课')")
    pg.fill("#id_date", datetime.date.today().isoformat())
    pg.fill("#id_start", "09:00")
    pg.fill("#id_end", "11:00")
    pg.fill("#id_venue_id", pg.locator("#venue-options option").first.get_attribute("value"))  # the venue picker
    pg.fill("#id_room", f"E2E-{run}")
    pg.click("main form:has(#id_date) button[type=submit]")
    pg.wait_for_selector("main a[href^='/learn/manage/sessions/']")
    pg.click("[data-testid=publish]")
    pg.wait_for_selector("[data-testid=publish]", state="detached")
    journey.check("roster")
    journey.go(first_href(pg, "main a[href^='/learn/manage/sessions/']"), "attendance")
    journey.go("/intake/", "intake")
    journey.go("/credits/staff/", "credit-bank")


def test_expert(journey):
    """The expert reviewer: the declarations to review."""
    journey.sign_in("expert")
    journey.go("/credits/review/", "declarations")
    link = journey.page.locator("main a[href^='/credits/review/'][href$='/']:not([href='/credits/review/'])")
    if link.count():
        journey.go(link.first.get_attribute("href"), "declaration")


def test_district_admin(journey):
    """A district admin: the network tree of their district, a place, its learners and accounts, monitoring."""
    journey.sign_in("district_admin")
    journey.check("home")
    pg = journey.page
    journey.go("/network/", "network")
    kids = pg.locator("[data-testid=network-tree] button.toggle[aria-expanded=false]").first.get_attribute(
        "aria-controls")
    toggle = pg.locator(f"button.toggle[aria-controls='{kids}']")
    toggle.click()
    pg.wait_for_selector(f"#{kids} .node")
    assert toggle.get_attribute("aria-expanded") == "true"
    journey.check("network-open")
    journey.go("/places/350102/", "place")
    journey.go("/people/", "learners")
    journey.go("/people/accounts/", "accounts")
    journey.go("/monitor/", "monitoring")


def test_city_admin(journey):
    """The city admin: accounts, committees, monitoring with an indicator's drill-down, reports and targets."""
    journey.sign_in("city_admin")
    journey.check("home")
    journey.go("/people/accounts/", "accounts")
    journey.go("/network/committees/", "committees")
    journey.go("/monitor/", "monitoring")
    journey.go(first_href(journey.page, "main a[href^='/monitor/i/']"), "indicator")
    journey.go("/monitor/reports/", "reports")
    journey.go("/monitor/targets/", "targets")


# --- the header, the skip link and the tables on a phone ----------------------------------------------------


def test_the_phone_menu_is_a_button_that_says_whether_it_is_open(browser, demo_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    pg = context.new_page()
    try:
        pg.goto(demo_server + "/learn/")
        header = pg.locator("header.top").bounding_box()
        assert header["height"] <= 72, header  # one row: the brand, the large-text switch, the menu button
        toggle = pg.locator(".menu-toggle")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not pg.is_visible("nav.main")

        # The keyboard reaches the skip link first, then opens the menu with Enter and closes it with Escape
        pg.keyboard.press("Tab")
        assert pg.evaluate("document.activeElement.dataset.testid") == "skip-link"
        assert pg.is_visible("[data-testid=skip-link]")
        pg.keyboard.press("Enter")
        assert pg.evaluate("document.activeElement.id") == "main"
        toggle.focus()
        pg.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert pg.is_visible("nav.main >> text=找课程")
        pg.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not pg.is_visible("nav.main")
        assert pg.evaluate("document.activeElement.dataset.testid") == "menu-toggle"
    finally:
        context.close()


def test_the_desktop_header_is_one_row_with_the_staff_pages_grouped(browser, demo_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    try:
        journey = Journey(pg, demo_server, DISPLAYS[3], "header")
        journey.sign_in("city_admin")
        assert pg.locator("header.top").bounding_box()["height"] <= 64
        assert not pg.is_visible(".menu-toggle")
        manage = pg.locator("[data-testid=menu-manage]")
        assert manage.get_attribute("aria-expanded") == "false"
        assert not pg.is_visible("#menu-manage")
        manage.click()
        assert manage.get_attribute("aria-expanded") == "true"
        assert pg.is_visible("#menu-manage >> text=监测")
        pg.keyboard.press("Escape")
        assert manage.get_attribute("aria-expanded") == "false"
        assert not pg.is_visible("#menu-manage")
        nav_to(pg, "监测")
        pg.wait_for_url(demo_server + "/monitor/")
        assert pg.get_attribute("nav.main a[href='/monitor/']", "aria-current") == "page"
    finally:
        context.close()


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-text"])
def test_tables_of_records_read_as_cards_on_a_phone(browser, demo_server, large):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    if large:
        context.add_cookies([{"name": "lc_large", "value": "1", "url": demo_server}])
    pg = context.new_page()
    try:
        Journey(pg, demo_server, DISPLAYS[0], "cards").sign_in("learner")
        for path, table in [("/learn/me/", "[data-testid=records]"), ("/credits/", "[data-testid=ledger]")]:
            pg.goto(demo_server + path)
            open_menu(pg)  # nothing in the menu may widen the page either
            cells = pg.locator(f"{table} tbody tr:first-child td")
            assert cells.count() >= 3, path
            headers = [h.strip() for h in pg.locator(f"{table} thead th").all_inner_texts()]
            for i in range(cells.count()):
                cell = cells.nth(i)
                if not cell.evaluate("c => c.textContent.trim()"):  # an empty cell (no score) is left out of the card
                    assert cell.evaluate("c => getComputedStyle(c).display") == "none"
                    continue
                # each cell is a row of its card, its label first: "日期 2026-05-12"
                assert cell.evaluate("c => getComputedStyle(c).display") == "grid"
                assert cell.get_attribute("data-label") == headers[i]
                label = cell.evaluate("c => getComputedStyle(c, '::before').content")
                assert label == f'"{headers[i]}"', (path, label)
                box = cell.bounding_box()
                assert box["width"] > 300, (path, i, box)  # the whole card's width, not one character a line
            assert pg.evaluate("document.documentElement.scrollWidth") <= 390, path
            pg.screenshot(path=str(SHOTS / f"cards-{'large' if large else 'standard'}-{Path(path).name or 'me'}.png"),
                          full_page=True)
    finally:
        context.close()


def test_the_axe_check_finds_what_it_must(browser):
    """The check every journey page passes can fail: an image without a text and a button without a name."""
    context = browser.new_context()
    pg = context.new_page()
    try:
        pg.set_content('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
                       '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button></main></body></html>')
        pg.evaluate(AXE_SCRIPT)
        found = {v["id"]: v["impact"] for v in pg.evaluate(AXE_RUN)}
        assert found == {"image-alt": "critical", "button-name": "critical"}
    finally:
        context.close()
