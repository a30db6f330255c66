"""Synthetic Facebook "Download your information" fixtures, built from the spec in
shared/reference/archive-formats.md (sections 3, 11, 12): there is no licensed real Facebook archive.
The people, places and employers are invented.

One body of content (CONTENT) is written out in every JSON layout and as the HTML export, so the
tests can check that each layout gives the same posts and refs. JSON strings are written the way
Meta writes them: every UTF-8 byte escaped as \\u00XX (mojibake). HTML is proper UTF-8, with
localised (French) titles and labels when asked.

This module also tests the shared Meta helpers (mojibake, HTML dates, coordinates, the parser).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from auditor.importers import _html
from auditor.importers.meta import fix_mojibake, parse_coordinates, parse_meta_time

OWNER = "Siân Prys-Jones"
FRIEND = "Tomás Øvergård"


def ts(y, mo, d, h, mi, s=0) -> int:
    return int(datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc).timestamp())


def media_dir(layout: str) -> str:
    return {"2024": "your_facebook_activity/posts/media/",
            "2022": "your_activity_across_facebook/posts/media/",
            "2021": "posts/media/", "2019": "photos_and_videos/", "2018": "photos_and_videos/"}[layout]


# photo file names carry the photo's fbid in the second field, as Facebook's do
PH_SHIFT = "MobileUploads_Xy12/52010001_10150000000000001_7700000000000000001_n.jpg"
PH_GRAD1 = "Graduation_Ab34/52010002_10150000000000002_7700000000000000002_n.jpg"
PH_GRAD2 = "Graduation_Ab34/52010003_10150000000000003_7700000000000000003_n.jpg"
PH_ONLY = "MobileUploads_Xy12/52010004_10150000000000004_7700000000000000004_n.jpg"
PH_KRAKOW = "TripToKrakow_Cd56/52010005_10150000000000005_7700000000000000005_n.jpg"
PH_UNCAT = "Uncategorized_Ef78/52010006_10150000000000006_7700000000000000006_n.jpg"

CONTENT = {
    "posts": [
        {"timestamp": ts(2019, 3, 2, 9, 15, 27), "title": f"{OWNER} updated her status.",
         "text": "Long shift on Ward 7 tonight 😴 — Siân and Zoë were brilliant",
         "media": [{"file": PH_SHIFT, "description": "Long shift on Ward 7 tonight 😴 — Siân and Zoë were brilliant",
                    "album": "Mobile Uploads", "ip": "203.0.113.7", "lat": 53.8008, "lon": -1.5491,
                    "created": ts(2019, 3, 2, 9, 15, 20)}],
         "updated": ts(2019, 3, 2, 10, 0, 0)},
        {"timestamp": ts(2020, 7, 14, 6, 30, 5), "title": f"{OWNER} updated her status.",
         "text": "Καλημέρα! 早上好 🌞 Ωραία μέρα"},
        {"timestamp": ts(2021, 1, 9, 7, 45, 59), "title": f"{OWNER} was at Café Müller.",
         "text": "Coffee before clinic ☕",
         "place": {"name": "Café Müller", "lat": 51.5072, "lon": -0.1276, "address": "1 Example Street, London"}},
        {"timestamp": ts(2021, 5, 20, 18, 2, 0), "title": f"{OWNER} shared a link.",
         "text": "Worth a read", "link": "https://example.org/article"},
        # a multi-photo post is listed once per photo, with the same time and text
        {"timestamp": ts(2022, 6, 30, 15, 0, 45), "title": f"{OWNER} added 2 new photos.",
         "text": "Graduation day 🎓 Diolch i bawb!",
         "media": [{"file": PH_GRAD1, "description": "", "album": "Graduation",
                    "created": ts(2022, 6, 30, 15, 0, 40)}]},
        {"timestamp": ts(2022, 6, 30, 15, 0, 45), "title": f"{OWNER} added 2 new photos.",
         "text": "Graduation day 🎓 Diolch i bawb!",
         "media": [{"file": PH_GRAD2, "description": "", "album": "Graduation", "ip": "2001:db8::7",
                    "created": ts(2022, 6, 30, 15, 0, 41)}]},
        {"timestamp": ts(2023, 2, 11, 21, 10, 33), "title": f"{OWNER} added a new photo.", "text": "",
         "media": [{"file": PH_ONLY, "description": "", "album": "Mobile Uploads",
                    "created": ts(2023, 2, 11, 21, 10, 30)}]},
    ],
    "comments": [
        {"timestamp": ts(2020, 1, 24, 14, 38, 1), "title": f"{OWNER} commented on {FRIEND}'s post.",
         "text": "Que texto ótimo! 👏 مرحبا"},
    ],
    "group_posts": [
        {"timestamp": ts(2021, 11, 3, 22, 5, 10), "title": f"{OWNER} posted in Northbridge Nurses Network.",
         "text": "Anyone swapping Saturday nights? Ymlaen!", "group": "Northbridge Nurses Network"},
    ],
    "group_comments": [
        {"timestamp": ts(2021, 11, 4, 8, 0, 2), "title": f"{OWNER} commented on a post in Northbridge Nurses Network.",
         "text": "Diolch, Żaneta 💙", "group": "Northbridge Nurses Network"},
    ],
    "album": {"name": "Trip to Kraków", "description": "Summer with the Ωmega crew",
              "last_modified": ts(2021, 8, 20, 10, 0, 0),
              "photos": [{"file": PH_KRAKOW, "description": "Rynek Główny at dusk",
                          "created": ts(2021, 8, 19, 19, 41, 12),
                          "lat": 50.0617, "lon": 19.9373, "ip": "198.51.100.23"}]},
    # the album Facebook files phone uploads in: its photos are also attached to posts (not repeated)
    "uploads": {"name": "Mobile Uploads", "description": "", "last_modified": ts(2023, 2, 11, 21, 10, 33),
                "photos": [{"file": PH_SHIFT,
                            "description": "Long shift on Ward 7 tonight 😴 — Siân and Zoë were brilliant",
                            "created": ts(2019, 3, 2, 9, 15, 20)},
                           {"file": PH_ONLY, "description": "", "created": ts(2023, 2, 11, 21, 10, 30)}]},
    "uncategorized": [{"file": PH_UNCAT, "description": "", "created": ts(2018, 12, 24, 23, 59, 1)}],
    "checkins": [
        {"timestamp": ts(2024, 3, 8, 20, 12, 44), "fbid": "1234567890123", "message": "Night out 🍻",
         "name": "The Grove Inn", "address": "Leeds", "coords": "(53.8000 , -1.5500)"},
    ],
    "tagged_places": [{"timestamp": ts(2024, 4, 1, 12, 0, 0), "fbid": "99887766", "name": "St Brendan's Hospital"}],
    "reactions": [
        {"timestamp": ts(2022, 2, 2, 10, 10, 10), "title": f"{OWNER} liked {FRIEND}'s post.", "reaction": "LIKE"},
        {"timestamp": ts(2022, 2, 3, 11, 11, 11), "title": f"{OWNER} reacted to {FRIEND}'s link.",
         "reaction": "LOVE", "link": "https://example.net/miracle-cure"},
    ],
    "profile": {"full_name": OWNER, "city": "Leeds, United Kingdom", "username": "sian.prysjones",
                "bio": "Nurse 💉 | Views my own", "bio_time": ts(2020, 5, 5, 5, 5, 5),
                "work": [{"employer": "Northbridge General Hospital", "title": "Staff Nurse", "location": "Leeds",
                          "start": ts(2021, 9, 1, 0, 0, 0)},
                         {"employer": "Harrowfield Care Home", "title": "Healthcare assistant", "location": "",
                          "start": ts(2018, 1, 1, 0, 0, 0), "end": ts(2021, 8, 1, 0, 0, 0)}]},
    "messages": [  # newest first, as Facebook writes them
        {"sender": FRIEND, "timestamp_ms": ts(2022, 9, 1, 20, 1, 0) * 1000 + 250, "text": "See you tomorrow"},
        {"sender": OWNER, "timestamp_ms": ts(2022, 9, 1, 20, 0, 30) * 1000 + 125,
         "text": "Patient in bed 4 is a nightmare 🙄"},
    ],
}


# -- JSON ------------------------------------------------------------------------------------
def mojibake(value):
    """Write strings the way Meta's JSON does: each UTF-8 byte as a code point U+0000..U+00FF."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [mojibake(v) for v in value]
    if isinstance(value, dict):
        return {mojibake(k): mojibake(v) for k, v in value.items()}
    return value


