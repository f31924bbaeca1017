"""Rendering of results: the headline table, terminal output, HTML, markdown."""
