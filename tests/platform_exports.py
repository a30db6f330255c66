"""Invented exports for the TikTok, LinkedIn, Reddit, Mastodon and Bluesky importers, built from
plain text at test time (the tests make zips and folders of them; the fuzz harness seeds from them).

The owner is an invented paramedic, Morgan Ashdown; everyone else is invented too. Each builder
returns {member path: bytes} and the module-level EXPECTED says what the importer must find.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BLUESKY_DIR = FIXTURES / "bluesky" / "indigo"


def jpeg_with_gps(lat=(53, 48, 0), lon=(1, 32, 0)) -> bytes:
    import piexif
    gps = {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: tuple((v, 1) for v in lat),
           piexif.GPSIFD.GPSLongitudeRef: b"W", piexif.GPSIFD.GPSLongitude: tuple((v, 1) for v in lon)}
    exif = piexif.dump({"0th": {}, "Exif": {}, "GPS": gps, "1st": {}, "thumbnail": None})
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(buf, "JPEG", quality=80, exif=exif)
    return buf.getvalue()


# -- LinkedIn --------------------------------------------------------------------------------
# LinkedIn writes a quote inside a cell as \" and wraps every line of a multi-line share in quotes.
SHARES = (
    'Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n'
    '2024-03-01 09:15:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7100000000000000001,'
    '"Proud to finish my first year as a paramedic with the invented ambulance trust.","","",MEMBER_NETWORK\n'
    '2024-04-02 18:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7100000000000000002,'
    '"Three things I learnt on nights:""\n""""\n""Sleep first.""\n""Eat second.""\n""Then the paperwork.",'
    '"","",MEMBER_NETWORK\n'
    '2024-05-03 07:30:00,https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A7100000000000000003,'
    '"My mentor said \\"always check the scene twice\\", and she was right.","","",PUBLIC\n'
    '2024-06-04 12:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7100000000000000004,,'
    'https://example.org/invented-article,,MEMBER_NETWORK\n'
)
COMMENTS = (
    'Date,Link,Message\n'
    '2024-03-05 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7100000000000000101,'
    '"Jordan Pike Congratulations, well deserved!"\n'
    '2024-03-06 11:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7100000000000000102,'
    '"Alex Reed I told the crew \\"no more biscuits\\" and they ignored me.\n\nSecond paragraph here."\n'
)
REACTIONS = (
    'Date,Type,Link\n'
    '2024-03-07 08:00:00,LIKE,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7100000000000000201\n'
    '2024-03-08 08:00:00,PRAISE,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7100000000000000202\n'
)
RICH_MEDIA = (
    'Date/Time,Media Description,Media Link\n'
    '"You uploaded a feed photo on March 5, 2024 at 4:38 PM (GMT)",Our new station,'
    'https://media.licdn.com/dms/image/invented/feedshare-shrink_800/0/1\n'
)
PROFILE = (
    'First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,Geo Location,'
    'Twitter Handles,Websites,Instant Messengers\n'
    'Morgan,Ashdown,Keld,,,"Paramedic | Invented Ambulance Trust","Frontline paramedic, mentor to students.",'
    'Hospitals and Health Care,,"Leeds, England, United Kingdom",[morgan_invented],,\n'
)
POSITIONS = (
    'Notes:\n"This file lists the positions on your profile."\n\n'
    'Company Name,Title,Description,Location,Started On,Finished On\n'
    'Invented Ambulance Trust,Paramedic,"Emergency response.\nMentoring students.",Leeds,Mar 2023,\n'
    'Invented Care Home,Care Assistant,,Bradford,Jan 2020,Feb 2023\n'
)


def linkedin_export() -> dict[str, bytes]:
    return {"Shares.csv": SHARES.encode(), "Comments.csv": COMMENTS.encode(), "Reactions.csv": REACTIONS.encode(),
            "Rich_Media.csv": RICH_MEDIA.encode(), "Profile.csv": PROFILE.encode(),
            "Positions.csv": POSITIONS.encode(), "Connections.csv": b"Notes:\n\"none\"\n\nFirst Name,Last Name\n"}