def meta_json(obj) -> str:
    """JSON text with Meta's \\u00XX escapes (json.dumps' ensure_ascii writes them for U+0080..U+00FF)."""
    return json.dumps(mojibake(obj), indent=1)


def _media_obj(m: dict, mdir: str) -> dict:
    exif = {}
    if m.get("ip"):
        exif["upload_ip"] = m["ip"]
    if m.get("lat") is not None:
        exif.update(latitude=m["lat"], longitude=m["lon"])
    exif["taken_timestamp"] = -62169958800            # Meta's year-0 garbage, ignored
    return {"uri": mdir + m["file"], "creation_timestamp": m["created"], "title": m.get("album", ""),
            "description": m.get("description", ""),
            "media_metadata": {"photo_metadata": {"exif_data": [exif]}}}


def json_post(p: dict, mdir: str) -> dict:
    rec: dict = {"timestamp": p["timestamp"], "title": p["title"]}
    data = []
    if p.get("text"):
        data.append({"post": p["text"]})
    if p.get("updated"):
        data.append({"update_timestamp": p["updated"]})
    if data:
        rec["data"] = data
    att = [{"media": _media_obj(m, mdir)} for m in p.get("media", [])]
    if p.get("place"):
        pl = p["place"]
        att.append({"place": {"name": pl["name"], "coordinate": {"latitude": pl["lat"], "longitude": pl["lon"]},
                              "address": pl["address"], "url": "https://www.facebook.com/pages/x/1"}})
    if p.get("link"):
        att.append({"external_context": {"url": p["link"]}})
    if p.get("group"):
        att.append({"name": p["group"]})
    if att:
        rec["attachments"] = [{"data": att}]
    return rec


