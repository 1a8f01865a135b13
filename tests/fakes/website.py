"""A department web page on its own origin that embeds the widget with the documented one tag."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse


def host_page(gateway_url: str) -> FastAPI:
    app = FastAPI()
    # Hostile page styles: the widget must look the same regardless.
    page = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sở Xây dựng</title>
<style>body {{ font-family: serif; color: red; }} button {{ background: yellow !important; }}</style></head>
<body><h1>Sở Xây dựng tỉnh Tuyên Quang</h1><p>Trang tin của Sở.</p>
<script src="{gateway_url}/widget.js" data-title="Hỏi đáp thủ tục" data-color="#8b1a1a" defer></script>
</body></html>"""

    @app.get("/")
    async def index():
        return HTMLResponse(page)

    return app
