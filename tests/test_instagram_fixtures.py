"""Real Instagram export records (instagram-to-bluesky, MIT; see tests/fixtures/instagram/.../SOURCE.md)
put back at their archive paths, as a zip and a folder. The JSON is copied into tests/fixtures; the
media files are used from ../shared when it is present."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import shared_path

from auditor import pipeline
from auditor.config import Config
from auditor.model import Place

import test_instagram_json as j

FIX = Path(__file__).parent / "fixtures" / "instagram" / "instagram-to-bluesky"
SHARED = ("fixtures", "instagram", "instagram-to-bluesky", "transfer")
VIDEO_GPS = Place(53.141186112, 11.038734576, None, "exif-data")

# case -> (created_at, caption start, media kinds in order, place per media index)
EXPECTED = {
    "test_image": (datetime(2024, 8, 4, 19, 52, 37, tzinfo=timezone.utc), "A great rainy day lunch\n#italiansub",
                   ["photo"], {}),
    "test_images": (datetime(2022, 7, 26, 21, 45, 55, tzinfo=timezone.utc), "A lil flower garden update:\n\n",
                    ["photo"] * 5, {}),
    "test_mixed_media": (datetime(2024, 7, 7, 20, 35, 31, tzinfo=timezone.utc),
                         "What an incredible weekend day trip",
                         ["photo"] * 5 + ["video", "photo", "video", "photo", "video"], {}),
    "test_video": (datetime(2016, 3, 23, 11, 32, 16, tzinfo=timezone.utc), "Pokemon test video", ["video"],
                   {0: VIDEO_GPS}),
}
# media files of each case that the shared fixture set holds
PRESENT = {
    "test_image": ["454093999_1240420453752667_4632794683080840290_n_18047065138879510.jpg"],
    "test_images": ["media/posts/202207/295709430_3269025470003456_6772629498034016772_n_17932740269206594.webp"],
    "test_mixed_media": [
        "media/posts/202407/450098780_1665263484252935_8355389668902118342_n_18079198510496264.jpg",
        "media/posts/202407/AQNVWvxnmXorzrSI0J0eosdRGdRUnJ57Bnf2vKtZQymssIG7TF3Lj9IUeX3CPTLjOBbPKmQ45twXxXFJ6t4VMp_"
        "17995561811639023.mp4"],
    "test_video": [],
}


def members(case: str, with_media: bool) -> dict[str, bytes]:
    out = {"your_instagram_activity/media/posts_1.json": (FIX / case / "posts.json").read_bytes(),
           "your_instagram_activity/media/reels.json": (FIX / case / "reels.json").read_bytes()}
    if with_media:
        for rel in PRESENT[case]:
            out[rel] = shared_path(*SHARED, case, rel).read_bytes()
    return out


@pytest.mark.parametrize("case", sorted(EXPECTED))
@pytest.mark.parametrize("with_media", [False, True], ids=["json-only", "with-shared-media"])
def test_real_fixture_imports_exactly(make_archive, case, with_media):
    dets, posts, problems, _ = j.run(make_archive(members(case, with_media)))
    created, caption, kinds, places = EXPECTED[case]
    # reels.json repeats the post in test_mixed_media and test_video: one post each
    assert len(posts) == 1
    post = posts[0]
    assert (post.platform, post.kind, post.created_at) == ("instagram", "post", created)
    assert post.text.startswith(caption)
    assert [m.kind for m in post.media] == kinds
    assert {i: m.place for i, m in enumerate(post.media) if m.place} == places
    present = set(PRESENT[case]) if with_media else set()
    assert [m.path for m in post.media if not m.missing] == [p for p in (m.path for m in post.media)
                                                             if p in present]
    assert len(present) == sum(not m.missing for m in post.media)
    n_missing = len(kinds) - len(present)
    assert [p.member for p in problems] == (["your_instagram_activity/media/posts_1.json#0"] if n_missing else [])
    if n_missing:
        assert problems[0].message.startswith(f"{n_missing} media file")


def test_real_fixtures_through_the_pipeline(make_archive):
    paths = [str(make_archive(members(case, False), case)) for case in sorted(EXPECTED)]
    summaries, posts, problems, _ = pipeline.import_posts(pipeline.open_archives(paths), Config())
    assert [(s.platform, s.layout, s.posts, s.media) for s in summaries] == [
        ("instagram", "your_instagram_activity/media (2025+), JSON", 1, 1),
        ("instagram", "your_instagram_activity/media (2025+), JSON", 1, 5),
        ("instagram", "your_instagram_activity/media (2025+), JSON", 1, 10),
        ("instagram", "your_instagram_activity/media (2025+), JSON", 1, 1),
    ]
    assert len(posts) == 4
    gps = [(p.text, m.kind, m.place) for p in posts for m in p.media if m.place]
    assert gps == [("Pokemon test video", "video", VIDEO_GPS)]
