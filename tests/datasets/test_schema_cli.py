"""``querybench datasets SPEC.toml`` builds a generator spec that names its models."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import generated_models
import pytest

from querybench.cli import main
from querybench.datasets import build_source
from querybench.datasets.schema import SchemaSpec, read_schema_spec, schema_source


def read_schema_spec_text(text: str) -> SchemaSpec:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spec.toml"
        path.write_text(text)
        return read_schema_spec(path)


COUNTS = "authors = 200\nposts = 1000\ncategories = 100\ntags = 60\ncomments = 2000\n"


def test_a_spec_naming_its_models_builds_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "blog.toml"
    models = f"{Path(generated_models.__file__)}:Base"
    path.write_text(f'name = "blog"\nmodels = "{models}"\nsizes = [1, 5]\n[counts]\n{COUNTS}')
    url = f"sqlite:///{tmp_path / 'blog.sqlite'}"
    assert main(["datasets", str(path), "--db", url]) == 0
    printed = capsys.readouterr().out
    spec = read_schema_spec(path)
    expected = build_source(
        schema_source(generated_models.Base, spec), f"sqlite:///{tmp_path}/b.db"
    )
    assert expected.digest in printed
    assert "post_tags" in printed


def test_a_spec_whose_models_do_not_import_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "blog.toml"
    path.write_text('name = "blog"\nmodels = "no_such_module_anywhere:Base"\n')
    assert main(["datasets", str(path)]) == 2
    assert capsys.readouterr().err == (
        "querybench: error: no_such_module_anywhere:Base: no module named"
        " 'no_such_module_anywhere' (neither a file nor an importable module)\n"
    )


def test_the_readme_spec_reads_and_fits_a_schema_with_those_tables() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(name = \"blog\".*?)```", readme, re.S)
    assert block is not None
    spec = read_schema_spec_text(block.group(1))
    assert spec.models == "myapp.models:Base"
    source = schema_source(generated_models.Base, spec)  # every name it uses exists
    assert source.spec.counts == {"authors": 1000, "posts": 20000}
