"""The committee's year as a JSON API under /api/governance, one module per part (plans.py: work points, tasks,
progress). Each part's router is mounted here without a prefix of its own."""

from ninja import Router

from learncity.governance.api import assessment, consolidation, inspections, meetings, plans, reports

router = Router(tags=["governance"])
router.add_router("", plans.router)
router.add_router("", reports.router)
router.add_router("", consolidation.router)
router.add_router("", meetings.router)
router.add_router("", inspections.router)
router.add_router("", assessment.router)