def json_comment(c: dict, v2: bool = True) -> dict:
    com = {"timestamp": c["timestamp"], "comment": c["text"], "author": OWNER}
    if c.get("group"):
        com["group"] = c["group"]
    return {"timestamp": c["timestamp"], "title": c["title"], "data": [{"comment": com}]}


def json_album(mdir: str, which: str = "album") -> dict:
    a = CONTENT[which]
    photos = [_media_obj(m, mdir) for m in a["photos"]]
    return {"name": a["name"], "photos": photos, "cover_photo": photos[0],
            "last_modified_timestamp": a["last_modified"], "description": a["description"]}


def json_profile(v2: bool = True) -> dict:
    pr = CONTENT["profile"]
    work = [{"employer": w["employer"], "title": w["title"], "location": w["location"], "description": "",
             "start_timestamp": w["start"], "end_timestamp": w.get("end", 0)} for w in pr["work"]]
    body = {"name": {"full_name": pr["full_name"], "first_name": "Siân", "last_name": "Prys-Jones"},
            "emails": {"emails": ["sian@example.invalid"]}, "current_city": {"name": pr["city"], "timestamp": 0},
            "work_experiences": work, "intro_bio": {"name": pr["bio"], "timestamp": pr["bio_time"]},
            "username": pr["username"], "registration_timestamp": ts(2009, 1, 1, 0, 0, 0)}
    return {"profile_v2" if v2 else "profile": body}


def json_checkins(bare: bool = True):
    items = [{"timestamp": c["timestamp"], "fbid": c["fbid"], "media": [],
              "label_values": [{"label": "Message", "value": c["message"]},
                               {"label": "Place tags", "dict": [{"label": "Name", "value": c["name"]},
                                                                {"label": "Address", "value": c["address"]},
                                                                {"label": "Coordinates", "value": c["coords"]}]}]}
             for c in CONTENT["checkins"]]
    return items[0] if bare and len(items) == 1 else items


def json_tagged_places():
    return [{"fbid": t["fbid"], "label_values": [{"label": "Place name", "value": t["name"]},
                                                 {"label": "Visit time", "timestamp_value": t["timestamp"]},
                                                 {"label": "Name of application used to tag this place",
                                                  "value": "Facebook for Android"}]}
            for t in CONTENT["tagged_places"]]


def json_reactions(key: str = "reactions_v2") -> dict:
    out = []
    for r in CONTENT["reactions"]:
        rec = {"timestamp": r["timestamp"], "title": r["title"],
               "data": [{"reaction": {"reaction": r["reaction"], "actor": OWNER}}]}
        if r.get("link"):
            rec["attachments"] = [{"data": [{"external_context": {"url": r["link"]}}]}]
        out.append(rec)
    return {key: out}


