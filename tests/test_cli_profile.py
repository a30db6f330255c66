"""Profile and command line (issue 14): unknown keys and sections in auditor.toml are errors naming
the nearest valid one; an unknown regulator lists the supported ones; `init` works the regulator
out from the profession in the download, or asks, or writes a placeholder the scan refuses;
every output location is checked before the scan; Ctrl-C exits 130 and leaves nothing half-written;
the exit codes are documented."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import config
from auditor.cli import main
from auditor.config import ConfigError
from conftest import write_zip
from test_twitter_layouts import tweet, utc, ytd

ROOT = Path(__file__).resolve().parent.parent
READ_ONLY = Path("/sys/footprint-auditor-test")          # sysfs: no new files, even for root


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def export(tmp_path: Path, bio: str | None = None, name: str = "x.zip") -> Path:
    members = {"data/tweets.js": ytd("tweets", [{"tweet": tweet("1", utc(2024, 1, 1), "hello")}]),
               "data/account.js": ytd("account", [{"account": {"username": "ann_ex", "accountId": "1",
                                                               "accountDisplayName": "Ann Example"}}])}
    if bio is not None:
        members["data/profile.js"] = ytd("profile", [{"profile": {"description": {"bio": bio}}}])
    return write_zip(tmp_path / name, members)


@pytest.fixture
def no_scan(monkeypatch):
    """The scan must not start: the check in question has to fail before it."""
    def refuse(*a, **k):
        raise AssertionError("the scan started")
    monkeypatch.setattr("auditor.pipeline.scan", refuse)


@pytest.fixture
def no_analysers(monkeypatch):
    monkeypatch.setattr("auditor.pipeline.default_analysers", lambda: [])


# -- the configuration file ---------------------------------------------------------------------
@pytest.mark.parametrize("text,words", [
    ('[profile]\nhandels = ["@ann"]\n', ["unknown setting `handels`", "did you mean `handles`"]),
    ('[profil]\nfull_name = "Ann"\n', ["unknown section [profil]", "did you mean [profile]"]),
    ('[scan]\ninclude_message = true\n', ["unknown setting `include_message`", "`include_messages`"]),
    ('[profile.home]\nlattitude = 53.0\nlon = -1.5\n', ["[profile.home]", "`lattitude`", "`lat`"]),
    ('[[profile.workplaces]]\nname = "A"\nlat = 53.0\nlon = -1.5\nradius = 200\n',
     ["[[profile.workplaces]] number 1", "`radius`", "`radius_m`"]),
    ('[profile]\nzzz = 1\n', ["unknown setting `zzz`", "the settings here are full_name"]),
    ('[misc]\na = 1\n', ["unknown section [misc]", "[profile] and [scan]"]),
])
def test_unknown_keys_and_sections_are_errors_naming_the_nearest(tmp_path, no_scan, text, words):
    cfg = tmp_path / "auditor.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as exc:
        config.load(cfg)
    for w in words:
        assert w in str(exc.value), str(exc.value)
    r = run("scan", export(tmp_path), "--out", tmp_path / "out", "--config", cfg)
    assert r.exit_code == 2 and words[0] in r.output and str(cfg) in r.output


@pytest.mark.parametrize("value,code", [("HCPC", "HCPC"), ("nmc", "NMC"), ("Social Work England", "SWE"),
                                        ("gphc", "GPhC"), ("General Medical Council", "GMC")])
def test_regulator_codes_and_names_are_accepted(value, code):
    assert config.parse({"profile": {"regulator": value}}).profile.regulator == code


def test_unknown_regulator_lists_the_supported_ones(tmp_path, no_scan):
    from auditor import standards
    with pytest.raises(ConfigError) as exc:
        config.parse({"profile": {"regulator": "RCN"}})
    msg = str(exc.value)
    assert "'RCN' is not a regulator" in msg and "did you mean NMC" in msg
    for reg in standards.regulators():                   # every regulator with standards shipped
        assert reg in msg
    assert set(config.REGULATORS) == set(standards.regulators())
    cfg = tmp_path / "auditor.toml"
    cfg.write_text('[profile]\nregulator = "Nursing Council"\n')
    r = run("scan", export(tmp_path), "--out", tmp_path / "out", "--config", cfg)
    assert r.exit_code == 2 and "Use one of: HCPC" in r.output


# -- init -------------------------------------------------------------------------------------
@pytest.mark.parametrize("bio,code,profession", [
    ("Staff nurse on a busy medical ward. Views my own.", "NMC", "staff nurse"),
    ("Student midwife | runner", "NMC", "midwife"),
    ("Dental nurse and mum of two", "GDC", "dental nurse"),
    ("Junior doctor (FY2), coffee", "GMC", "junior doctor"),
    ("Community pharmacist", "GPhC", "pharmacist"),
    ("Children's social worker", "SWE", "social worker"),
    ("Paramedic. Tweets my own.", "HCPC", "paramedic"),
    ("MSK physiotherapist", "HCPC", "physiotherapist"),
    ("Occupational therapist in the community", "HCPC", "occupational therapist"),
    ("Diagnostic radiographer", "HCPC", "radiographer"),
])
def test_init_infers_the_regulator_from_the_profession(tmp_path, bio, code, profession):
    out = tmp_path / "auditor.toml"
    r = run("init", "--out", out, "--from-archive", export(tmp_path, bio))
    assert r.exit_code == 0, r.output
    prof = config.load(out).profile
    assert (prof.regulator, prof.profession) == (code, profession)
    assert f"Regulator: {code}" in r.output and "change it if that is wrong" in out.read_text()


def test_init_writes_a_placeholder_the_scan_refuses_when_it_cannot_tell(tmp_path, no_scan):
    out = tmp_path / "auditor.toml"
    r = run("init", "--out", out, "--from-archive", export(tmp_path, "Runner, baker, dog person"))
    assert r.exit_code == 0, r.output
    assert "could not be worked out" in r.output
    assert "FILL THIS IN" in out.read_text()
    with pytest.raises(ConfigError, match="not filled in yet"):
        config.load(out)
    r = run("scan", export(tmp_path, name="y.zip"), "--out", tmp_path / "o", "--config", out)
    assert r.exit_code == 2 and "not filled in yet" in r.output
    # two professions of different regulators: it cannot tell either
    r = run("init", "--out", tmp_path / "two.toml", "--from-archive", export(tmp_path, "nurse and paramedic", "z.zip"))
    assert "could not be worked out" in r.output


def test_init_asks_in_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr("auditor.cli._interactive", lambda: True)
    out = tmp_path / "auditor.toml"
    r = run("init", "--out", out, input="RCN\nnmc\n")
    assert r.exit_code == 0, r.output
    assert "Which regulator" in r.output and "did you mean NMC" in r.output      # asked again
    assert config.load(out).profile.regulator == "NMC"


def test_init_regulator_option(tmp_path):
    out = tmp_path / "auditor.toml"
    assert run("init", "--out", out, "--regulator", "gdc").exit_code == 0
    assert config.load(out).profile.regulator == "GDC"
    r = run("init", "--out", tmp_path / "b.toml", "--regulator", "BMA")
    assert r.exit_code == 2 and "did you mean GMC" in r.output


def test_init_to_a_read_only_place_is_a_clear_message(tmp_path):
    (tmp_path / "a-file").write_text("x")
    for out, words in ((READ_ONLY.with_suffix(".toml"), "cannot write"),
                       (tmp_path / "a-file" / "auditor.toml", "no such folder"),
                       (tmp_path / "missing" / "auditor.toml", "no such folder")):
        r = CliRunner().invoke(main, ["init", "--out", str(out), "--regulator", "HCPC"])
        assert r.exit_code == 2, r.output
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
        assert r.output.startswith("auditor: ") and words in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["init", "--out", str(tmp_path), "--regulator", "HCPC", "--force"])
    assert r.exit_code == 2 and "is a directory" in r.output            # click's own check


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_init_into_a_folder_without_write_permission(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = run("init", "--out", ro / "auditor.toml", "--regulator", "HCPC")
    finally:
        ro.chmod(0o700)
    assert r.exit_code == 2 and "cannot write" in r.output


# -- output locations are checked before the scan -------------------------------------------------
def test_read_only_out_fails_before_the_scan(tmp_path, no_scan):
    path = export(tmp_path)
    (tmp_path / "file").write_text("x")
    for out, words in ((READ_ONLY / "report", "cannot write there"),
                       (tmp_path / "file" / "report", "is a file"),
                       (tmp_path / "file", "is a file")):
        r = run("scan", path, "--out", out)
        assert r.exit_code == 2, r.output
        assert words in r.output and ".auditor-write-test" not in r.output and ".findings" not in r.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_without_write_permission_fails_before_the_scan(tmp_path, no_scan):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = run("scan", export(tmp_path), "--out", ro / "report")
    finally:
        ro.chmod(0o700)
    assert r.exit_code == 2 and "read-only for you" in r.output


def test_read_only_baseline_fails_before_the_scan(tmp_path, no_scan):
    r = run("scan", export(tmp_path), "--out", tmp_path / "out", "--baseline", READ_ONLY.with_suffix(".json"))
    assert r.exit_code == 2 and "--baseline" in r.output and "cannot write" in r.output
    assert not (tmp_path / "out").exists()


def test_write_failure_names_no_temporary_file_and_leaves_nothing(tmp_path, monkeypatch, no_analysers):
    from auditor import report
    real = report.write_private
    calls = []

    def failing(path, text):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(path.parent / ".report.html.tmp123"))
        real(path, text)
    monkeypatch.setattr(report, "write_private", failing)
    out = tmp_path / "out"
    r = run("scan", export(tmp_path), "--out", out)
    assert r.exit_code == 2 and "No space left on device" in r.output and ".tmp" not in r.output
    assert not out.exists()


# -- Ctrl-C ---------------------------------------------------------------------------------------
def test_ctrl_c_during_the_scan_exits_130_and_writes_nothing(tmp_path, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr("auditor.pipeline.scan", interrupted)
    r = CliRunner().invoke(main, ["scan", str(export(tmp_path)), "--out", str(tmp_path / "out")])
    assert r.exit_code == 130, r.output
    assert "Ctrl-C" in r.output and "Aborted" not in r.output
    assert not (tmp_path / "out").exists()


def test_ctrl_c_while_writing_leaves_no_half_written_report(tmp_path, monkeypatch, no_analysers):
    from auditor import report
    path = export(tmp_path)
    out = tmp_path / "out"
    assert run("scan", path, "--out", out).exit_code == 0            # an earlier, complete report
    real = report.write_private
    calls = []

    def interrupted(p, text):
        calls.append(p)
        real(p, text)
        if len(calls) == 2:
            raise KeyboardInterrupt
    monkeypatch.setattr(report, "write_private", interrupted)
    r = CliRunner().invoke(main, ["scan", str(path), "--out", str(out), "--force"])
    assert r.exit_code == 130, r.output
    assert "was removed" in r.output
    assert sorted(os.listdir(out)) == []             # neither a mix of two runs nor temporary files


def test_ctrl_c_in_other_commands_exits_130(tmp_path, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr("auditor.pipeline.open_inputs", interrupted)
    r = CliRunner().invoke(main, ["inspect", str(export(tmp_path))])
    assert r.exit_code == 130 and "Aborted" not in r.output


SIGINT_SCRIPT = textwrap.dedent('''
    import os, signal, sys
    # as in a terminal: a job started in the background (CI runners, nohup) inherits SIGINT ignored,
    # and Python then installs no KeyboardInterrupt handler
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from auditor import report, pipeline
    pipeline.default_analysers = lambda: []
    real = report.write_private
    n = []
    def write(path, text):
        real(path, text)
        n.append(path)
        if len(n) == 2:
            os.kill(os.getpid(), signal.SIGINT)       # a real Ctrl-C, half-way through writing
    report.write_private = write
    from auditor.cli import main
    main(["scan", sys.argv[1], "--out", sys.argv[2]])
''')


def test_a_real_sigint_while_writing(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", SIGINT_SCRIPT, str(export(tmp_path)), str(out)],
                       capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert r.returncode == 130, r.stderr[-2000:]
    assert "Ctrl-C" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() or os.listdir(out) == []


# -- documentation --------------------------------------------------------------------------------
def test_exit_codes_are_documented_in_help_and_readme():
    for args in ([], ["scan"], ["inspect"]):
        r = run(*args, "--help")
        assert "Exit codes:" in r.output and "130" in r.output and "incomplete" in r.output, args
    readme = (ROOT / "README.md").read_text()
    for words in ("exit code", "3 when", "130"):
        assert words in readme, words


def test_findings_json_schema_unchanged(tmp_path, no_analysers):
    out = tmp_path / "out"
    run("scan", export(tmp_path), "--out", out)
    assert json.loads((out / "findings.json").read_text())["schema"] == "footprint-auditor/findings/v1"