# -- Reddit ------------------------------------------------------------------------------------
REDDIT_POSTS = (
    'id,permalink,date,ip,subreddit,gildings,title,url,body\n'
    'abc101,https://www.reddit.com/r/paramedics/comments/abc101/night_shifts/,2023-01-15 12:34:56 UTC,'
    '192.0.2.10,paramedics,0,Night shifts,,"How do you all sleep after nights? I use ""blackout"" blinds.\n\n'
    'Second paragraph."\n'
    'abc102,/r/leeds/comments/abc102/parking/,2023-02-01 08:00:00 UTC,192.0.2.10,leeds,0,Parking near the station,'
    'https://example.org/map,\n'
)
REDDIT_COMMENTS = (
    'id,permalink,date,ip,subreddit,gildings,link,parent,body,media\n'
    'c001,https://www.reddit.com/r/paramedics/comments/abc101/night_shifts/c001/,2023-01-15 13:00:00 UTC,'
    '192.0.2.10,paramedics,0,https://www.reddit.com/r/paramedics/comments/abc101/,t3_abc101,Thanks all!,\n'
    'c002,https://www.reddit.com/r/leeds/comments/xyz/other/c002/,2023-03-01 09:00:00 UTC,192.0.2.10,leeds,0,'
    'https://www.reddit.com/r/leeds/comments/xyz/,t3_xyz,[deleted],\n'
    'c003,https://www.reddit.com/r/leeds/comments/xyz/other/c003/,2023-03-02 09:00:00 UTC,192.0.2.10,leeds,0,'
    'https://www.reddit.com/r/leeds/comments/xyz/,t1_c002,"A comma, a ""quote"" and &amp; an entity",\n'
)


def reddit_export() -> dict[str, bytes]:
    return {"posts.csv": REDDIT_POSTS.encode(), "comments.csv": REDDIT_COMMENTS.encode(),
            "statistics.csv": b"statistic,value\naccount name,morgan_invented\n",
            "post_votes.csv": b"id,permalink,direction\nabc9,https://www.reddit.com/r/x/comments/abc9/,up\n"}


# -- TikTok --------------------------------------------------------------------------------------
def tiktok_current() -> dict[str, bytes]:
    doc = {
        "Profile": {"Profile Information": {"ProfileMap": {
            "userName": "morgan.invented", "bioDescription": "Paramedic &amp; runner. Views my own.",
            "likesReceived": "120"}}},
        "Post": {"Posts": {"VideoList": [
            {"Date": "2024-12-15 19:03:14", "Link": "https://www.tiktokv.com/share/video/7440000000000000001/",
             "Likes": "12", "WhoCanView": "Everyone", "Title": "Day in the life on the ambulance #paramedic",
             "Location": "Leeds"},
            {"Date": "2024-12-20 07:00:00", "Link": "https://www.tiktokv.com/share/video/7440000000000000002/",
             "Likes": "3", "WhoCanView": "Friends", "Title": ""}]},
            "Recently Deleted Posts": {"PostList": [
                {"Date": "2024-11-01 10:00:00", "Link": "https://www.tiktokv.com/share/video/7440000000000000003/",
                 "Title": "Deleted one"}]}},
        "Comment": {"Comments": {"CommentsList": [
            {"date": "2024-12-16 09:00:00", "comment": "Thank you, stay safe!", "photo": "N/A", "url": ""},
            {"date": "2024-12-17 09:00:00", "comment": "Same here 😂", "photo": "N/A", "url": ""}]}},
        "Your Activity": {
            "Like List": {"ItemFavoriteList": [
                {"date": "2024-12-18 10:00:00", "link": "https://www.tiktokv.com/share/video/7440000000000000101/"},
                {"date": "2024-12-18 10:05:00", "link": "https://www.tiktokv.com/share/video/7440000000000000102/"}]},
            "Favorite Videos": {"FavoriteVideoList": [
                {"Date": "2024-12-19 10:00:00", "Link": "https://www.tiktokv.com/share/video/7440000000000000201/"}]},
            "Watch History": {"VideoList": [{"Date": "2024-12-19 10:00:00",
                                             "Link": "https://www.tiktokv.com/share/video/7440000000000000301/"}]}},
        "Direct Message": None,
        "Tiktok Live": None,
    }
    return {"TikTok_Data/user_data_tiktok.json": json.dumps(doc, indent=2, ensure_ascii=False).encode()}


def tiktok_null_videos() -> dict[str, bytes]:
    """The older user_data.json whose video list is null (an account that never posted)."""
    doc = {"Activity": {"Like List": {"ItemFavoriteList": None}, "Favorite Videos": {"FavoriteVideoList": None}},
           "Comment": {"Comments": {"CommentsList": None}},
           "Profile": {"Profile Information": {"ProfileMap": {"userName": "quiet.invented", "bioDescription": ""}}},
           "Video": {"Videos": {"VideoList": None}}}
    return {"user_data.json": json.dumps(doc).encode()}


def tiktok_txt() -> dict[str, bytes]:
    return {
        "Videos/Videos.txt": b"Date: 2019-05-01 10:00:00\nVideo Link: https://www.tiktokv.com/share/video/6700000000000000001/\n"
                             b"Likes: 4\n\nDate: 2019-05-02 11:00:00\nVideo Link: "
                             b"https://www.tiktokv.com/share/video/6700000000000000002/\nLikes: 0\n",
        "Comments/Comments.txt": b"Date: 2019-05-03 12:00:00\nComment: Great tips, thanks\n\n"
                                 b"Date: 2019-05-04 12:00:00\nComment: First line\nsecond line\n",
        "Activity/Like List.txt": b"Date: 2019-05-05 12:00:00\nVideo Link: "
                                  b"https://www.tiktokv.com/share/video/6700000000000000101/\n",
        "Profile/Profile Info.txt": b"Username: morgan.invented\nBio Description: Student paramedic\n",
    }


