"""Generate the sample archives of an invented registrant (run: python sample_exports/generate.py).

Jordan Ashby is invented: a paramedic with the (invented) Northvale Ambulance Service NHS Trust.
Every person, handle, phone number, e-mail and address below is made up; phone numbers use the
Ofcom drama range (07700 900xxx), e-mails example.com/example.org, postcodes are placeholders.

The archives copy the current real layouts (shared/reference/archive-formats.md):
- X/Twitter 2022+: data/tweets.js, account.js, manifest.js, like.js, deleted-tweets.js, tweets_media/
- Facebook 2024+ JSON, zipped with its parent folder (as people often do), Meta mojibake
- Instagram 2025+ JSON (your_instagram_activity/media/posts_1.json) with Threads posts, Meta mojibake
- camera-roll/: a plain folder of phone photos with EXIF GPS (platform "photos")

Each planted example says which category it is meant to trigger; CLEAN ones are look-alikes that
must stay clean. The output is deterministic: same script, same Pillow, same bytes.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.TiffImagePlugin import IFDRational

HERE = Path(__file__).resolve().parent
FIXED_ZIP_TIME = (2026, 11, 1, 9, 0, 0)

# -- the invented registrant -------------------------------------------------------------------
FULL_NAME = "Jordan Ashby"
X_HANDLE = "jordan_ashby_para"
IG_HANDLE = "jordan.ashby.runs"
EMPLOYER = "Northvale Ambulance Service NHS Trust"
STATION = ("Millbrook Ambulance Station", 53.80080, -1.54910)
HOME = ("home", 53.82650, -1.59400)
SERVICE_USER_HOME = (53.81200, -1.58300)   # a patient's home, visited several times

PROFILE_TOML = f'''\
# Profile of the invented registrant in sample_exports/ (used by ./setup.sh)
[profile]
full_name = "{FULL_NAME}"
aliases = ["Jord", "Jordan A"]
handles = ["@{X_HANDLE}", "{IG_HANDLE}"]
employer = "{EMPLOYER}"
employer_aliases = ["Northvale Ambulance", "NVAS", "Northvale"]
regulator = "HCPC"
profession = "paramedic"

[[profile.workplaces]]
name = "{STATION[0]}"
lat = {STATION[1]}
lon = {STATION[2]}
radius_m = 200

[profile.home]
name = "home"
lat = {HOME[1]}
lon = {HOME[2]}
radius_m = 250

[scan]
include_messages = false
ocr = "auto"
'''


def ts(y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=timezone.utc)


# -- images ------------------------------------------------------------------------------------
def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _jpeg(img: Image.Image, exif: Image.Exif | None = None) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=82, exif=exif.tobytes() if exif is not None else b"")
    return buf.getvalue()


def _dms(value: float) -> tuple:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60 * 10000)
    return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(s, 10000))


def gps_exif(lat: float | None, lon: float | None, when: datetime, model: str = "Pixel 7") -> Image.Exif:
    ex = Image.Exif()
    ex[0x010F] = "Google"
    ex[0x0110] = model
    ex[0x8769] = {0x9003: when.strftime("%Y:%m:%d %H:%M:%S")}
    if lat is not None and lon is not None:
        ex[0x8825] = {0: b"\x02\x03\x00\x00", 1: "N" if lat >= 0 else "S", 2: _dms(lat),
                      3: "E" if lon >= 0 else "W", 4: _dms(lon)}
    return ex


def scene(kind: str, w: int = 960, h: int = 720) -> Image.Image:
    """Simple drawn pictures: enough for OCR, faces are not drawn (no real people)."""
    img = Image.new("RGB", (w, h), (205, 220, 230))
    d = ImageDraw.Draw(img)
    if kind == "badge":        # an ID badge on a lanyard, worn with a green uniform
        d.rectangle([0, 0, w, h], fill=(46, 94, 62))
        d.line([(w // 2 - 120, 0), (w // 2 - 20, 220)], fill=(0, 94, 184), width=26)
        d.line([(w // 2 + 120, 0), (w // 2 + 20, 220)], fill=(0, 94, 184), width=26)
        d.rectangle([w // 2 - 230, 220, w // 2 + 230, 600], fill=(250, 250, 250), outline=(0, 0, 0), width=4)
        d.text((w // 2 - 200, 240), "NHS", font=_font(72), fill=(0, 94, 184))
        d.text((w // 2 - 200, 340), "Northvale Ambulance", font=_font(36), fill=(0, 0, 0))
        d.text((w // 2 - 200, 390), "Service NHS Trust", font=_font(36), fill=(0, 0, 0))
        d.text((w // 2 - 200, 470), "JORDAN ASHBY", font=_font(40), fill=(0, 0, 0))
        d.text((w // 2 - 200, 530), "Paramedic", font=_font(36), fill=(0, 0, 0))
    elif kind == "whiteboard":  # a patient board in the background of a selfie
        d.rectangle([60, 60, w - 60, h - 60], fill=(252, 252, 252), outline=(90, 90, 90), width=8)
        rows = ["WARD 7 - BED STATE", "Bay 1  Mrs E Harper  82  NOF #", "Bay 2  Mr T Okafor  67  CAP",
                "Bay 3  Mrs J Lowry  91  Falls", "Bay 4  Mr P Quinn  74  DNACPR"]
        for i, row in enumerate(rows):
            d.text((100, 100 + i * 100), row, font=_font(44), fill=(20, 20, 20))
    elif kind == "beach":
        d.rectangle([0, h * 2 // 3, w, h], fill=(233, 214, 160))
        d.rectangle([0, h // 2, w, h * 2 // 3], fill=(70, 130, 180))
        d.ellipse([w - 260, 60, w - 120, 200], fill=(255, 215, 0))
    elif kind == "garden":
        d.rectangle([0, h // 2, w, h], fill=(96, 160, 80))
        for x in range(80, w, 160):
            d.ellipse([x, h // 2 - 60, x + 70, h // 2 + 10], fill=(220, 60, 90))
    elif kind == "street":
        d.rectangle([0, h // 2, w, h], fill=(120, 120, 120))
        for x in range(40, w, 220):
            d.rectangle([x, 140, x + 180, h // 2], fill=(160, 82, 45), outline=(60, 30, 20), width=4)
            d.rectangle([x + 70, h // 2 - 90, x + 110, h // 2], fill=(40, 40, 90))
    elif kind == "pint":
        d.rectangle([0, 0, w, h], fill=(70, 45, 30))
        d.rectangle([w // 2 - 90, 200, w // 2 + 90, 620], fill=(190, 120, 20), outline=(230, 230, 230), width=6)
        d.rectangle([w // 2 - 90, 200, w // 2 + 90, 250], fill=(245, 240, 225))
    return img


# -- Meta mojibake -----------------------------------------------------------------------------
def mojibake(value):
    """What Meta's exporter does: UTF-8 bytes written as \\u00XX escapes."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: mojibake(v) for k, v in value.items()}
    return value


