from __future__ import annotations

import re

import geopandas as gpd
import pytest

from woonzorg_geo.cli.main import main


def test_help_is_dutch(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "voorzieningen" in out and "gegevensbronnen" in out


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "COMMANDO" in capsys.readouterr().out


def test_missing_data_dir_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "v.gpkg"
    code = main(["--data", str(tmp_path / "geen"), "voorzieningen", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "Fout:" in err and "bestaat niet" in err
    assert not out.exists()


def test_bad_settings_file_is_a_clear_error(tmp_path, capsys):
    s = tmp_path / "s.toml"
    s.write_text("[netwerk]\nloopklassen = []\n", encoding="utf-8")
    assert main(["--instellingen", str(s), "data"]) == 2
    assert "loopklassen" in capsys.readouterr().err


@pytest.mark.realdata
def test_voorzieningen_command_writes_layer(raw_dir, tmp_path, capsys):
    out = tmp_path / "v.gpkg"
    assert main(["--stil", "--data", str(raw_dir), "voorzieningen", "--out", str(out)]) == 0
    vz = gpd.read_file(out, layer="voorzieningen")
    assert vz.crs.to_epsg() == 28992
    assert {"categorie", "naam", "bron"} <= set(vz.columns)
    text = capsys.readouterr().out
    assert "supermarkt:" in text and "Huisartsen op adres gegeocodeerd" in text
    assert [p.name for p in tmp_path.iterdir()] == ["v.gpkg"]  # no temporary files left


@pytest.mark.realdata
def test_bad_output_extension_leaves_nothing(raw_dir, tmp_path):
    out = tmp_path / "v.shp"
    assert main(["--stil", "--data", str(raw_dir), "voorzieningen", "--out", str(out)]) == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.realdata
def test_data_inventory(raw_dir, capsys):
    assert main(["--stil", "--data", str(raw_dir), "data"]) == 0
    text = capsys.readouterr().out
    assert "ODbL" in text and "CC BY 4.0" in text
    assert "109 buurten" in text and "10 wijken" in text
    # the GP count in one line: the practices inside the gemeente are those the completeness line
    # counts; the others of the list lie in the margin, and the line says so (issue 24 §7)
    gp = re.search(
        r"in de gemeente: (\d+) praktijken, \d+ op adres gegeocodeerd; de lijst heeft er (\d+): (\d+) ", text
    )
    assert gp, text
    n_in, n_all, n_out = (int(x) for x in gp.groups())
    assert n_in + n_out == n_all and n_out > 0
    assert re.search(rf"\d+ van de {n_in} huisartsenpraktijken", text)


@pytest.mark.realdata
def test_kaarten_rebuilds_maps_from_an_output(assen_output, tmp_path, capsys):
    maps_dir = tmp_path / "kaarten"
    assert (
        main(
            [
                "--stil",
                "kaarten",
                "--uit",
                str(assen_output),
                "--kaarten",
                str(maps_dir),
                "--offline",
                "--profiel",
                "senior",
            ]
        )
        == 0
    )
    names = sorted(p.name for p in maps_dir.glob("*.html"))
    assert "assen_bereikbaarheid.html" in names and "assen_draagkracht.html" in names
    assert len([n for n in names if n.startswith("wijk_")]) == 10
    assert "profiel senior" in (maps_dir / "assen_bereikbaarheid.html").read_text(encoding="utf-8")
    assert f"{len(names)} kaarten geschreven" in capsys.readouterr().out


def test_kaarten_without_output_is_a_clear_error(tmp_path, capsys):
    assert main(["kaarten", "--uit", str(tmp_path / "leeg"), "--kaarten", str(tmp_path / "k")]) == 2
    assert "draai eerst `woonzorg-geo analyse" in capsys.readouterr().err
    assert not (tmp_path / "k").exists()


class _Terminal:
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def test_progress_only_on_a_terminal():
    import io

    from woonzorg_geo.core.progress import show_progress

    assert show_progress(stream=_Terminal()) is True
    assert show_progress(quiet=True, stream=_Terminal()) is False  # --stil
    assert show_progress(stream=io.StringIO()) is False  # a log file or a pipe
    closed = io.StringIO()
    closed.close()
    assert show_progress(stream=closed) is False


@pytest.mark.realdata
def test_no_progress_bars_in_a_log(raw_dir, tmp_path):
    """`data` with its messages going to a file (not a terminal): the log has the messages and no
    progress bar (tqdm draws with carriage returns and a percentage)."""
    import os
    import subprocess
    import sys

    log = tmp_path / "log.txt"
    with log.open("w", encoding="utf-8") as err:
        done = subprocess.run(
            [sys.executable, "-m", "woonzorg_geo", "--data", str(raw_dir), "data"],
            stdout=subprocess.DEVNULL,
            stderr=err,
            timeout=300,
            check=False,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    text = log.read_text(encoding="utf-8")
    assert done.returncode == 0, text
    assert "INFO:" in text  # the messages are there ...
    assert "\r" not in text and not re.search(r"\d+%\|", text)  # ... the bars are not


@pytest.mark.parametrize(
    "path",
    [
        "maps/manifest.json",  # analyse and kaarten with their default --kaarten maps/
        "maps/assen_bereikbaarheid.html",
        "maps/.woonzorg.lock",
        "maps/.woonzorg.lock.info",
        "maps/.staging-123-abcd/wijk_x.html",
        "output/woonzorg.gpkg",
        "output_regio/regio.gpkg",
        "output/.woonzorg.tmp-x1y2.gpkg",
    ],
)
def test_what_the_commands_write_by_default_is_git_ignored(path):
    """After `analyse` (and the other commands) with their default folders, `git status` stays clean."""
    import shutil
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", "--no-index", path], check=False)
    assert done.returncode == 0, f"{path} is not ignored by .gitignore"


def test_maps_readme_is_not_ignored():
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", "--no-index", "maps/README.md"], check=False)
    assert done.returncode == 1  # the folder's own README stays tracked
