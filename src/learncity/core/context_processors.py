from learncity.core.scopes import ROLE_LABELS, scope_for


def display(request):
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "large_text": getattr(request, "large_text", False),
        "scope": scope,
        "role_labels": [ROLE_LABELS[r] for r in sorted(scope.roles)] if scope.roles else [],
    }
