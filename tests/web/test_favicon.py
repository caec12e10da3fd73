"""The site's icon: every page names it, and browsers that ask /favicon.ico get it too."""

from __future__ import annotations

import re

import httpx


async def test_pages_name_an_icon_that_answers(client: httpx.AsyncClient) -> None:
    for path in ("/", "/admin/login"):
        page = await client.get(path)
        assert page.status_code == 200, path
        [icon] = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.text)
        answer = await client.get(icon)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("image/svg+xml")
        assert answer.content.startswith(b"<svg")


async def test_favicon_ico_answers_with_the_icon_not_a_404(client: httpx.AsyncClient) -> None:
    answer = await client.get("/favicon.ico")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.content == (await client.get("/static/favicon.svg")).content
