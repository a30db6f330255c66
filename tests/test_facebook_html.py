"""Facebook importer, HTML export (Facebook's default format): the same synthetic content as the
JSON fixtures, in English and with French titles, labels and dates, each as a zip and a folder."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from auditor.importers import facebook
from test_facebook_fixtures import (FRIEND, OWNER, PH_KRAKOW, PH_SHIFT, card, html_members, json_members, page)
from test_facebook_json import EXPECTED_2024, MESSAGE, SHIFT, read_all, summary


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_html_export_gives_the_same_posts_and_refs_as_json(make_archive, locale):
    json_posts, _, _, _ = read_all([make_archive(json_members("2024"))])
    posts, problems, dets, _ = read_all([make_archive(html_members("2024", locale))])
    assert [d.layout for d in dets] == ["your_facebook_activity (2024+)"]
    assert {summary(p) for p in posts} == EXPECTED_2024
    assert len(posts) == len(EXPECTED_2024)
    assert {summary(p): p.ref for p in posts} == {summary(p): p.ref for p in json_posts}
    assert [p.message for p in problems] == [
        "1 reaction(s) name only who you reacted to, not what they said: nothing in them to check"]
    assert all(facebook.HTML_TIME_NOTE in p.notes for p in posts if p.kind != "bio")


def test_html_2022_tree_and_times(make_archive):
    posts, _, dets, _ = read_all([make_archive(html_members("2022", "en"))])
    assert [d.layout for d in dets] == ["your_activity_across_facebook (2022-23)"]
    by_text = {p.text: p for p in posts}
    # English HTML has seconds; read as UTC
    assert by_text[SHIFT].created_at == datetime(2019, 3, 2, 9, 15, 27, tzinfo=timezone.utc)
    # French HTML has minutes only
    fr, _, _, _ = read_all([make_archive(html_members("2022", "fr"))])
    assert {p.text: p for p in fr}[SHIFT].created_at == datetime(2019, 3, 2, 9, 15, tzinfo=timezone.utc)


def test_html_locations_ip_albums_and_links(make_archive):
    posts, _, _, ctx = read_all([make_archive(html_members("2024", "fr"))])
    by_text = {p.text: p for p in posts}
    shift = by_text[SHIFT]
    assert shift.media[0].path == "your_facebook_activity/posts/media/" + PH_SHIFT and not shift.media[0].missing
    assert (shift.media[0].place.lat, shift.media[0].place.lon, shift.media[0].place.source) == \
        (53.8008, -1.5491, "exif-data")
    assert shift.extra["upload_ip"] == "203.0.113.7"
    assert shift.extra["album"] == "Mobile Uploads"
    assert shift.url == "https://www.facebook.com/photo.php?fbid=10150000000000001"
    krakow = by_text["Rynek Główny at dusk"]
    assert krakow.extra["album"] == "Trip to Kraków" and krakow.media[0].place.lat == 50.0617
    assert krakow.media[0].path.endswith(PH_KRAKOW)          # resolved through <base href="../../../">
    night = by_text["Night out 🍻"]
    assert (night.place.name, night.place.lat, night.place.lon) == ("The Grove Inn", 53.8, -1.55)
    cafe = by_text["Coffee before clinic ☕"]
    assert cafe.place.name == "Café Müller" and cafe.kind == "check-in"
    assert by_text["Worth a read\nhttps://example.org/article"].url is None
    assert ctx.owner["full_name"] == OWNER and ctx.owner["city"] == "Leeds, United Kingdom"
    assert ctx.owner["employer"] == "Northbridge General Hospital"


def test_html_messages_only_with_flag(make_archive):
    path = make_archive(html_members("2024", "en"))
    posts, _, _, _ = read_all([path])
    assert not [p for p in posts if p.kind == "message"]
    posts, _, _, _ = read_all([path], include_messages=True)
    msgs = [p for p in posts if p.kind == "message"]
    assert [summary(p) for p in msgs] == [MESSAGE] and msgs[0].extra["thread"] == FRIEND


def test_html_only_messages_says_so(make_archive):
    members = {k: v for k, v in html_members("2024").items() if "/messages/" in k}
    posts, problems, _, _ = read_all([make_archive(members)])
    assert posts == [] and "holds only Messenger messages" in problems[0].message


def test_json_preferred_when_both_formats_present(make_archive):
    m = html_members("2024")
    m.update(json_members("2024"))
    posts, _, _, _ = read_all([make_archive(m)])
    assert {summary(p) for p in posts} == EXPECTED_2024
    assert all(p.source.member.endswith(".json") for p in posts)


def test_broken_html_becomes_problems(make_archive):
    m = html_members("2024")
    act = "your_facebook_activity/"
    m[act + "posts/your_posts__check_ins__photos_and_videos_1.html"] = (
        "<html><body><main>" + "<p>Something unexpected that is not Facebook markup at all. </p>" * 10
        + "</main></body></html>")
    m[act + "comments_and_reactions/comments.html"] = page("Comments", [
        card("x", '<div class="_2pin"><div>A comment with a broken date</div></div>', 0, "en").replace(
            "Jan 01, 1970 12:00:00 am", "someday"),
        card("y", '<div class="_2pin"><div>A fine comment</div></div>', 1600000000, "en")], "../../")
    m[act + "posts/album/0.html"] = b"\x00\xff\xfe<<<>>>\x00" * 50
    m[act + "groups/your_comments_in_groups.html"] = "<div class='_a6-g'><div class='_a6-p'><div><table><tr><td>"
    posts, problems, _, _ = read_all([make_archive(m)])
    msgs = {p.member.split("#")[0]: p.message for p in problems}
    assert "no records found in this HTML page" in msgs[act + "posts/your_posts__check_ins__photos_and_videos_1.html"]
    assert "no readable date" in msgs[act + "comments_and_reactions/comments.html"]
    texts = {p.text for p in posts}
    assert {"A comment with a broken date", "A fine comment", "Graduation day 🎓 Diolch i bawb!"} <= texts
    # the post that carried it is lost, so its photo now comes from the album page instead
    assert [p.kind for p in posts if p.text == SHIFT] == ["photo"]


def test_cards_without_a_body_or_date(make_archive):
    odd = ('<html><body><div class="_a6-g"><div class="_a6-h">Only a title</div></div>'
           '<div class="_a6-g"><div class="_a6-p"><table><tr><td class="_a6_q">Nom</td><td>Le Lieu</td></tr>'
           '</table></div></div></body></html>')
    m = {f"your_facebook_activity/posts/{n}.html": odd for n in ("check-ins", "places_you_have_been_tagged_in")}
    posts, problems, _, _ = read_all([make_archive(m)])
    assert not [p for p in problems if p.message.startswith(facebook.BUG)]
    assert sorted((p.kind, p.place.name, p.place.source) for p in posts) == [
        ("check-in", "Le Lieu", "checkin"), ("check-in", "Le Lieu", "tagged-place"), ("check-in", "Only a title",
                                                                                       "tagged-place")]
    assert any("no readable date" in p.message for p in problems)


def test_mangled_html_never_reaches_the_catch_all(tmp_path):
    """Seeded mutations of the fixture pages (truncation, cut spans, stray tags): Posts and
    Problems only, never the catch-all for unexpected errors."""
    import random
    from conftest import write_folder
    rnd = random.Random(20261121)
    base = html_members("2024", "fr")
    stray = ["<table>", "</div>", "<img src=''>", "<a href='http://x'>", "<div class='_a6-g'>", "&#0;", "<br>",
             "<td class='_a6_q'>Coordonnées</td><td>(1,2)</td>"]
    for n in range(25):
        m = dict(base)
        for k in [k for k in m if k.endswith(".html")]:
            s, op = m[k], rnd.random()
            i = rnd.randrange(len(s))
            m[k] = (s[:i] if op < 0.3 else s[:i] + s[i + rnd.randrange(60):] if op < 0.6
                    else s[:i] + rnd.choice(stray) + s[i:])
        posts, problems, _, _ = read_all([write_folder(tmp_path / str(n), m)], include_messages=True)
        assert not [p for p in problems if p.message.startswith(facebook.BUG)]


def test_reading_needs_no_network(make_archive, no_network):
    posts, _, _, _ = read_all([make_archive(html_members("2024")), make_archive(json_members("2021"))],
                              include_messages=True)
    assert len(posts) > 20 and no_network == []