def meta_json(value) -> str:
    return json.dumps(mojibake(value), indent=2, ensure_ascii=True)


def ytd(name: str, items: list) -> str:
    return f"window.YTD.{name}.part0 = " + json.dumps(items, indent=2, ensure_ascii=False)


# -- X/Twitter ---------------------------------------------------------------------------------
# (id offset, time, text, category it plants, extra tweet fields)
TWEETS = [
    (1, ts(2014, 3, 9, 19, 5), "Lovely run along the canal this morning, legs are done in", "CLEAN", {}),
    (2, ts(2015, 7, 2, 23, 40),
     "Off sick today lol, at the races with the lads \U0001F37A\U0001F37A\U0001F37A #sickday",
     "conduct", {}),
    (3, ts(2016, 5, 14, 6, 55), "Long night shift. Attended a 78 year old lady on Harewood Street with a broken hip "
     "at 3am, she told me her whole life story. Mrs Patterson you were a legend today", "confidentiality", {}),
    (4, ts(2016, 5, 20, 18, 0), "My nan is 78 today and still beats me at cards. Happy birthday Nan!", "CLEAN", {}),
    (5, ts(2017, 2, 11, 1, 15), "@danny_k88 you absolute useless prick, never lending you anything again",
     "offensive", {"in_reply_to_status_id_str": "830000000000000001", "in_reply_to_screen_name": "danny_k88",
                   "in_reply_to_user_id_str": "222000111"}),
    (6, ts(2018, 9, 3, 8, 30), "Immigrants are ruining this country, send them all back", "discriminatory", {}),
    (7, ts(2019, 1, 21, 7, 45), "My manager at Northvale is a complete joke, rota done by a clown again. #NVAS",
     "grievance", {}),
    (8, ts(2020, 12, 30, 21, 10), "The covid vaccine changes your DNA. Do your own research before you let them jab "
     "your kids", "misinformation", {}),
    (9, ts(2021, 1, 5, 9, 0), "Vaccines save lives. Booked my booster today, quick and painless", "CLEAN", {}),
    (10, ts(2021, 6, 12, 22, 50), "A patient from last week added me on Facebook, might message her back ;)",
     "boundaries", {}),
    (11, ts(2022, 4, 2, 13, 20), "Anyone seen a lost spaniel near Kirkstall? Call Steve Marsh on 07700 900456 or "
     "email steve.marsh@example.com", "personal-data", {}),
    (12, ts(2022, 8, 19, 3, 10), "Quiet night at the station for once", "location/workplace",
     {"coordinates": {"type": "Point", "coordinates": [str(STATION[2] + 0.0003), str(STATION[1] + 0.0002)]},
      "geo": {"type": "Point", "coordinates": [str(STATION[1] + 0.0002), str(STATION[2] + 0.0003)]}}),
    (13, ts(2023, 3, 8, 17, 0), "DM me for private sports massage, cheaper than the NHS and guaranteed to fix your "
     "back pain for good", "promotion", {}),
    (14, ts(2023, 11, 25, 2, 30), "Still buzzing from the pills last night, no sleep before a 7am shift",
     "conduct", {}),
    (15, ts(2024, 10, 4, 6, 45), "In my greens ready for nights \U0001F49A", "workplace (photo with badge)",
     {"media": "badge"}),
    (16, ts(2025, 2, 14, 20, 0), "Proud of the whole crew tonight. Tough jobs but we looked after each other",
     "CLEAN", {}),
    (17, ts(2025, 6, 1, 10, 0), "RT @angry_pundit_uk: Nurses who strike are greedy parasites and should all be "
     "sacked, every single one of the\u2026", "offensive (repost)", {}),
    (18, ts(2026, 1, 9, 12, 30), "That match was shite lol, worst half of football all season", "CLEAN-ish", {}),
]
LIKES = [
    ("1650000000000000001", "Disabled people are a drain on the NHS and should pay for their own care, simple"),
    ("1650000000000000002", "What a beautiful sunset over the Dales tonight"),
]
DELETED = [(19, ts(2026, 10, 20, 23, 55), "Can't believe what the crew manager said to me today, what an idiot",
            ts(2026, 10, 22, 8, 0))]
