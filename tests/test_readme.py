"""The README's Python blocks run as written, and it opens with the two commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_opens_with_the_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make bench", "make test"]


def test_python_blocks_run_in_order(tmp_path: Path) -> None:
    # One script, as a reader pasting the README top to bottom would run it (SQLAlchemy
    # resolves annotations through the defining module, so exec() into a bare namespace
    # would not do). Later blocks use the models of the first.
    assert len(BLOCKS) >= 3
    script = tmp_path / "readme_blocks.py"
    script.write_text("\n".join(BLOCKS), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "selectinload(Author.posts)" in done.stdout
