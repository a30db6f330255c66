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


def test_missing_language_model_stops_with_install_command(tmp_path):
    (tmp_path / "arc" / "data").mkdir(parents=True)
    (tmp_path / "arc" / "data" / "tweets.js").write_text(
        'window.YTD.tweets.part0 = [{"tweet": {"id_str": "9", "created_at": "Sat Jun 06 13:02:35 +0000 2020", '
        '"full_text": "Attended a patient, Mrs Hall aged 80, on Elm Street today", "entities": {}}}]')
    cfg = tmp_path / "auditor.toml"
    cfg.write_text('[scan]\nnlp_model = "en_core_web_not_installed"\n')
    r = run("scan", str(tmp_path / "arc"), "--out", str(tmp_path / "out"), "--config", str(cfg), "--quiet")
    assert r.exit_code == 2, r.output
    assert "pip install" in r.output
    assert not (tmp_path / "out" / "report.html").exists()


def test_init_writes_a_valid_commented_profile_with_archive_suggestions(tmp_path):
    from auditor import config
    (tmp_path / "arc" / "data").mkdir(parents=True)
    (tmp_path / "arc" / "data" / "tweets.js").write_text("window.YTD.tweets.part0 = []")
    (tmp_path / "arc" / "data" / "account.js").write_text(
        'window.YTD.account.part0 = [{"account": {"username": "sam_q_para", "accountId": "1", '
        '"accountDisplayName": "Sam Quill"}}]')
    (tmp_path / "arc" / "data" / "profile.js").write_text(
        'window.YTD.profile.part0 = [{"profile": {"description": {"bio": "Paramedic in the north. Views my own.", '
        '"location": "Leeds"}}}]')
    out = tmp_path / "auditor.toml"
    r = run("init", "--out", str(out), "--from-archive", str(tmp_path / "arc"))
    assert r.exit_code == 0, r.output
    assert out.stat().st_mode & 0o077 == 0
    text = out.read_text()
    assert text.count("\n#") > 10                      # commented for the user
    prof = config.load(out).profile
    assert prof.full_name == "Sam Quill" and "sam_q_para" in prof.handles
    assert prof.regulator == "HCPC" and prof.profession == "paramedic"     # from the bio
    assert run("init", "--out", str(out)).exit_code == 2   # never overwrites without --force
