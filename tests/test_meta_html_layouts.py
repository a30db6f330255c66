"""Facebook HTML exports built at test time in the shapes that lost posts and comments before
(issue 14): a 2022-23 French export ("Mis à jour :" stamps, text before a stamp, comments and group
comments written every way the 2022+ markup writes them), the same in German, and a 2019 English
groups file. Every block must become a post, comment, share or check-in, or be named in a Problem;
no post may be an edit stamp; the place must be found. Block markup from tests/html_layouts.py
(the structure of the real skeletons); all words, names and places invented."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from auditor.archive import Archive
from auditor.importers import _dates, facebook
from auditor.model import Post, Problem
from auditor.pipeline import locator
from auditor.plugins import Coverage, ImportContext
from html_layouts import (block_2019, block_2022, body, gone, group_words, kv_table, link, memory, page_2019,
                          page_2022, photo_2019, photo_2022, place, words)

T0 = datetime(2022, 3, 1, 8, 0, tzinfo=timezone.utc)

FR_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
DE_MONTHS = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."]


def fr_date(t: datetime, style: str) -> str:
    if style == "day-first":
        return f"{t.day} {FR_MONTHS[t.month - 1]} {t.year} {t:%H:%M:%S}"
    ampm = "pm" if t.hour >= 12 else "am"
    return f"{FR_MONTHS[t.month - 1]} {t.day:02d}, {t.year} {t.hour % 12 or 12}:{t:%M:%S}{ampm}"


def de_date(t: datetime, style: str = "") -> str:
    return f"{t.day:02d}. {DE_MONTHS[t.month - 1]} {t.year}, {t:%H:%M:%S}"


def en_2019_date(t: datetime, style: str = "") -> str:
    return f"{t:%b} {t.day}, {t.year}, {t.hour % 12 or 12}:{t:%M} {'PM' if t.hour >= 12 else 'AM'}"


# Each shape: (name, function(words of the language, date text of the block, stamp text) -> block
# markup, what it must become: a kind, "empty" (named in a Problem), and whether it carries a stamp)
LANG = {
    "fr": dict(date=fr_date, stamp="Mis à jour : {}", shared="Robin Example a partagé une publication.",
               memory="Robin Example a partagé un souvenir.",
               playlist="Robin Example a partagé une vidéo de la playlist Soirée jeux.",
               commented="Robin Example a commenté la publication de Sam Exemple.",
               replied="Robin Example a répondu à son propre commentaire.",
               place=("Lieu :", "Café des Amis", "Adresse :", "1 rue de l'Exemple, Lyon"), group="Groupe :",
               comment_label="Commentaire", author_label="Auteur", album="Téléchargements mobiles",
               text=["Première garde de nuit terminée, enfin au lit", "Le marché du samedi était plein de monde",
                     "Nouveau vélo, premières sorties le long du canal", "Journée portes ouvertes au club de lecture"],
               ctext=["Bravo à toute l'équipe", "Merci pour la recette !", "On se voit samedi ?",
                      "Quelle belle photo"]),
    "de": dict(date=de_date, stamp="Aktualisiert am {}", shared="Robin Example hat einen Beitrag geteilt.",
               memory="Robin Example hat eine Erinnerung geteilt.",
               playlist="Robin Example hat ein Video aus der Playlist Spieleabend geteilt.",
               commented="Robin Example hat den Beitrag von Sam Beispiel kommentiert.",
               replied="Robin Example hat auf den eigenen Kommentar geantwortet.",
               place=("Ort:", "Café Sonnenschein", "Adresse:", "Beispielstraße 1, Leipzig"), group="Gruppe:",
               comment_label="Kommentar", author_label="Autor", album="Handy-Uploads",
               text=["Erste Nachtschicht geschafft, jetzt schlafen", "Der Wochenmarkt war heute voller Leute",
                     "Neues Fahrrad, erste Runde am Kanal entlang", "Tag der offenen Tür im Leseclub"],
               ctext=["Glückwunsch an das ganze Team", "Danke für das Rezept!", "Sehen wir uns am Samstag?",
                      "Was für ein schönes Foto"]),
}
LAT, LON = 45.764043, 4.835659


def post_shapes(L: dict) -> list[tuple[str, object, str, bool]]:
    t, st = L["text"], L["stamp"]
    lab, name, alab, addr = L["place"]
    return [
        ("words", lambda s: (None, body(words(t[0]))), "post", False),
        ("words two levels down", lambda s: (None, body(f"<div><div>{t[3]} !</div></div><div></div>")), "post", False),
        ("words and stamp", lambda s: (None, body(words(t[1], stamp=st.format(s)))), "post", True),
        ("stamp only", lambda s: (None, body(gone(), words(stamp=st.format(s)))), "empty", False),
        ("stamp only, no attachment", lambda s: (None, body(words(stamp=st.format(s)))), "empty", False),
        ("shared, stamp only", lambda s: (L["shared"], body(gone(), words(stamp=st.format(s)))), "repost", True),
        ("words then stamp in one div", lambda s: (None, body(words(t[2], stamp=st.format(s), stamp_inline=True))),
         "post", True),
        ("gone attachment, words, stamp",
         lambda s: (None, body(gone(), words(t[3], stamp=st.format(s)))), "post", True),
        ("photo and words", lambda s: (None, body(photo_2022("your_activity_across_facebook/posts/media/Up_1/p1.jpg",
                                                             L["album"], "Vue du pont"), words(t[0]))), "post", False),
        ("photo only", lambda s: (None, body(photo_2022("your_activity_across_facebook/posts/media/Up_1/p2.jpg",
                                                        L["album"]), words())), "post", False),
        ("link, words, stamp", lambda s: (None, body(link("https://example.org/a", "Un article"),
                                                     words(t[1], stamp=st.format(s)))), "post", True),
        ("link only", lambda s: (None, body(link("https://example.org/b"), words(stamp=st.format(s)))), "post", True),
        ("place", lambda s: (None, body(place(lab, name, LAT, LON, alab, addr), words(stamp=st.format(s)))),
         "check-in", True),
        ("memory", lambda s: (L["memory"], body(memory(t[2], t[3], date=L["date"](T0, "day-first")),
                                                words(stamp=st.format(s)))), "repost", True),
        ("playlist title only", lambda s: (L["playlist"], body(gone(), words(stamp=st.format(s)))), "repost", True),
        ("date only", lambda s: (None, body(gone(), words())), "empty", False),
    ]


def comment_shapes(L: dict, group: str | None = None) -> list[tuple[str, object, str]]:
    c = L["ctext"]
    g = group or "Club de lecture"
    return [
        ("words", lambda: (L["commented"], body(words(c[0]))), "comment"),
        ("gone attachment then words", lambda: (L["commented"], body(gone(), words(c[1]))), "comment"),
        ("sticker then words", lambda: (L["replied"], body(photo_2022(
            "your_activity_across_facebook/comments_and_reactions/stickers/s1.png", ""), words(c[2]))), "comment"),
        ("gif link then words", lambda: (L["replied"], body(link("https://media.example.net/g/1.gif"), words(c[3]))),
         "comment"),
        ("table", lambda: (L["commented"], "<div>" + kv_table([(L["comment_label"], c[0] + " !"),
                                                              (L["author_label"], "Robin Example")]) + "</div>"),
         "comment"),
        ("table with group", lambda: (L["commented"], "<div>" + kv_table([
            (L["comment_label"], c[1] + " ?"), (L["author_label"], "Robin Example"), (L["group"].rstrip(" :"), g)])
            + "</div>"), "comment"),
        ("group label", lambda: (L["commented"], body(group_words(L["group"], g, c[2] + " :)"))), "comment"),
        ("header only", lambda: (L["replied"], None), "empty"),
    ]


def build_2022(lang: str, style: str, repeat: int = 3) -> tuple[dict[str, str], dict]:
    """A 2022-23 download (your_activity_across_facebook/) with posts, comments and group comments:
    every shape `repeat` times, each block at its own minute. Returns the members and what each file
    must give."""
    L = LANG[lang]
    date = L["date"]
    t = T0
    posts, expect_posts = [], Counter()
    stamped = 0
    for _ in range(repeat):
        for _name, make, kind, has_stamp in post_shapes(L):
            t += timedelta(minutes=7)
            header, b = make(date(t + timedelta(minutes=3), style))
            posts.append(block_2022(header, b, date(t, style)))
            expect_posts[kind] += 1
            stamped += has_stamp
    comments, expect_comments = [], Counter()
    for _ in range(repeat):
        for _name, make, kind in comment_shapes(L):
            t += timedelta(minutes=5)
            header, b = make()
            comments.append(block_2022(header, b, date(t, style)))
            expect_comments[kind] += 1
    groups, expect_groups = [], Counter()
    for _ in range(repeat):
        for _name, make, kind in comment_shapes(L, group="Coureurs du dimanche"):
            t += timedelta(minutes=5)
            header, b = make()
            groups.append(block_2022(header, b, date(t, style)))
            expect_groups[kind] += 1
    act = "your_activity_across_facebook/"
    members = {act + "posts/your_posts_1.html": page_2022("Vos publications", posts),
               act + "comments_and_reactions/comments.html": page_2022("Commentaires", comments),
               act + "groups/your_comments_in_groups.html": page_2022("Groupes", groups)}
    return members, {"posts": expect_posts, "comments": expect_comments, "groups": expect_groups,
                     "stamped": stamped}


def read_all(path):
    with Archive.open(path) as a:
        ctx = ImportContext(locate=locator([a]))
        items = [it for det in facebook.detect(a) for it in facebook.read(a, det, ctx)]
    return ([i for i in items if isinstance(i, Post)], [i for i in items if isinstance(i, Problem)],
            {c.member: c for c in items if isinstance(c, Coverage)})


def no_stamp_text(posts: list[Post]) -> None:
    for p in posts:
        for line in p.text.split("\n"):
            assert _dates.stamp(line) is None, (p.kind, p.text)


@pytest.mark.parametrize("lang,style", [("fr", "day-first"), ("fr", "month-first"), ("de", "")])
def test_2022_french_and_german_every_block_accounted(make_archive, lang, style):
    members, want = build_2022(lang, style)
    posts, problems, cov = read_all(make_archive(members))
    act = "your_activity_across_facebook/"
    by_member = Counter((p.source.member, p.kind) for p in posts)
    # posts: every shape as intended; the empty ones named in one Problem
    f = act + "posts/your_posts_1.html"
    got = Counter({k: n for (m, k), n in by_member.items() if m == f})
    assert got == Counter({k: n for k, n in want["posts"].items() if k != "empty"})
    assert cov[f].expected == sum(want["posts"].values())
    assert cov[f].read + sum(cov[f].skipped.values()) == cov[f].expected
    assert cov[f].skipped == {"empty": want["posts"]["empty"]}
    empty = [p for p in problems if p.member.startswith(f + "#")]
    assert len(empty) == 1 and empty[0].message.startswith(f"{want['posts']['empty']} entries (numbers ")
    # comments and group comments: every one read but the header-only ones
    for key, f in (("comments", act + "comments_and_reactions/comments.html"),
                   ("groups", act + "groups/your_comments_in_groups.html")):
        n = sum(v for (m, k), v in by_member.items() if m == f)
        assert n == want[key]["comment"], key
        assert cov[f].read == want[key]["comment"] and cov[f].skipped == {"no comment text": want[key]["empty"]}
    no_stamp_text(posts)
    assert sum(1 for p in posts if p.extra.get("stamps")) == want["stamped"]
    places = {(p.place.name, p.place.lat, p.place.lon) for p in posts if p.place}
    assert places == {(LANG[lang]["place"][1], LAT, LON)}
    checkin = next(p for p in posts if p.place)
    assert checkin.kind == "check-in" and checkin.extra["address"] == LANG[lang]["place"][3]


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_2022_text_before_a_stamp_is_kept_and_the_stamp_is_metadata(make_archive, lang):
    members, _ = build_2022(lang, "day-first", repeat=1)
    posts, _, _ = read_all(make_archive(members))
    L = LANG[lang]
    by_text = {p.text: p for p in posts}
    for text in (L["text"][1], L["text"][2], L["text"][3]):
        hits = [p for p in posts if p.text.split("\n")[0] == text and p.extra.get("stamps")]
        assert hits, text
    inline = by_text[L["text"][2]]
    assert inline.kind == "post" and inline.extra["update_timestamp"] > inline.created_at.isoformat()
    label = inline.extra["stamps"][0].rsplit(" ", 1)[0]
    assert label.casefold() == ("mis jour" if lang == "fr" else "aktualisiert")


def test_2022_comment_shapes_the_old_reader_lost(make_archive):
    """Comments after an empty attachment, after a sticker or a GIF link, written as a table, or
    after a "Groupe :" label: each is a comment with its own words (and its group)."""
    members, _ = build_2022("fr", "day-first", repeat=1)
    posts, _, _ = read_all(make_archive(members))
    c = LANG["fr"]["ctext"]
    comments = [p for p in posts if p.kind == "comment" and p.source.member.endswith("comments.html")]
    texts = [p.text.split("\n")[0] for p in comments]
    assert texts == [c[0], c[1], c[2], c[3], c[0] + " !", c[1] + " ?", c[2] + " :)"]
    assert [bool(p.media) for p in comments] == [False, False, True, False, False, False, False]
    assert "https://media.example.net/g/1.gif" in comments[3].text
    assert comments[5].extra.get("group") is None or comments[5].extra["group"] == "Club de lecture"
    assert comments[6].extra["group"] == "Club de lecture"
    assert all("Robin Example" not in p.text for p in comments)          # the author row is not the comment
    groups = [p for p in posts if p.source.member.endswith("your_comments_in_groups.html")]
    assert all(p.kind == "comment" and "Groupes" in p.how_to_find or "Group" in p.how_to_find for p in groups)


def test_2022_title_only_entries_are_shares(make_archive):
    members, _ = build_2022("fr", "day-first", repeat=1)
    posts, _, _ = read_all(make_archive(members))
    shares = [p for p in posts if p.kind == "repost"]
    assert {p.text.split("\n")[0] for p in shares} >= {LANG["fr"]["shared"], LANG["fr"]["playlist"]}
    assert all(p.endorsement and p.text for p in shares)
    memory_post = next(p for p in shares if p.extra.get("title") == LANG["fr"]["memory"])
    # the memory's date is not text
    assert LANG["fr"]["text"][2] in memory_post.text and "2022" not in memory_post.text


# -- 2019 English groups file ------------------------------------------------------------------------
def build_2019_groups(n: int = 40) -> tuple[dict[str, str], Counter]:
    t = datetime(2021, 4, 6, 11, 18, tzinfo=timezone.utc)
    blocks, want = [], Counter()
    shapes = [
        ("Robin Example commented on Sam Taylor's post.", lambda i: body(group_words("Group:", "Allotment Friends",
                                                                                      f"Lovely tomatoes {i}")),
         "comment", True),
        ("Robin Example commented on Sam Taylor's post.", lambda i: body(group_words("Group:", "Allotment Friends",
                                                                                      f"See you at the plot {i}")),
         "comment", False),
        ("Robin Example replied to her own comment.", lambda i: body(
            link("https://media1.example.net/media/abc/giphy.gif"), group_words("Group:", "Allotment Friends",
                                                                                 f"Ha {i}")), "comment", True),
        ("Robin Example commented on Kim Lee's post.", lambda i: body(
            photo_2019(f"photos_and_videos/your_posts/c{i}.jpg"), group_words("Group:", "Street Runners", "")),
         "comment", True),
        ("Robin Example posted in Street Runners.", lambda i: body(
            photo_2019(f"photos_and_videos/your_posts/p{i}.jpg", "Finish line"),
            f"<div>Parkrun number {i} done</div><div>Updated {en_2019_date(t)}</div>"
            f"<div>Published on {en_2019_date(t)}</div>"), "post", True),
        ("Robin Example commented on Kim Lee's post.", lambda i: None, "empty", True),
    ]
    for i in range(n):
        header, make, kind, date_link = shapes[i % len(shapes)]
        t -= timedelta(minutes=13)
        blocks.append(block_2019(header, make(i), en_2019_date(t), date_link))
        want[kind] += 1
    page = page_2019("Your Posts and Comments in Groups", blocks)
    return {"groups/your_posts_and_comments_in_groups.html": page}, want


def test_2019_english_groups_file(make_archive):
    members, want = build_2019_groups()
    posts, problems, cov = read_all(make_archive(members))
    f = "groups/your_posts_and_comments_in_groups.html"
    assert Counter(p.kind for p in posts) == Counter({k: v for k, v in want.items() if k != "empty"})
    assert cov[f].expected == sum(want.values()) and cov[f].read == len(posts)
    assert cov[f].skipped == {"empty": want["empty"]}
    assert any(p.member.startswith(f + "#") and "name only what you commented on" in p.message for p in problems)
    comments = [p for p in posts if p.kind == "comment"]
    assert {p.extra["group"] for p in comments} == {"Allotment Friends", "Street Runners"}
    assert all(not p.text.startswith(("Group", "Allotment", "Street")) for p in comments)
    group_posts = [p for p in posts if p.kind == "post"]
    assert all(p.text.startswith("Parkrun number") and "Finish line" in p.text and len(p.extra["stamps"]) == 2
               for p in group_posts)
    no_stamp_text(posts)
    # the photo-only comment keeps its photo
    assert sum(1 for p in comments if p.media and not p.text) == sum(1 for i in range(40) if i % 6 == 3)