def json_thread() -> dict:
    return {"participants": [{"name": FRIEND}, {"name": OWNER}],
            "messages": [{"sender_name": m["sender"], "timestamp_ms": m["timestamp_ms"], "content": m["text"],
                          "is_geoblocked_for_viewer": False} for m in CONTENT["messages"]],
            "title": FRIEND, "is_still_participant": True, "thread_type": "Regular",
            "thread_path": "inbox/tomasovergard_1234567"}


MEDIA_FILES = [PH_SHIFT, PH_GRAD1, PH_GRAD2, PH_ONLY, PH_KRAKOW, PH_UNCAT]


def _jpeg() -> bytes:
    """A small real JPEG with no EXIF (Facebook strips it from the files it exports)."""
    import io
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 180, 160)).save(buf, "JPEG")
    return buf.getvalue()


JPEG = _jpeg()


def json_members(layout: str, *, with_media: bool = True, with_messages: bool = True) -> dict[str, str | bytes]:
    """The whole synthetic export in one JSON layout: "2024", "2022", "2021" (_v2 keys), "2019"
    (v1 keys) or "2018" (posts as {"status_updates": [...]})."""
    mdir = media_dir(layout)
    posts = [json_post(p, mdir) for p in CONTENT["posts"]]
    comments = [json_comment(c) for c in CONTENT["comments"]]
    gposts = [json_post(p, mdir) for p in CONTENT["group_posts"]]
    gcomments = [json_comment(c) for c in CONTENT["group_comments"]]
    uncat = [_media_obj(m, mdir) for m in CONTENT["uncategorized"]]
    m: dict[str, str | bytes] = {}
    if layout in ("2024", "2022"):
        act = "your_facebook_activity/" if layout == "2024" else "your_activity_across_facebook/"
        m[act + "posts/your_posts__check_ins__photos_and_videos_1.json"] = meta_json(posts[:4])
        m[act + "posts/your_posts__check_ins__photos_and_videos_2.json"] = meta_json(posts[4:])
        m[act + "comments_and_reactions/comments.json"] = meta_json({"comments_v2": comments})
        m[act + "posts/album/0.json"] = meta_json(json_album(mdir))
        m[act + "posts/album/1.json"] = meta_json(json_album(mdir, "uploads"))
        m[act + "posts/your_uncategorized_photos.json"] = meta_json({"other_photos_v2": uncat})
        m[act + "groups/group_posts_and_comments.json"] = meta_json({"group_posts_v2": gposts})
        m[act + "groups/your_comments_in_groups.json"] = meta_json({"group_comments_v2": gcomments})
        m[act + "comments_and_reactions/posts_and_comments.json"] = meta_json(json_reactions())
        if layout == "2024":
            m[act + "posts/check-ins.json"] = meta_json(json_checkins(bare=True))
            m[act + "posts/places_you_have_been_tagged_in.json"] = meta_json(json_tagged_places())
            m["personal_information/profile_information/profile_information.json"] = meta_json(json_profile())
        else:
            m[act + "personal_information/profile_information/profile_information.json"] = meta_json(json_profile())
        m[act + "groups/no-data.txt"] = "You have no data in this section"
        msgs = act + "messages/inbox/tomasovergard_1234567/message_1.json"
    else:
        v2 = layout == "2021"
        posts_doc = {"status_updates": posts} if layout == "2018" else posts
        if layout == "2018":
            m["posts/your_posts_1.json"] = meta_json(posts_doc)
        else:
            m["posts/your_posts_1.json"] = meta_json(posts[:4])
            m["posts/your_posts_2.json"] = meta_json(posts[4:])
        cdir = "comments_and_reactions/" if v2 else "comments/"
        m[cdir + "comments.json"] = meta_json({"comments_v2" if v2 else "comments": comments})
        pdir = "posts/" if v2 else "photos_and_videos/"
        m[pdir + "album/0.json"] = meta_json(json_album(mdir))
        m[pdir + "album/1.json"] = meta_json(json_album(mdir, "uploads"))
        m[pdir + "your_uncategorized_photos.json"] = meta_json({"other_photos_v2" if v2 else "photos": uncat})
        m["groups/your_posts_and_comments_in_groups.json"] = meta_json(
            {"group_posts_v2" if v2 else "group_posts": gposts})
        m["groups/your_comments_in_groups.json"] = meta_json(
            {"group_comments_v2" if v2 else "group_comments": gcomments})
        rdir = "comments_and_reactions/" if v2 else "likes_and_reactions/"
        m[rdir + "posts_and_comments.json"] = meta_json(json_reactions("reactions_v2" if v2 else "reactions"))
        m["profile_information/profile_information.json"] = meta_json(json_profile(v2))
        msgs = "messages/inbox/tomasovergard_1234567/message_1.json"
    if with_messages:
        m[msgs] = meta_json(json_thread())
    if with_media:
        for f in MEDIA_FILES:
            m[mdir + f] = JPEG
    return m