BASE_ID = 500000000000000000


def tweet_obj(i: int, when: datetime, text: str, extra: dict) -> dict:
    tid = str(BASE_ID + i * 1000003)
    t = {
        "edit_info": {"initial": {"editTweetIds": [tid], "editableUntil": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                  "editsRemaining": "5", "isEditEligible": False}},
        "retweeted": False, "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        "display_text_range": ["0", str(len(text))], "favorite_count": "0", "id_str": tid, "truncated": False,
        "retweet_count": "0", "id": tid, "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "favorited": False, "full_text": text.replace("&", "&amp;"), "lang": "en",
    }
    for k, v in extra.items():
        if k != "media":
            t[k] = v
    if text.startswith("@"):
        handle = text.split()[0][1:]
        t["entities"]["user_mentions"].append({"name": handle, "screen_name": handle,
                                               "indices": ["0", str(len(handle) + 1)],
                                               "id_str": "222000111", "id": "222000111"})
    return t


def build_twitter() -> tuple[dict[str, bytes], list[str]]:
    members: dict[str, bytes] = {}
    tweets = []
    for i, when, text, _cat, extra in TWEETS:
        t = tweet_obj(i, when, text, extra)
        if extra.get("media"):
            name = "GxBadge01AbCd"
            short = "https://t.co/b4dg3Ph0to"
            t["full_text"] += " " + short
            media = {"expanded_url": f"https://x.com/{X_HANDLE}/status/{t['id_str']}/photo/1",
                     "indices": [str(len(text) + 1), str(len(text) + 1 + len(short))], "url": short,
                     "media_url": f"http://pbs.twimg.com/media/{name}.jpg", "id_str": "700000000000000001",
                     "id": "700000000000000001", "media_url_https": f"https://pbs.twimg.com/media/{name}.jpg",
                     "sizes": {"large": {"w": "960", "h": "720", "resize": "fit"}}, "type": "photo",
                     "display_url": "pic.x.com/b4dg3Ph0to"}
            t["entities"]["media"] = [media]
            t["extended_entities"] = {"media": [media]}
            members[f"data/tweets_media/{t['id_str']}-{name}.jpg"] = _jpeg(scene("badge"))   # X strips EXIF
        tweets.append({"tweet": t})
    tweets.reverse()   # newest first, as X writes them
    members["data/tweets.js"] = ytd("tweets", tweets).encode()
    members["data/account.js"] = ytd("account", [{"account": {
        "email": "jordan.ashby@example.org", "createdVia": "web", "username": X_HANDLE, "accountId": "111000222",
        "createdAt": "2013-08-01T10:00:00.000Z", "accountDisplayName": FULL_NAME}}]).encode()
    members["data/like.js"] = ytd("like", [{"like": {"tweetId": tid, "fullText": text,
                                                      "expandedUrl": f"https://twitter.com/i/web/status/{tid}"}}
                                            for tid, text in LIKES]).encode()
    deleted = []
    for i, when, text, gone in DELETED:
        t = tweet_obj(i, when, text, {})
        t["deleted_at"] = gone.strftime("%a %b %d %H:%M:%S +0000 %Y")
        deleted.append({"tweet": t})
    members["data/deleted-tweets.js"] = ytd("deleted_tweets", deleted).encode()
    members["data/note-tweet.js"] = b"window.YTD.note_tweet.part0 = [ ]"
    manifest = {"userInfo": {"accountId": "111000222", "userName": X_HANDLE, "displayName": FULL_NAME},
                "archiveInfo": {"sizeBytes": "0", "generationDate": "2026-11-01T09:00:00.000Z",
                                "isPartialArchive": False, "maxPartSizeBytes": "53687091200"},
                "dataTypes": {
                    "account": {"files": [{"fileName": "data/account.js", "globalName": "YTD.account.part0",
                                           "count": "1"}]},
                    "tweets": {"mediaDirectory": "data/tweets_media",
                               "files": [{"fileName": "data/tweets.js", "globalName": "YTD.tweets.part0",
                                          "count": str(len(tweets))}]},
                    "like": {"files": [{"fileName": "data/like.js", "globalName": "YTD.like.part0",
                                        "count": str(len(LIKES))}]},
                    "deletedTweets": {"mediaDirectory": "data/deleted_tweets_media",
                                      "files": [{"fileName": "data/deleted-tweets.js",
                                                 "globalName": "YTD.deleted_tweets.part0", "count": "1"}]},
                    "noteTweet": {"files": [{"fileName": "data/note-tweet.js", "globalName": "YTD.note_tweet.part0",
                                             "count": "0"}]}}}
    members["data/manifest.js"] = ("window.__THAR_CONFIG = " + json.dumps(manifest, indent=2)).encode()
    members["Your archive.html"] = b"<!DOCTYPE html><title>Your archive</title><p>Open data/ for the files.</p>"
    return members, [c for *_, c, _ in TWEETS]


