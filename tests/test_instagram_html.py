"""Instagram HTML exports (Meta's 2023+ markup), English and Dutch labels, as a zip and a folder.
The HTML below is written for these tests from the structure described in
shared/reference/archive-formats.md section 12; the people are invented."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from auditor.model import Place
from auditor.importers import instagram

import test_instagram_json as j

LABELS = {
    "en": dict(lat="Latitude", lon="Longitude", comment="Comment", owner="Media Owner", time="Time",
               user="Username", name="Name", bio="Bio"),
    "nl": dict(lat="Breedtegraad", lon="Lengtegraad", comment="Opmerking", owner="Media-eigenaar", time="Tijd",
               user="Gebruikersnaam", name="Naam", bio="Biografie"),
}
MONTHS = {"en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
          "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec".split()}


def shown(lang: str, utc_text: str) -> str:
    """How the HTML export shows a UTC time: minutes only, at UTC-8, en 12-hour or nl 24-hour."""
    dt = datetime.fromisoformat(utc_text).replace(tzinfo=timezone.utc).astimezone(instagram.HTML_CLOCK)
    mon = MONTHS[lang][dt.month - 1]
    if lang == "en":
        return f"{mon} {dt.day:02d}, {dt.year} {dt.hour % 12 or 12}:{dt.minute:02d} {'pm' if dt.hour >= 12 else 'am'}"
    return f"{dt.day} {mon} {dt.year} {dt.hour:02d}:{dt.minute:02d}"


def page(title: str, blocks: list[str], base: str = "../../") -> str:
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><base href="' + base + '"><title>' + title +
            '</title><style>._a6-g{padding:8px}</style></head><body class="_5vb_ _2yq _a7o5"><div class="_li">'
            '<div class="_a705"><div class="_a706" role="main">' + "".join(blocks) +
            '</div></div></div></body></html>')


def block(caption: str | None, when: str, body: str) -> str:
    h2 = f'<h2 class="_3-95 _2pim _a6-h _a6-i">{caption}</h2>' if caption is not None else ""
    return (f'<div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder">{h2}<div class="_3-95 _a6-p">'
            f'<div>{body}</div></div><div class="_3-94 _a6-o">{when}</div></div>')


def img(src: str, lat=None, lon=None, L=None, video=False) -> str:
    tag = (f'<video src="{src}" controls class="_a6_o _3-96"></video>' if video else
           f'<a target="_blank" href="{src}"><img src="{src}" class="_a6_o _3-96"></a>')
    if lat is None:
        return f"<div>{tag}</div>"
    # two row shapes Meta uses: label and value in one cell, or in two cells
    return (f'<div>{tag}<table style="table-layout: fixed;">'
            f'<tr><td colspan="2" class="_2pin _a6_q">{L["lat"]}<div><div>{lat}</div></div></td></tr>'
            f'<tr><td class="_2pin _a6_q">{L["lon"]}</td><td class="_2pin _2piu _a6_r">{lon}</td></tr></table></div>')


def rows(pairs: list[tuple[str, str]]) -> str:
    cells = "".join(f'<tr><td colspan="2" class="_2pin _a6_q">{k}<div><div>{v}</div></div></td></tr>'
                    for k, v in pairs)
    return f'<table style="table-layout: fixed;">{cells}</table>'


def html_export(lang: str, folder: str = "your_instagram_activity/media/") -> dict[str, str | bytes]:
    """The same content as test_instagram_json.current_layout (posts_1, comments, Threads, profile)."""
    L = LABELS[lang]
    act = "your_instagram_activity/"
    posts = page("Posts", [
        block("Night shift done \u2615 caf\u00e9 after", shown(lang, "2024-05-13 02:21:16"),
              img(j.P1, 51.5226, -0.1559, L)),
        block("Weekend trip \U0001F600", shown(lang, "2024-07-07 20:35:31"),
              img(j.C1) + img(j.C2, "53.141186112", "11.038734576", L, video=True)),
    ])
    comments = page("Comments", [block(None, "", rows([
        (L["comment"], "So proud of you \u2764\ufe0f"), (L["owner"], "river.example"),
        (L["time"], shown(lang, "2024-04-20 00:23:00"))]))])
    threads = page("Threads", [
        block(None, shown(lang, "2025-08-06 08:00:59"), "<div>First thread</div>"),
    ])
    profile = page("Personal information", [block(None, "", rows([
        (L["user"], "sam.example"), (L["name"], "Sam S\u00f8rensen"), (L["bio"], "Student nurse, views my own")]))],
        base="../../")
    return {folder + "posts_1.html": posts, act + "comments/post_comments_1.html": comments,
            act + "threads/threads_and_replies.html": threads,
            "personal_information/personal_information/personal_information.html": profile,
            j.P1: j.JPEG, j.C1: j.JPEG, j.C2: j.MP4}


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_html_export_exact_posts(make_archive, lang):
    dets, posts, problems, ctx = j.run(make_archive(html_export(lang)))
    assert [d.layout for d in dets] == ["your_instagram_activity/media (2025+), HTML",
                                        "your_instagram_activity/threads (in the Instagram download), HTML"]
    assert problems == []
    assert ctx.owner == {"handles": ["sam.example"], "full_name": "Sam S\u00f8rensen"}
    exif = "exif-data"
    assert [(p.platform, p.kind, p.created_at, p.text, [(m.path, m.kind, m.place, m.missing) for m in p.media])
            for p in posts] == [
        ("instagram", "bio", None, "Student nurse, views my own", []),
        ("instagram", "post", j.when("2024-05-13 02:21:00"), "Night shift done \u2615 caf\u00e9 after",
         [(j.P1, "photo", Place(51.5226, -0.1559, None, exif), False)]),
        ("instagram", "post", j.when("2024-07-07 20:35:00"), "Weekend trip \U0001F600",
         [(j.C1, "photo", None, False), (j.C2, "video", Place(53.141186112, 11.038734576, None, exif), False)]),
        ("instagram", "comment", j.when("2024-04-20 00:23:00"), "So proud of you \u2764\ufe0f", []),
        ("threads", "post", j.when("2025-08-06 08:00:00"), "First thread", []),
    ]
    assert posts[-2].extra == {"media_owner": "river.example"}
    assert all("(approximate)" in p.how_to_find for p in posts if p.kind != "bio")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_html_refs_agree_with_json_export(make_archive, lang):
    json_posts = {p.text: p.ref for p in j.run(make_archive(j.current_layout("your_instagram_activity/media/")))[1]}
    html_posts = {p.text: p.ref for p in j.run(make_archive(html_export(lang)))[1]}
    assert len(html_posts) == 5
    assert {t: json_posts[t] for t in html_posts} == html_posts


def test_json_preferred_over_html_twin(make_archive):
    members = {**html_export("en"), **j.current_layout("your_instagram_activity/media/")}
    dets, posts, problems, _ = j.run(make_archive(members))
    assert [d.layout for d in dets] == ["your_instagram_activity/media (2025+), JSON",
                                        "your_instagram_activity/threads (in the Instagram download), JSON"]
    assert all(p.source.member.endswith(".json") for p in posts)
    assert len(posts) == 12


def test_html_older_content_folder_and_media_relative_to_page(make_archive):
    # 2022-2025 folder; img src relative to the page (no <base>), file without extension
    page_html = page("Posts", [block("Old<br>two lines", "Mar 03, 2023 3:04 pm",
                                     '<img src="../../media/posts/202303/abc123def">')], base="")
    members = {"your_instagram_activity/content/posts_1.html": page_html, "media/posts/202303/abc123def": j.JPEG}
    dets, posts, problems, _ = j.run(make_archive(members))
    assert [d.layout for d in dets] == ["your_instagram_activity/content (2022-2025), HTML"]
    assert problems == []
    assert [(p.text, p.created_at, [(m.path, m.kind) for m in p.media]) for p in posts] == [
        ("Old\ntwo lines", j.when("2023-03-03 23:04:00"), [("media/posts/202303/abc123def", "photo")])]


def test_html_dates_read_at_the_instagram_clock():
    # English 12-hour and Dutch 24-hour forms; the export's times are read as UTC-8
    for text in ("Aug 09, 2026 9:49 am", "9 aug. 2026 09:49", "09 aug 2026 09:49"):
        assert instagram._html_time(text) == datetime(2026, 8, 9, 17, 49, tzinfo=timezone.utc)
    assert instagram._html_time("3 mrt 2023 15:04") == datetime(2023, 3, 3, 23, 4, tzinfo=timezone.utc)
    assert instagram._html_time("31 mei 2024 23:59") == datetime(2024, 6, 1, 7, 59, tzinfo=timezone.utc)
    for bad in ("", "Opmerking", "Feb 30, 2024 1:00 pm", "May 01, 2024 13:00 pm"):
        assert instagram._html_time(bad) is None
