"""`auditor init --from-archive` fills the profile from the new platforms' downloads (LinkedIn work
history, Mastodon and TikTok handles), and a scan names each platform in findings.json."""
from __future__ import annotations

import json

from click.testing import CliRunner

from auditor.cli import main
from conftest import write_folder, write_zip
from platform_exports import linkedin_export, mastodon_export, reddit_export, tiktok_current


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_from_linkedin_mastodon_and_tiktok(tmp_path):
    li = write_zip(tmp_path / "Complete_LinkedInDataExport_01-02-2025.zip", linkedin_export())
    ma = write_folder(tmp_path / "mastodon", mastodon_export())
    tt = write_zip(tmp_path / "tiktok.zip", tiktok_current())
    out = tmp_path / "auditor.toml"
    r = cli("init", "--out", str(out), "--from-archive", str(li), "--from-archive", str(ma), "--from-archive", str(tt))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert 'full_name = "Morgan Ashdown"' in text
    assert '"Morgan Keld"' in text
    assert "Invented Ambulance Trust" in text                      # employer, from Positions.csv
    assert "@morgan@social.invented.example" in text and "@morgan.invented" in text
    assert "work history: Invented Ambulance Trust, Paramedic, Leeds (Mar 2023–now)" in text
    assert "current city: Leeds, England, United Kingdom" in text


def test_scan_names_each_platform_in_findings_json(tmp_path):
    paths = [write_zip(tmp_path / "li.zip", linkedin_export()), write_folder(tmp_path / "ma", mastodon_export()),
             write_zip(tmp_path / "tt.zip", tiktok_current()), write_zip(tmp_path / "rd.zip", reddit_export())]
    out = tmp_path / "report"
    r = cli("scan", *map(str, paths), "--out", str(out))
    assert r.exit_code in (0, 1), r.output
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert {a["platform"] for a in doc["archives"]} == {"linkedin", "mastodon", "tiktok", "reddit"}
    assert {p["platform"] for p in doc["posts"]} == {"linkedin", "mastodon", "tiktok", "reddit"}
    assert doc["problems"] == []
