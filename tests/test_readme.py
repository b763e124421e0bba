"""The README's Python example runs as written (a doctest on the real data)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.realdata
def test_readme_python_example(raw_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("WOONZORG_DATA", str(raw_dir))
    text = README.read_text(encoding="utf-8").replace("/tmp/supermarkt_per_buurt.html", str(tmp_path / "kaart.html"))
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, "README.md", str(README), 0)
    assert len(test.examples) >= 10  # the example is there and not silently emptied
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} README examples failed (see above)"
    assert (tmp_path / "kaart.html").stat().st_size > 10_000
