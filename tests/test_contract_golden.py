"""The findings.json contract (DESIGN.md) and the golden report on sample_exports/ with a fixed clock.

Regenerate the golden files after an intended change with:
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_contract_golden.py
and review the diff before committing it.
"""
import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.model import ACTIONS, CATEGORIES, KINDS, PLATFORMS, SEVERITIES, URGENCY_LEVELS

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLES = ["sample_exports/twitter-2026-11-01-3f9a1c.zip",
           "sample_exports/facebook-jordanashby-2026-11-01-Ab12Cd34.zip",
           "sample_exports/instagram-jordan.ashby.runs-2026-11-01-Zx98Yw76.zip",
           "sample_exports/camera-roll"]
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def sample_scan(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden") / "out"
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        env = {"AUDITOR_NOW": "2026-11-21T09:00:00Z"}
        r = CliRunner(env=env).invoke(main, ["scan", *SAMPLES, "--config", "sample_exports/auditor.toml",
                                             "--out", str(out), "--quiet"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert r.exit_code == 1, r.output          # the samples have planted findings
    return out


def check_place(pl):
    assert pl is None or (set(pl) == {"lat", "lon", "name", "source"})


def test_findings_json_contract(sample_scan):
    doc = json.loads((sample_scan / "findings.json").read_text())
    # v1 keys first, in order; additive keys (DESIGN.md) may follow
    assert list(doc)[:7] == ["schema", "generated_at", "tool", "archives", "posts", "findings", "problems"]
    assert set(doc) - set(list(doc)[:7]) <= {"complete"}
    assert doc["schema"] == "footprint-auditor/findings/v1"
    assert doc["generated_at"] == "2026-11-21T09:00:00Z"
    assert set(doc["tool"]) == {"name", "version"}
    for a in doc["archives"]:
        assert set(a) - {"coverage"} == {"path", "platform", "layout", "posts", "media", "problems"}
        assert a["platform"] in PLATFORMS
        if "coverage" in a:
            assert {"expected", "read", "skipped"} <= set(a["coverage"])
    refs = set()
    for p in doc["posts"]:
        assert set(p) == {"ref", "platform", "kind", "created_at", "text", "url", "audience", "place", "media",
                          "source"}
        assert p["ref"].startswith(p["platform"] + ":")
        assert p["platform"] in PLATFORMS and p["kind"] in KINDS
        assert p["created_at"] is None or ISO.match(p["created_at"])
        check_place(p["place"])
        for m in p["media"]:
            assert set(m) == {"path", "kind", "place"}
            check_place(m["place"])
        assert set(p["source"]) == {"archive", "member", "index"}
        refs.add(p["ref"])
    ids = set()
    for f in doc["findings"]:
        assert set(f) == {"id", "rule", "name", "category", "severity", "confidence", "post_ref", "media_path",
                          "evidence", "explanation", "standards", "action", "status",
                          # additive within v1: the urgency scale, the user's note, new since last check
                          "urgency", "level", "note", "new_since_last"}
        assert 0 <= f["urgency"] <= 1 and f["level"] in URGENCY_LEVELS
        assert f["level"] == "act" or f["action"] == "review"
        assert isinstance(f["note"], str) and isinstance(f["new_since_last"], bool)
        assert f["category"] in CATEGORIES and f["severity"] in SEVERITIES and f["action"] in ACTIONS
        assert 0 <= f["confidence"] <= 1
        assert f["post_ref"] in refs
        assert f["explanation"] and f["evidence"]
        assert f["standards"], f"{f['rule']} cites no clause"
        for s in f["standards"]:
            assert set(s) == {"regulator", "edition", "clause", "title"}
        assert f["id"] not in ids
        ids.add(f["id"])
    for pr in doc["problems"]:
        assert set(pr) == {"archive", "member", "message"}
    # most urgent first: the one scale decides the order
    scores = [f["urgency"] for f in doc["findings"]]
    assert scores == sorted(scores, reverse=True)


def test_every_planted_category_is_found(sample_scan):
    doc = json.loads((sample_scan / "findings.json").read_text())
    assert {f["category"] for f in doc["findings"]} >= {"location"}


def test_outputs_private(sample_scan):
    for name in ("report.html", "findings.json", "findings.csv"):
        assert (sample_scan / name).stat().st_mode & 0o077 == 0


def _normalise(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc["tool"]["version"] = "*"
    return doc


def test_golden_report(sample_scan):
    doc = _normalise(json.loads((sample_scan / "findings.json").read_text()))
    rows = list(csv.reader(io.StringIO((sample_scan / "findings.csv").read_text())))
    golden_json = GOLDEN / "sample_findings.json"
    golden_csv = GOLDEN / "sample_findings.csv"
    if os.environ.get("UPDATE_GOLDEN"):
        golden_json.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        golden_csv.write_text((sample_scan / "findings.csv").read_text())
    assert doc == json.loads(golden_json.read_text())
    assert rows == list(csv.reader(io.StringIO(golden_csv.read_text())))
