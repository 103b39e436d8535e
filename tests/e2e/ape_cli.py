"""Running `ape run <script>` as a user would, and what a refusal must look like."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The ape of the interpreter running the tests, whatever PATH says.
APE = str(Path(sys.executable).parent / "ape")


def ape_run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [APE, "run", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], words: str) -> None:
    """Non-zero exit, no traceback, exactly one `error:` line, saying `words`."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert words in errors[0]
