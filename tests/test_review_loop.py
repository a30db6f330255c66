"""The review loop without a terminal: keys in, decisions saved after every answer."""
from __future__ import annotations

import json

import pytest

from auditor import baseline as bl
from auditor import review as rv

DOC = {
    "schema": "footprint-auditor/findings/v1", "generated_at": "2026-11-21T09:00:00Z",
    "posts": [
        {"ref": "twitter:1", "platform": "twitter", "kind": "post", "created_at": "2021-05-01T08:00:00Z",
         "text": "Long day.\nPatient in bay 4 was a handful \x1b[2J\x1b]0;owned\x07", "url": "https://x.com/i/web/status/1"},
        {"ref": "facebook:hab", "platform": "facebook", "kind": "photo", "created_at": None,
         "text": "", "url": None, "how_to_find": "Your activity > Photos, 2019"},
        {"ref": "twitter:3", "platform": "twitter", "kind": "reply", "created_at": "2022-01-01T00:00:00Z",
         "text": "x" * 5000, "url": "https://x.com/i/web/status/3"},
    ],
    "findings": [
        {"id": "00000000000000a1", "rule": "CONF001", "name": "patient-detail", "severity": "high",
         "post_ref": "twitter:1", "media_path": None, "evidence": "bay 4",
         "explanation": "Mentions a patient and a bed location.", "action": "delete", "status": "new",
         "standards": [{"regulator": "HCPC", "edition": "2016", "clause": "7.1", "title": "Respect confidentiality"},
                       {"regulator": "HCPC", "edition": "2024", "clause": "6.1", "title": "Keep information private"}]},
        {"id": "00000000000000b2", "rule": "GEO001", "name": "platform-location", "severity": "medium",
         "post_ref": "facebook:hab", "media_path": "your_facebook_activity/posts/media/a.jpg",
         "evidence": "53.8, -1.5", "explanation": "The platform kept where the photo was taken.",
         "action": "edit", "status": "new", "standards": []},
        {"id": "00000000000000c3", "rule": "GEO001", "name": "platform-location", "severity": "medium",
         "post_ref": "twitter:3", "media_path": None, "evidence": "53.9, -1.4",
         "explanation": "Coordinates stored.", "action": "edit", "status": "new", "standards": []},
    ],
}


class Script:
    """Keys and note lines fed to run(); records what was written and how often it saved."""

    def __init__(self, keys, lines=()):
        self.keys, self.lines, self.out, self.saves = list(keys), list(lines), [], 0

    def key(self):
        if not self.keys:
            raise EOFError
        k = self.keys.pop(0)
        if isinstance(k, BaseException):
            raise k
        return k

    def line(self, prompt):
        self.out.append(prompt)
        return self.lines.pop(0)

    def save(self):
        self.saves += 1

    @property
    def text(self):
        return "".join(self.out)


def session(keys, lines=(), statuses=("new",), base=None):
    base = base or bl.Baseline()
    items = rv.items_to_review(DOC, base, statuses)
    s = Script(keys, lines)
    review = rv.Review(items, base, s.save)
    counts = rv.run(review, s.key, s.out.append, s.line)
    return base, s, counts


def test_each_answer_is_saved_and_recorded():
    base, s, counts = session(["d", "k", "s"])
    assert s.saves == 3
    got = {i: base.entries[i].decision for i in ("00000000000000a1", "00000000000000b2", "00000000000000c3")}
    assert got == {"00000000000000a1": "to-delete", "00000000000000b2": "accepted", "00000000000000c3": "skipped"}
    assert counts == {"to-delete": 1, "accepted": 1, "skipped": 1}
    assert "Reviewed 3 of 3" in s.text


def test_back_then_answer_again_replaces_the_decision():
    base, s, _ = session(["k", "b", "f", "q"])
    assert base.entries["00000000000000a1"].decision == "false-positive"
    assert base.entries["00000000000000b2"].decision is None
    assert s.text.count("(currently: accepted)") == 1
    assert "quit: your answers so far are saved" in s.text


def test_back_at_the_start_and_unknown_keys_change_nothing():
    base, s, _ = session(["b", "z", "", "q"])
    assert "already at the first finding" in s.text and s.text.count("unknown key") == 2
    assert s.saves == 0 and all(e.decision is None for e in base.entries.values())


def test_note_is_saved_cleaned_and_an_empty_note_is_not():
    base, s, _ = session(["n", "n", "d", "q"], lines=["spoke to my manager \x1b[31m", "   "])
    e = base.entries["00000000000000a1"]
    assert e.note == "spoke to my manager [31m" and e.decision == "to-delete"
    assert "no note saved" in s.text and s.saves == 2


