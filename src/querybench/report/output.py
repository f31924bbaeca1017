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