# -- Facebook (2024+ JSON, zipped with its parent folder) ---------------------------------------
FB_ROOT = "facebook-jordanashby-2026-11-01-Ab12Cd34/"
FB_MEDIA = "your_facebook_activity/posts/media/MobileUploads_Xy12/"


def build_facebook() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    garden_when = ts(2019, 6, 15, 16, 20)
    garden = FB_MEDIA + "10158_1000123456789_55501_n_1000123456789.jpg"
    m[FB_ROOT + garden] = _jpeg(scene("garden"))        # Facebook strips EXIF from the file itself
    posts = [
        {"timestamp": int(ts(2013, 12, 24, 20, 0).timestamp()), "title": f"{FULL_NAME} updated his status.",
         "data": [{"post": "Christmas Eve with the family, Zoë has made far too much food \U0001F384"}]},
        {"timestamp": int(ts(2017, 10, 3, 19, 30).timestamp()), "title": f"{FULL_NAME} updated his status.",
         "data": [{"post": "Home visit today to a lovely gentleman in Kirkstall with dementia. His daughter Karen "
                           "Whitfield had no idea he'd stopped eating. Heartbreaking."},
                  {"update_timestamp": int(ts(2017, 10, 3, 19, 31).timestamp())}]},
        {"timestamp": int(garden_when.timestamp()), "title": f"{FULL_NAME} added a new photo.",
         "data": [{"post": "Finally sorted the garden \U0001F33A"}],
         "attachments": [{"data": [{"media": {
             "uri": garden, "creation_timestamp": int(garden_when.timestamp()), "title": "Mobile Uploads",
             "description": "Finally sorted the garden \U0001F33A",
             "media_metadata": {"photo_metadata": {"exif_data": [{
                 "upload_ip": "192.0.2.44", "taken_timestamp": int(garden_when.timestamp()) - 600,
                 "latitude": HOME[1] + 0.0001, "longitude": HOME[2] - 0.0001, "camera_make": "Google",
                 "camera_model": "Pixel 3"}]}}}}]}]},
        {"timestamp": int(ts(2020, 4, 18, 21, 0).timestamp()), "title": f"{FULL_NAME} updated his status.",
         "data": [{"post": "5G masts are what's really making people ill, the virus is just the cover story"}]},
        {"timestamp": int(ts(2022, 11, 30, 9, 0).timestamp()), "title": f"{FULL_NAME} updated his status.",
         "data": [{"post": "I'll be voting yes in the strike ballot. Pay restoration for ambulance staff now."}]},
        {"timestamp": int(ts(2024, 12, 2, 8, 15).timestamp()), "title": f"{FULL_NAME} is at {STATION[0]}.",
         "data": [{"post": "Back at it. First shift after my holiday"}],
         "attachments": [{"data": [{"place": {"name": STATION[0],
                                              "coordinate": {"latitude": STATION[1], "longitude": STATION[2]},
                                              "address": "Millbrook Road", "url": ""}}]}]},
        {"timestamp": int(ts(2025, 8, 9, 12, 0).timestamp()), "title": f"{FULL_NAME} updated his status.",
         "data": [{"post": "Café lunch in Ilkley with Siobhán and Zoë, best scones in Yorkshire \u2615"}]},
    ]
    m[FB_ROOT + "your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json"] = \
        meta_json(posts).encode()
    comments = {"comments_v2": [
        {"timestamp": int(ts(2018, 2, 2, 22, 0).timestamp()),
         "title": f"{FULL_NAME} commented on Northvale Staff Forum's post.",
         "data": [{"comment": {"timestamp": int(ts(2018, 2, 2, 22, 0).timestamp()),
                               "comment": "Management at the trust couldn't organise a piss up in a brewery",
                               "author": FULL_NAME, "group": "Northvale Staff Forum"}}]},
        {"timestamp": int(ts(2021, 3, 14, 12, 0).timestamp()), "title": f"{FULL_NAME} commented on Amy Clarke's post.",
         "data": [{"comment": {"timestamp": int(ts(2021, 3, 14, 12, 0).timestamp()),
                               "comment": "Congratulations both, such lovely news!", "author": FULL_NAME}}]},
        {"timestamp": int(ts(2023, 7, 7, 23, 30).timestamp()), "title": f"{FULL_NAME} commented on Lee Booth's post.",
         "data": [{"comment": {"timestamp": int(ts(2023, 7, 7, 23, 30).timestamp()),
                               "comment": "Absolutely hammered, 9 pints deep and we're on again at 7 haha",
                               "author": FULL_NAME}}]},
    ]}
    m[FB_ROOT + "your_facebook_activity/comments_and_reactions/comments.json"] = meta_json(comments).encode()
    checkins = {"timestamp": int(ts(2023, 5, 20, 19, 0).timestamp()), "fbid": "1000987654321", "media": [],
                "label_values": [{"label": "Message", "value": "Pub quiz night \U0001F3C6"},
                                 {"label": "Place tags", "dict": [
                                     {"label": "Name", "value": "The Fox and Hounds"},
                                     {"label": "Address", "value": "Otley Road, Leeds"},
                                     {"label": "Coordinates", "value": "(53.8301 , -1.5902)"}]}]}
    m[FB_ROOT + "your_facebook_activity/posts/check-ins.json"] = meta_json(checkins).encode()   # a bare object
    profile = {"profile_v2": {"name": {"full_name": FULL_NAME, "first_name": "Jordan", "middle_name": "",
                                       "last_name": "Ashby"},
                              "emails": {"emails": ["jordan.ashby@example.org"], "previous_emails": []},
                              "birthday": {"year": 1994, "month": 4, "day": 2},
                              "current_city": {"name": "Leeds, United Kingdom", "timestamp": 0},
                              "work_experiences": [{"employer": EMPLOYER, "title": "Paramedic",
                                                    "location": "Leeds", "start_timestamp": 1472688000}],
                              "intro_bio": "Paramedic \U0001F691 | runner | views my own",
                              "username": "jordan.ashby.94",
                              "registration_timestamp": 1262304000}}
    m[FB_ROOT + "personal_information/profile_information/profile_information.json"] = meta_json(profile).encode()
    m[FB_ROOT + "your_facebook_activity/messages/no-data.txt"] = b"You have no data in this section"
    return m


