from learncity.core.scopes import scope_for


def display(request):
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "large_text": getattr(request, "large_text", False),
        "scope": scope,
        "role_labels": scope.role_labels(),
    }
