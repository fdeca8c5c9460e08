"""import-linter contract types of our own (pyproject.toml's `contract_types`).

`domain`: the web layer is named by what its modules are called, not by a hand list, so a module written tomorrow
is covered the day it is written. A module is *web* when one of its names (below the root) starts or ends with
one of `web` (views, event_views, api, pool_api, urls, urls_staff, htmx, templatetags…); every other module of the
root package outside migrations is *domain*, and no domain module may import a web module, directly or through
others, nor one of the `external` packages (web frameworks and servers).
"""

from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.domain import fields
from importlinter.domain.imports import ModuleExpression


class DomainContract(ForbiddenContract):
    type_name = "domain"

    root = fields.StringField()
    web = fields.ListField(subfield=fields.StringField())
    web_exempt = fields.ListField(subfield=fields.StringField(), required=False, default=[])
    external = fields.ListField(subfield=fields.StringField(), required=False, default=[])
    source_modules = fields.SetField(subfield=fields.ModuleExpressionField(), required=False, default=set())
    forbidden_modules = fields.SetField(subfield=fields.ModuleExpressionField(), required=False, default=set())

    def is_web(self, module: str) -> bool:
        names = module.split(".")[1:]
        return any(n.startswith(w) or n.endswith(w) for n in names for w in self.web)

    def check(self, graph, verbose):
        own = sorted(m for m in graph.modules if m.startswith(f"{self.root}.") and ".migrations" not in m)
        exempt = set(self.web_exempt)
        self.source_modules = {ModuleExpression(m) for m in own if not self.is_web(m) and m not in exempt}
        self.forbidden_modules = ({ModuleExpression(m) for m in own if self.is_web(m)}
                                  | {ModuleExpression(e) for e in self.external})
        self.as_packages = False
        return super().check(graph, verbose)