# -- Mastodon ----------------------------------------------------------------------------------
MASTO = "https://social.invented.example"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
FOLLOWERS = f"{MASTO}/users/morgan/followers"


def _create(sid: str, content: str, published: str, to: list, cc: list, **obj) -> dict:
    o = {"id": f"{MASTO}/users/morgan/statuses/{sid}", "type": "Note", "summary": None, "inReplyTo": None,
         "published": published, "url": f"{MASTO}/@morgan/{sid}", "attributedTo": f"{MASTO}/users/morgan",
         "to": to, "cc": cc, "sensitive": False, "content": content, "attachment": [], "tag": []}
    o.update(obj)
    return {"id": f"{MASTO}/users/morgan/statuses/{sid}/activity", "type": "Create",
            "actor": f"{MASTO}/users/morgan", "published": published, "to": to, "cc": cc, "object": o}


MEDIA_PATH = "media_attachments/files/110/000/000/000/000/001/original/a1b2c3d4e5f6.jpeg"


def mastodon_export() -> dict[str, bytes]:
    items = [
        _create("110000000000000001", "<p>Back on shift tonight. Hello <a href=\"https://other.example/@sam\" "
                "class=\"u-url mention\">@<span>sam</span></a> &amp; team!</p><p>Second paragraph<br>new line</p>",
                "2023-05-01T20:00:00Z", [PUBLIC], [FOLLOWERS]),
        _create("110000000000000002", "<p>Our station at dawn <a href=\"https://example.org/long/path\">"
                "<span class=\"invisible\">https://</span><span>example.org/long/</span>"
                "<span class=\"invisible\">path</span></a></p>",
                "2023-05-02T06:00:00Z", [FOLLOWERS], [], summary="work photo",
                inReplyTo=f"{MASTO}/users/morgan/statuses/110000000000000001", sensitive=True,
                attachment=[{"type": "Document", "mediaType": "image/jpeg",
                             "url": "/invented-bucket/" + MEDIA_PATH, "name": "The ambulance bay at dawn"}]),
        _create("110000000000000003", "<p><span class=\"h-card\">@<span>sam</span></span> see you at 7</p>",
                "2023-05-03T07:00:00Z", ["https://other.example/users/sam"], []),
        {"id": f"{MASTO}/users/morgan/statuses/110000000000000004/activity", "type": "Announce",
         "actor": f"{MASTO}/users/morgan", "published": "2023-05-04T09:00:00Z", "to": [PUBLIC], "cc": [FOLLOWERS],
         "object": "https://other.example/users/sam/statuses/99"},
        _create("110000000000000005", "<p>Which shift pattern?</p>", "2023-05-05T09:00:00Z", [FOLLOWERS], [PUBLIC],
                type="Question", oneOf=[{"type": "Note", "name": "Four on four off"},
                                        {"type": "Note", "name": "Five and two"}]),
    ]
    outbox = {"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json", "type": "OrderedCollection",
              "totalItems": 7, "orderedItems": items}
    actor = {"id": f"{MASTO}/users/morgan", "type": "Person", "preferredUsername": "morgan",
             "name": "Morgan Ashdown", "summary": "<p>Paramedic in Leeds. Views my own.</p>",
             "url": f"{MASTO}/@morgan", "published": "2022-11-01T00:00:00Z",
             "attachment": [{"type": "PropertyValue", "name": "Work", "value": "Invented Ambulance Trust"}],
             "icon": {"type": "Image", "mediaType": "image/png", "url": "/avatar.png"}}
    likes = {"type": "OrderedCollection", "orderedItems": ["https://other.example/users/sam/statuses/77"]}
    return {"outbox.json": json.dumps(outbox, indent=1).encode(), "actor.json": json.dumps(actor).encode(),
            "likes.json": json.dumps(likes).encode(), "bookmarks.json": b'{"orderedItems": []}',
            MEDIA_PATH: jpeg_with_gps()}


# -- Bluesky -----------------------------------------------------------------------------------
def bluesky_cars() -> dict[str, Path]:
    return {p.name: p for p in sorted(BLUESKY_DIR.rglob("*.car"))}


def bluesky_export(name: str = "bnewbold.robocracy.org.20250310005405.car") -> dict[str, bytes]:
    return {name: bluesky_cars()[name].read_bytes()}


SEEDS = {
    "linkedin": linkedin_export, "reddit": reddit_export, "tiktok": tiktok_current,
    "tiktok-null": tiktok_null_videos, "tiktok-txt": tiktok_txt, "mastodon": mastodon_export,
    "bluesky": bluesky_export,
}
