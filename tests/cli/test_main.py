"""`driftline` itself: help, version, no command."""

from __future__ import annotations

import pytest

from driftline.cli import main



def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "baseline", "monitor"):
        assert command in out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "driftline 0." in capsys.readouterr().out
    assert main([]) == 2
