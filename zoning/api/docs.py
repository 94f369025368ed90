"""The OpenAPI document (``/api/openapi.json``) and its browsable page (``/api/docs``), served
by the app itself: Swagger UI's files are vendored in ``static/vendor/swagger-ui-<version>/``
(npm ``swagger-ui-dist``, Apache-2.0, licence beside them), never fetched from a CDN.

The document is OpenAPI 3.0.3: the API's parameters and bodies are written so that the
schema FastAPI generates is valid 3.0 (no ``null`` types), which the tests check with
openapi-spec-validator; OGC API – Features clients (GDAL's OAPIF driver, QGIS) read the
``limit`` maximum from it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from layers.paths import STATIC_DIR

__all__ = ["router", "mount_assets", "SWAGGER_DIR", "ASSETS_URL", "FONT_CSS_URL", "OPENAPI_URL", "DOCS_URL"]

SWAGGER_VERSION = "5.36.0"
SWAGGER_DIR: Path = STATIC_DIR / "vendor" / f"swagger-ui-{SWAGGER_VERSION}"
ASSETS_URL = "/api/assets/swagger-ui"
FONTS_DIR: Path = STATIC_DIR / "fonts"
#: Noto Sans SC as the app serves it (split by unicode-range), for the API's own pages: no
#: CJK font is assumed on the reader's machine.
FONT_CSS_URL = "/api/assets/fonts/noto-sans-sc.css"
# Swagger UI names its fonts element by element: the Chinese font goes after each as the fallback.
_FONT_RULE = ('<link rel="stylesheet" href="' + FONT_CSS_URL + '"><style>'
              '.swagger-ui, .swagger-ui * {font-family: sans-serif, "Noto Sans SC" !important;}'
              '.swagger-ui code, .swagger-ui pre, .swagger-ui code * {font-family: monospace, "Noto Sans SC" !important;}'
              '</style>')  # fmt: skip
OPENAPI_URL = "/api/openapi.json"
DOCS_URL = "/api/docs"

router = APIRouter(include_in_schema=False)


@router.get(DOCS_URL)
def docs() -> HTMLResponse:
    """Swagger UI over ``/api/openapi.json``, every file (and the Chinese font) from this server."""
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="生态环境分区管控符合性筛查 API / Eco-zoning screener API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
    )
    html = bytes(page.body).decode("utf-8").replace("</head>", _FONT_RULE + "</head>", 1)
    return HTMLResponse(html)


@router.get(FONT_CSS_URL)
def font_css() -> Response:
    """The app's font stylesheet with the slices' URLs beside it (the app serves them under
    /app/static/fonts/, as the exported site rewrites them too)."""
    css = (FONTS_DIR / "noto-sans-sc.css").read_text(encoding="utf-8").replace("/app/static/fonts/", "")
    return Response(css, media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=86400"})


def mount_assets(app: FastAPI) -> None:
    """Serve the vendored Swagger UI files and the font slices (only those: not the rest of static/)."""
    app.mount(ASSETS_URL, StaticFiles(directory=SWAGGER_DIR, check_dir=False), name="swagger-ui")
    app.mount("/api/assets/fonts/noto-sans-sc", StaticFiles(directory=FONTS_DIR / "noto-sans-sc", check_dir=False),
              name="fonts")  # fmt: skip