# -- HTML ------------------------------------------------------------------------------------
FR_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
LABELS = {
    "en": {"name": "Name", "address": "Address", "coords": "Coordinates", "message": "Message",
           "ip": "Upload IP address", "lat": "Latitude", "lon": "Longitude", "place": "Place name",
           "visit": "Visit time", "app": "Name of application used to tag this place", "updated": "Updated",
           "posts": "Your posts", "comments": "Comments", "full": "Name", "city": "Current city",
           "employer": "Employer", "bio": "Bio"},
    "fr": {"name": "Nom", "address": "Adresse", "coords": "Coordonnées", "message": "Message",
           "ip": "Adresse IP de téléchargement", "lat": "Latitude", "lon": "Longitude", "place": "Nom du lieu",
           "visit": "Heure de la visite", "app": "Nom de l'application utilisée", "updated": "Mis à jour",
           "posts": "Vos publications", "comments": "Commentaires", "full": "Nom", "city": "Ville actuelle",
           "employer": "Employeur", "bio": "Biographie"},
}
FR_TITLES = {"updated her status": "a mis à jour son statut", "commented on": "a commenté la publication de",
             "shared a link": "a partagé un lien", "added": "a ajouté", "was at": "était à",
             "posted in": "a publié dans", "liked": "a aimé", "reacted to": "a réagi à"}


def html_date(t: int, locale: str) -> str:
    d = datetime.fromtimestamp(t, timezone.utc)
    if locale == "fr":
        return f"{d.day} {FR_MONTHS[d.month - 1]} {d.year} {d:%H:%M}"
    return d.strftime("%b %d, %Y %I:%M:%S %p").replace(" AM", " am").replace(" PM", " pm")


def _title(t: str, locale: str) -> str:
    if locale == "fr":
        for en, fr in FR_TITLES.items():
            t = t.replace(en, fr)
    return t


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _rows(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f'<tr><td class="_2pin _a6_q">{_esc(a)}</td><td class="_2pin _a6_r">{_esc(b)}</td></tr>'
                               for a, b in rows) + "</table>"


def card(title: str, body: str, when: int, locale: str) -> str:
    return (f'<div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder">'
            f'<div class="_3-95 _2pim _a6-h _a6-i">{_esc(_title(title, locale))}</div>'
            f'<div class="_3-95 _2ph_ _a6-p"><div>{body}</div></div>'
            f'<div class="_3-94 _a6-o"><a href="https://www.facebook.com/">'
            f'<div class="_a72d">{html_date(when, locale)}</div></a></div>'
            f'</div>')


def page(title: str, cards: list[str], base: str, h1: str = "", intro: str = "") -> str:
    """A page as Facebook's 2022+ export writes it: a header (the page or album name, its
    description, the "generated by" line) above the main region that holds the blocks."""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"/><base href="' + base + '"/>'
            f"<title>{_esc(title)}</title><style>._a6-g{{margin:0}}</style></head><body>"
            '<div class="_a705"><div><div class="_3-8y _3-95 _a709"><div class="_a70d">'
            f'<div class="_a70e">{_esc(h1 or title)}</div>'
            + (f'<div class="_a70f">{_esc(intro)}</div>' if intro else '<div class="_a70f"></div>')
            + f'<div class="_aoaa"><div>Generated by {_esc(OWNER)} on Monday, 3 November 2025 at 10:15 UTC+00:00'
            '</div></div></div></div></div><div class="_a706" role="main">'
            + "".join(cards) + "</div></div></body></html>")


