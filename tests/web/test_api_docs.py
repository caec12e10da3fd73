"""The API documentation pages work without internet: every file they load is this site's own."""

from __future__ import annotations

import re

import httpx
import pytest

ASSET = re.compile(r"""(?:src|href|spec-url)="([^"]+)"|url: '([^']+)'""")
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".svg": ("image/svg+xml",),
    ".json": ("application/json",),
}


def _references(html: str) -> list[str]:
    return [first or second for first, second in ASSET.findall(html)]


@pytest.mark.parametrize(
    ("page", "spec"),
    [
        ("/docs", "/openapi.json"),
        ("/redoc", "/openapi.json"),
        ("/erp-contract/docs", "/erp-contract/openapi.json"),
    ],
)
async def test_a_docs_page_loads_only_this_sites_files_and_each_answers(
    client: httpx.AsyncClient, page: str, spec: str
) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    references = _references(response.text)
    assert spec in references
    assert any(url.endswith(".js") for url in references)
    assert "http://" not in response.text and "https://" not in response.text
    for url in references:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rfind(".") :]
        content_type = asset.headers["content-type"].split(";")[0]
        assert content_type in CONTENT_TYPES[suffix], (url, content_type)
