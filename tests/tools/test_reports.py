"""The shared report helpers: several commands each own one section of RELIABILITY.md."""

from pathlib import Path

from edgeledger.reports import replace_section


def test_replace_section__keeps_the_other_sections(tmp_path: Path) -> None:
    report = tmp_path / "REPORT.md"
    replace_section(report, "Reliability", "Stateful fuzzing", "old counts")
    replace_section(report, "Reliability", "Mutation testing", "kill share")
    replace_section(report, "Reliability", "Stateful fuzzing", "new counts")

    text = report.read_text()
    assert text.startswith("# Reliability\n")
    assert "old counts" not in text
    assert text.index("## Stateful fuzzing\n\nnew counts") < text.index("## Mutation testing")
    assert text.count("## ") == 2
    assert text.endswith("kill share\n")