def _html_media(m: dict, mdir: str, locale: str) -> str:
    L = LABELS[locale]
    uri = mdir + m["file"]
    rows = []
    if m.get("ip"):
        rows.append((L["ip"], m["ip"]))
    if m.get("lat") is not None:
        rows += [(L["lat"], str(m["lat"])), (L["lon"], str(m["lon"]))]
    # as the 2022+ export writes a photo: its album's name, then its description (class _3-95)
    album = f"<div>{_esc(m['album'])}</div>" if m.get("album") else ""
    desc = f'<div class="_3-95">{_esc(m["description"])}</div>' if m.get("description") else ""
    return (f'<div><a href="{uri}"><img src="{uri}" class="_a6_o _3-96"/></a>{album}{desc}'
            + (_rows(rows) if rows else "") + "</div>")


def html_post(p: dict, mdir: str, locale: str) -> str:
    L = LABELS[locale]
    parts = []
    if p.get("text"):
        text = _esc(p["text"]).replace("\n", "<br/>")
        parts.append(f'<div class="_2pin"><div>{text}</div></div>')
    for m in p.get("media", []):
        parts.append(_html_media(m, mdir, locale))
    if p.get("place"):
        pl = p["place"]
        parts.append("<div>" + _rows([(L["name"], pl["name"]), (L["address"], pl["address"]),
                                      (L["coords"], f"({pl['lat']} , {pl['lon']})")]) + "</div>")
    if p.get("link"):
        parts.append(f'<div><a href="{p["link"]}">{p["link"]}</a></div>')
    if p.get("updated"):
        parts.append(f"<div>{L['updated']} {html_date(p['updated'], locale)}</div>")
    return card(p["title"], "".join(parts), p["timestamp"], locale)


