"""``querybench report`` as a function: read the results (and baseline), write HTML and markdown."""

from __future__ import annotations

from pathlib import Path

from querybench.report.sources import load_results


def write_reports(
    results_path: Path,
    *,
    baseline_path: Path | None = None,
    html_path: Path | None = None,
    markdown_path: Path | None = None,
) -> list[Path]:
    """Write the HTML report (beside the results unless ``html_path``) and optional markdown.

    Both inputs are read before anything is written, so bad input leaves no file behind; and
    before the renderers (pandas, matplotlib) are imported, so it is refused in a blink.
    """
    special = _load_or_requests_report(results_path, html_path)
    if special is not None:
        return [special]
    results = load_results(results_path)
    baseline = load_results(baseline_path) if baseline_path is not None else None
    from querybench.report.html import write_html, write_text
    from querybench.report.markdown import render_markdown

    target = html_path if html_path is not None else results_path.with_name("report.html")
    written = [write_html(results, target, baseline=baseline, source=str(results_path))]
    if markdown_path is not None:
        text = render_markdown(results, baseline=baseline)
        written.append(write_text(markdown_path, text, "markdown"))
    return written


def _load_or_requests_report(results_path: Path, html_path: Path | None) -> Path | None:
    """The report of a ``querybench load`` file or a middleware's requests file, if it is one."""
    import json

    try:
        data = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None  # load_results says what is wrong, in its own words
    from querybench.load.results import is_load_file, load_from_data
    from querybench.web.records import is_requests_file, requests_from_data

    if not (is_load_file(data) or is_requests_file(data)):
        return None
    from querybench.report.html import write_text

    target = html_path if html_path is not None else results_path.with_name("report.html")
    if is_load_file(data):
        from querybench.report.load_report import render_load

        text = render_load(load_from_data(data, str(results_path)), str(results_path))
    else:
        from querybench.report.requests_report import render_requests

        records = requests_from_data(data, str(results_path))
        dropped = data.get("dropped", 0)
        text = render_requests(
            records, str(results_path), dropped if isinstance(dropped, int) else 0
        )
    return write_text(target, text, "report")