# -- Instagram + Threads (2025+ JSON) ----------------------------------------------------------
def build_instagram() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    selfie_when = ts(2024, 11, 2, 18, 40)
    board_when = ts(2025, 3, 15, 14, 5)
    beach_when = ts(2025, 7, 20, 15, 30)
    files = {
        "media/posts/202411/465001_1200_4417_n_18041234567890123.jpg": (scene("badge"), selfie_when,
                                                                          (STATION[1] + 0.0001, STATION[2])),
        "media/posts/202503/465002_1201_4418_n_18041234567890124.jpg": (scene("whiteboard"), board_when, None),
        "media/posts/202503/465003_1202_4419_n_18041234567890125.jpg": (scene("street"), board_when, None),
        "media/posts/202507/465004_1203_4420_n_18041234567890126.jpg": (scene("beach"), beach_when,
                                                                          (54.4863, -0.6133)),
    }
    for path, (img, _when, _gps) in files.items():
        m[path] = _jpeg(img)   # Instagram strips EXIF; the position is in exif_data below

    def media(path: str, when: datetime, title: str = "") -> dict:
        _img, _w, gps = files[path]
        md: dict = {"photo_metadata": {"exif_data": [{"iso": 100, "device_id": "android-1a2b3c",
                                                      "date_time_original": when.strftime("%Y:%m:%d %H:%M:%S")}]},
                    "camera_metadata": {"has_camera_metadata": False}}
        if gps:
            md["photo_metadata"]["exif_data"][0].update({"latitude": gps[0], "longitude": gps[1]})
        return {"uri": path, "creation_timestamp": int(when.timestamp()), "media_metadata": md, "title": title,
                "cross_post_source": {"source_app": "FB"}}
    paths = list(files)
    posts = [
        {"media": [media(paths[0], selfie_when, "Selfie before nights with the best crew \U0001F691 #paramedic "
                                                "#nhs")]},
        {"media": [media(paths[1], board_when), media(paths[2], board_when)],
         "title": "Busy one on the ward today, cover shift for a mate",
         "creation_timestamp": int(board_when.timestamp())},
        {"media": [media(paths[3], beach_when, "Sun's out in Whitby \u2600\ufe0f")]},
    ]
    m["your_instagram_activity/media/posts_1.json"] = meta_json(posts).encode()
    comments = [
        {"media_list_data": [{"uri": ""}], "string_map_data": {
            "Comment": {"value": "She's a fat cow, no wonder nobody on the ward likes her"},
            "Media Owner": {"value": "lee.booth.77"}, "Time": {"timestamp": int(ts(2024, 2, 10, 21, 0).timestamp())}}},
        {"media_list_data": [{"uri": ""}], "string_map_data": {
            "Comment": {"value": "Gorgeous photo! Where is this?"},
            "Media Owner": {"value": "amy.clarke.runs"}, "Time": {"timestamp": int(ts(2024, 6, 1, 9, 0).timestamp())}}},
    ]
    m["your_instagram_activity/comments/post_comments_1.json"] = meta_json(comments).encode()
    threads = {"text_post_app_text_posts": [
        {"media": [{"uri": "", "creation_timestamp": int(ts(2025, 9, 3, 22, 10).timestamp()),
                    "title": "Some of my colleagues are so lazy it's embarrassing. Sat in the mess room all shift.",
                    "media_metadata": {}, "text_app_post": {"is_reply": False, "reply_control": "everyone"}}]},
        {"media": [{"uri": "", "creation_timestamp": int(ts(2025, 10, 11, 8, 0).timestamp()),
                    "title": "Parkrun PB this morning, 22:41 \U0001F3C3",
                    "media_metadata": {}, "text_app_post": {"is_reply": False, "reply_control": "everyone"}}]},
    ]}
    m["your_instagram_activity/threads/threads_and_replies.json"] = meta_json(threads).encode()
    personal = {"profile_user": [{"string_map_data": {
        "Username": {"value": IG_HANDLE}, "Name": {"value": FULL_NAME},
        "Email": {"value": "jordan.ashby@example.org"}, "Bio": {"value": "Paramedic. Runner. Coffee."},
        "Private Account": {"value": "False"}}, "media_map_data": {}}]}
    m["personal_information/personal_information/personal_information.json"] = meta_json(personal).encode()
    return m