def html_members(layout: str = "2024", locale: str = "en", *, with_media: bool = True) -> dict[str, str | bytes]:
    """The same content as the HTML export ("2024" or "2022" tree), titles and labels in `locale`."""
    L = LABELS[locale]
    act = "your_facebook_activity/" if layout == "2024" else "your_activity_across_facebook/"
    mdir = media_dir(layout)
    base = "../../"
    m: dict[str, str | bytes] = {}
    posts = [html_post(p, mdir, locale) for p in CONTENT["posts"]]
    m[act + "posts/your_posts__check_ins__photos_and_videos_1.html"] = page(L["posts"], posts[:4], base)
    m[act + "posts/your_posts__check_ins__photos_and_videos_2.html"] = page(L["posts"], posts[4:], base)
    m[act + "comments_and_reactions/comments.html"] = page(L["comments"], [
        card(c["title"], f'<div class="_2pin"><div>{_esc(c["text"])}</div></div>', c["timestamp"], locale)
        for c in CONTENT["comments"]], base)
    m[act + "groups/group_posts_and_comments.html"] = page("Groups", [
        html_post(p, mdir, locale) for p in CONTENT["group_posts"]], base)
    m[act + "groups/your_comments_in_groups.html"] = page("Groups", [
        card(c["title"], f'<div class="_2pin"><div>{_esc(c["text"])}</div></div>', c["timestamp"], locale)
        for c in CONTENT["group_comments"]], base)
    for n, which in enumerate(("album", "uploads")):
        a = CONTENT[which]
        m[act + f"posts/album/{n}.html"] = page(a["name"], [
            card(a["name"], _html_media(p, mdir, locale), p["created"], locale) for p in a["photos"]], "../../../",
            h1=a["name"], intro=a["description"])
    m[act + "posts/your_uncategorized_photos.html"] = page("Photos", [
        card("", _html_media(p, mdir, locale), p["created"], locale) for p in CONTENT["uncategorized"]], base)
    m[act + "posts/check-ins.html"] = page("Check-ins", [
        card("", _rows([(L["message"], c["message"]), (L["name"], c["name"]), (L["address"], c["address"]),
                        (L["coords"], c["coords"])]), c["timestamp"], locale) for c in CONTENT["checkins"]], base)
    m[act + "posts/places_you_have_been_tagged_in.html"] = page("Places", [
        card(t["name"], _rows([(L["place"], t["name"]), (L["visit"], html_date(t["timestamp"], locale)),
                               (L["app"], "Facebook for Android")]), t["timestamp"], locale)
        for t in CONTENT["tagged_places"]], base)
    m[act + "comments_and_reactions/posts_and_comments.html"] = page("Reactions", [
        card(r["title"], (f'<a href="{r["link"]}">{r["link"]}</a>' if r.get("link") else ""), r["timestamp"], locale)
        for r in CONTENT["reactions"]], base)
    pr = CONTENT["profile"]
    prof_dir = "personal_information/" if layout == "2024" else act + "personal_information/"
    m[prof_dir + "profile_information/profile_information.html"] = page("Profile", [
        card("", _rows([(L["full"], pr["full_name"]), (L["city"], pr["city"]),
                        (L["employer"], pr["work"][0]["employer"]), (L["bio"], pr["bio"])]), pr["bio_time"], locale)],
        "../../")
    m[act + "messages/inbox/tomasovergard_1234567/message_1.html"] = page(FRIEND, [
        card(x["sender"], f"<div><div></div><div>{_esc(x['text'])}</div></div>", x["timestamp_ms"] // 1000, locale)
        for x in CONTENT["messages"]], "../../../../")
    if with_media:
        for f in MEDIA_FILES:
            m[mdir + f] = JPEG
    return m


# -- tests of the shared Meta helpers ----------------------------------------------------------
def test_mojibake_fixture_writes_meta_escapes():
    raw = meta_json({"post": "Zoë 😴"})
    assert "\\u00c3\\u00ab" in raw and "\\u00f0\\u009f\\u0098\\u00b4" in raw
    assert fix_mojibake(json.loads(raw)["post"]) == "Zoë 😴"


def test_mojibake_repair_accents_emoji_and_non_latin_scripts():
    for s in ("Siân Øvergård", "Καλημέρα! 早上好 🌞", "مرحبا", "Żaneta Główny", "Café ☕ 🎓"):
        assert fix_mojibake(s.encode("utf-8").decode("latin-1")) == s
        assert fix_mojibake(s) == s            # already right: kept (the round trip fails)
    assert fix_mojibake("naïve Ã") == "naïve Ã"   # Latin-1 text that is not UTF-8 bytes: kept


def test_parse_meta_time_formats_and_locales():
    utc = timezone.utc
    assert parse_meta_time("Aug 09, 2026 9:49 am") == datetime(2026, 8, 9, 9, 49, tzinfo=utc)
    assert parse_meta_time("Mar 02, 2019 09:15:27 pm") == datetime(2019, 3, 2, 21, 15, 27, tzinfo=utc)
    assert parse_meta_time("Jan 01, 2023 12:00:00PM") == datetime(2023, 1, 1, 12, 0, tzinfo=utc)
    assert parse_meta_time("Jan 01, 2023 12:05 am") == datetime(2023, 1, 1, 0, 5, tzinfo=utc)
    assert parse_meta_time("2 mars 2019 09:15") == datetime(2019, 3, 2, 9, 15, tzinfo=utc)
    assert parse_meta_time("3 juin 2020 10:00") == datetime(2020, 6, 3, 10, 0, tzinfo=utc)
    assert parse_meta_time("3 juil. 2020 10:00") == datetime(2020, 7, 3, 10, 0, tzinfo=utc)
    assert parse_meta_time("14 Rhagfyr 2012 14:45") == datetime(2012, 12, 14, 14, 45, tzinfo=utc)
    assert parse_meta_time("06.12.2012 14:45") == datetime(2012, 12, 6, 14, 45, tzinfo=utc)
    assert parse_meta_time("2012-12-06 14:45:14") == datetime(2012, 12, 6, 14, 45, 14, tzinfo=utc)
    for bad in ("", "Coffee before clinic", "at 12:30 today", "Feb 30, 2020 10:00", "13:00 pm Jan 1, 2020 x"):
        assert parse_meta_time(bad) is None, bad


def test_parse_coordinates():
    assert parse_coordinates("(38.5758 , -121.4804)") == (38.5758, -121.4804)
    assert parse_coordinates("53.8,-1.55") == (53.8, -1.55)
    assert parse_coordinates("(95.0 , 10.0)") is None
    assert parse_coordinates("Leeds") is None


def test_html_parser_survives_broken_markup_and_finds_cards():
    root = _html.parse('<div class="_a6-g"><h2>Tîtle</h2><div class="_a6-p"><div class="_2pin">a &amp; b<br>c'
                       '</div></div><div class="_a6-o">Aug 09, 2026 9:49 am</div></span></div><div><p>unclosed')
    blocks = _html.find_blocks(root)
    assert len(blocks) == 1
    assert blocks[0].header == "Tîtle" and blocks[0].date_text == "Aug 09, 2026 9:49 am"
    assert _html.read_block(blocks[0]).own == ["a & b", "c"]
