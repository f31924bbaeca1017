"""A small self-contained HTML page (inline CSS, no scripts) for the load and requests reports."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;
text-align:right}th{background:#f4f4f4}td.text,th.text{text-align:left}code{font-size:90%}
figure{display:inline-block;margin:0 1em 1em 0}figcaption{font-size:85%;color:#555;max-width:30em}
.note{color:#555}
"""


def table(header: Sequence[str], rows: Sequence[Sequence[object]], text_columns: int = 1) -> str:
    """An HTML table; the first ``text_columns`` columns left-aligned; every value escaped."""

    def cells(values: Sequence[object], tag: str) -> str:
        return "".join(
            f"<{tag}{' class=text' if i < text_columns else ''}>{escape(str(v))}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    return f"<table><tr>{cells(header, 'th')}</tr>{body}</table>"


def page(title: str, sections: Sequence[str]) -> str:
    """The whole document; ``sections`` are trusted HTML built by this package."""
    policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{''.join(sections)}</body></html>\n"
    )


def figure(svg: str, caption: str) -> str:
    """A chart with its caption (the SVG is matplotlib's own markup)."""
    return f"<figure>{Markup(svg)}<figcaption>{escape(caption)}</figcaption></figure>"