def test_ctrl_c_and_end_of_input_quit_cleanly():
    base, s, _ = session(["d", KeyboardInterrupt()])
    assert base.entries["00000000000000a1"].decision == "to-delete" and "quit" in s.text
    base, s, _ = session([])
    assert "Reviewed 0 of 3" in s.text


def test_screen_shows_post_reason_clause_and_where_to_find_it_safely():
    _, s, _ = session(["s", "s", "q"])
    first, second, third = s.text.split("--- ")[1:4]
    assert "2021-05-01T08:00:00Z \u00b7 twitter \u00b7 post" in first
    assert "  Patient in bay 4 was a handful" in first
    assert "\x1b" not in s.text and "\\x1b[2J" in first and "\\x07" in first
    assert "high CONF001 patient-detail: Mentions a patient and a bed location." in first
    assert "HCPC 2016 7.1: Respect confidentiality" in first and "HCPC 2024 6.1" in first
    assert "What to do: delete" in first and "Find it: https://x.com/i/web/status/1" in first
    assert "Steps: On X, open the post and select" in first
    assert "[image: your_facebook_activity/posts/media/a.jpg]" in second and "(no text)" in second
    assert "Find it: Your activity > Photos, 2019" in second
    assert "\u2026" in third and len(third) < 2000
    assert rv.HELP in first


def test_only_findings_that_need_a_decision_are_walked():
    base = bl.Baseline()
    bl.seed_from_doc(base, DOC)
    base.mark("00000000000000a1", "accepted")
    base.mark("00000000000000b2", "skipped")
    assert [i.id for i in rv.items_to_review(DOC, base)] == ["00000000000000c3"]
    assert [i.id for i in rv.items_to_review(DOC, base, ("new", "skipped"))] == ["00000000000000b2",
                                                                                 "00000000000000c3"]
    base.mark("00000000000000c3", "to-delete")
    _, s, counts = session(["d"], base=base)
    assert counts == {} and "Nothing to review" in s.text


def test_seeding_from_findings_json_stores_no_content(tmp_path):
    base, _, _ = session(["d", "k", "f"])
    path = tmp_path / "b.json"
    base.save(path)
    raw = path.read_text()
    for needle in ("bay 4", "Patient", "53.8", "a.jpg", "handful", "Mentions a patient"):
        assert needle not in raw
    assert {e["post_ref"] for e in json.loads(raw)["entries"]} == {"twitter:1", "facebook:hab", "twitter:3"}
    assert {e["media"] for e in json.loads(raw)["entries"]} == {True, False}


@pytest.mark.parametrize("content, words", [("{}", "schema footprint-auditor/findings/v1"),
                                            ("nope", "not a findings.json"),
                                            ('{"schema": "footprint-auditor/findings/v1"}', "without a findings list")])
def test_load_findings_refuses_other_files(tmp_path, content, words):
    p = tmp_path / "findings.json"
    p.write_text(content)
    with pytest.raises(bl.BaselineError, match=words):
        rv.load_findings(tmp_path)


def test_findings_on_posts_already_deleted_are_not_asked_about():
    doc = json.loads(json.dumps(DOC))
    doc["findings"][0]["status"] = "deleted"
    base = bl.Baseline()
    assert [i.id for i in rv.items_to_review(doc, base)] == ["00000000000000b2", "00000000000000c3"]


def test_review_and_mark_have_help():
    from click.testing import CliRunner
    from auditor.cli import main
    for cmd in ("review", "mark"):
        r = CliRunner().invoke(main, [cmd, "--help"])
        assert r.exit_code == 0 and "--baseline" in r.output
    r = CliRunner().invoke(main, ["scan", "--help"])
    assert "--baseline" in r.output


def test_what_is_new_since_last_time_comes_first_and_notes_show():
    doc = json.loads(json.dumps(DOC))
    doc["findings"][2]["new_since_last"] = True
    base = bl.Baseline()
    items = rv.items_to_review(doc, base)
    assert [i.id for i in items] == ["00000000000000c3", "00000000000000a1", "00000000000000b2"]
    base.entries["00000000000000a1"].note = "ask my mentor"
    s = Script(["s", "s", "q"])
    rv.run(rv.Review(items, base, s.save), s.key, s.out.append, s.line)
    first, second = s.text.split("--- ")[1:3]
    assert "New since your last check" in first and "New since" not in second
    assert "Your note: ask my mentor" in second
