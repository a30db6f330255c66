import json

from click.testing import CliRunner

from auditor.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_on_every_command():
    for cmd in ([], ["scan"], ["inspect"], ["init"], ["rules"]):
        r = run(*cmd, "--help")
        assert r.exit_code == 0, r.output
        assert "Usage:" in r.output


def test_rules_lists_catalogue():
    r = run("rules")
    assert r.exit_code == 0
    assert "GEO001" in r.output


def test_not_an_archive_exits_2(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello")
    r = run("scan", str(f), "--out", str(tmp_path / "out"))
    assert r.exit_code == 2
    assert "not a zip archive or a folder" in r.output
    assert not (tmp_path / "out").exists()


def test_scan_twitter_folder_writes_outputs(tmp_path):
    tweets = ('window.YTD.tweets.part0 = [{"tweet": {"id_str": "101", "created_at": '
              '"Sat Jun 06 13:02:35 +0000 2020", "full_text": "At the station &amp; ready", '
              '"entities": {}, "coordinates": {"type": "Point", "coordinates": ["-1.55", "53.80"]}}}]')
    (tmp_path / "arc" / "data").mkdir(parents=True)
    (tmp_path / "arc" / "data" / "tweets.js").write_text(tweets)
    out = tmp_path / "out"
    r = run("scan", str(tmp_path / "arc"), "--out", str(out), "--quiet")
    assert r.exit_code == 1, r.output
    doc = json.loads((out / "findings.json").read_text())
    assert doc["posts"][0]["text"] == "At the station & ready"
    assert doc["findings"][0]["rule"] == "GEO001"
    assert (out / "report.html").stat().st_mode & 0o077 == 0
