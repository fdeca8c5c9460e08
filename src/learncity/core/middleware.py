class DisplayPreferencesMiddleware:
    """Large-text, high-contrast mode for elderly users: a cookie, so it holds across pages and sign-ins."""

    COOKIE = "lc_large"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.large_text = request.COOKIES.get(self.COOKIE) == "1"
        return self.get_response(request)