# -- camera roll (a plain folder of photos) ------------------------------------------------------
def build_camera_roll() -> dict[str, bytes]:
    shots = [
        ("PXL_20230614_071200.jpg", "street", ts(2023, 6, 14, 7, 12), SERVICE_USER_HOME),
        ("PXL_20230621_073000.jpg", "street", ts(2023, 6, 21, 7, 30),
         (SERVICE_USER_HOME[0] + 0.0001, SERVICE_USER_HOME[1] - 0.0001)),
        ("PXL_20230702_080500.jpg", "street", ts(2023, 7, 2, 8, 5),
         (SERVICE_USER_HOME[0] - 0.0001, SERVICE_USER_HOME[1])),
        ("PXL_20240101_120000.jpg", "garden", ts(2024, 1, 1, 12, 0), (HOME[1], HOME[2])),
        ("PXL_20241002_064000.jpg", "badge", ts(2024, 10, 2, 6, 40), (STATION[1], STATION[2] + 0.0002)),
        ("PXL_20250720_153000.jpg", "beach", ts(2025, 7, 20, 15, 30), (54.4863, -0.6133)),
        ("IMG_0001.jpg", "pint", ts(2025, 12, 24, 21, 0), None),
    ]
    return {name: _jpeg(scene(kind), gps_exif(*(gps or (None, None)), when)) for name, kind, when, gps in shots}


# -- writing -----------------------------------------------------------------------------------
def write_zip(path: Path, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            zi = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, members[name])
    path.write_bytes(buf.getvalue())


def main(out: Path = HERE) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    tw, _ = build_twitter()
    written = []
    targets = {
        "twitter-2026-11-01-3f9a1c.zip": tw,
        "facebook-jordanashby-2026-11-01-Ab12Cd34.zip": build_facebook(),
        "instagram-jordan.ashby.runs-2026-11-01-Zx98Yw76.zip": build_instagram(),
    }
    for name, members in targets.items():
        write_zip(out / name, members)
        written.append(out / name)
    roll = out / "camera-roll"
    roll.mkdir(exist_ok=True)
    for name, data in build_camera_roll().items():
        (roll / name).write_bytes(data)
        written.append(roll / name)
    (out / "auditor.toml").write_text(PROFILE_TOML, encoding="utf-8")
    written.append(out / "auditor.toml")
    return written


if __name__ == "__main__":
    for p in main():
        print(p.relative_to(HERE.parent) if p.is_relative_to(HERE.parent) else p)
