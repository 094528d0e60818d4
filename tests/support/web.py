"""Helpers for driving forms through Flask's test client, as a browser would."""
from __future__ import annotations

import re


def csrf(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(client, email: str, password: str) -> None:
    """Sign a staff member in through the real /desk/login form."""
    page = client.get("/desk/login").get_data(as_text=True)
    response = client.post("/desk/login", data={"csrf_token": csrf(page), "email": email, "password": password})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
