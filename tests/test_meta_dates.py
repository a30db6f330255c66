"""Dates as Meta's HTML exports print them, in the languages the exports come in (importers._dates),
and the two line shapes built on them: a date line, and an edit stamp (a short label and a date)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from auditor.importers._dates import parse_date, parse_time, stamp

UTC = timezone.utc


@pytest.mark.parametrize("text,want", [
    ("Oct 23, 2014, 11:20 PM", datetime(2014, 10, 23, 23, 20)),                   # English 2019-21
    ("Mar 02, 2019 09:15:27 pm", datetime(2019, 3, 2, 21, 15, 27)),              # English 2022+
    ("feb 10, 2024 9:30:47pm", datetime(2024, 2, 10, 21, 30, 47)),               # Spanish, English order
    ("10 de febrero de 2024 21:30", datetime(2024, 2, 10, 21, 30)),              # Spanish
    ("ene 31, 2024 1:32:51pm", datetime(2024, 1, 31, 13, 32, 51)),
    ("2 mars 2019 09:15", datetime(2019, 3, 2, 9, 15)),                          # French
    ("12 janv. 2023 à 14:05", datetime(2023, 1, 12, 14, 5)),
    ("févr. 12, 2023 2:05:32pm", datetime(2023, 2, 12, 14, 5, 32)),
    ("1er août 2021 08:00", datetime(2021, 8, 1, 8, 0)),
    ("12. Jan. 2023, 14:05", datetime(2023, 1, 12, 14, 5)),                      # German
    ("3. März 2020 um 07:45", datetime(2020, 3, 3, 7, 45)),
    ("31 mei 2024 23:59", datetime(2024, 5, 31, 23, 59)),                        # Dutch
    ("3 mrt 2023 15:04", datetime(2023, 3, 3, 15, 4)),
    ("5 giugno 2022 18:30", datetime(2022, 6, 5, 18, 30)),                       # Italian
    ("5 de junho de 2022 18:30", datetime(2022, 6, 5, 18, 30)),                  # Portuguese
    ("out 5, 2022 6:30:00pm", datetime(2022, 10, 5, 18, 30)),
    ("14 Rhagfyr 2012 14:45", datetime(2012, 12, 14, 14, 45)),                   # Welsh
    ("Gorffennaf 3, 2019 10:00 am", datetime(2019, 7, 3, 10, 0)),
    ("1 月 23, 2012 11:19:29 下午", datetime(2012, 1, 23, 23, 19, 29)),           # Chinese (Facebook 2025)
    ("2023年8月29日 02:33", datetime(2023, 8, 29, 2, 33)),                        # Chinese (Instagram 2023)
    ("2023年8月29日 下午2:33", datetime(2023, 8, 29, 14, 33)),
    ("2023년 8월 29일 오후 2:33", datetime(2023, 8, 29, 14, 33)),                   # Korean
    ("06.12.2012 14:45", datetime(2012, 12, 6, 14, 45)),                         # numeric, day first
    ("12/25/2012 14:45", datetime(2012, 12, 25, 14, 45)),                        # ... unless it cannot be
    ("2012-12-06 14:45:14", datetime(2012, 12, 6, 14, 45, 14)),
])
def test_dates_in_every_language(text, want):
    assert parse_time(text) == want.replace(tzinfo=UTC), text


def test_zone_and_explicit_offset():
    minus8 = timezone(timedelta(hours=-8))
    assert parse_time("Aug 09, 2026 9:49 am", minus8) == datetime(2026, 8, 9, 17, 49, tzinfo=UTC)
    m = parse_date("Lunes, 1 de abril de 2024 a las 21:16 UTC-07:00")
    assert m.when == datetime(2024, 4, 2, 4, 16, tzinfo=UTC) and m.leftover == ""


@pytest.mark.parametrize("text", ["", "Coffee before clinic", "at 12:30 today", "Feb 30, 2020 10:00",
                                  "13:00 pm Jan 1, 2020 x", "May 01, 2024 13:00 pm",
                                  "I met 6 friends on Jan 5, 2015 3:11 PM",
                                  "Jan 5 2015", "Mardi 12 mars 2019 à 14:05 et jeudi", "2023:08:29"])
def test_not_a_date_line(text):
    assert parse_time(text) is None, text


@pytest.mark.parametrize("text,label", [
    ("Updated Nov 7, 2014, 10:23 AM", "updated"),
    ("Mis à jour : 12 janv. 2023 14:05", "mis jour"),
    ("Actualizado feb 10, 2024 9:30:47pm", "actualizado"),
    ("Aktualisiert am 12. Jan. 2023, 14:05", "aktualisiert"),
    ("Bijgewerkt op 3 mrt 2023 15:04", "bijgewerkt"),
    ("Aggiornato il 5 giugno 2022 18:30", "aggiornato"),
    ("Atualizado em 5 de junho de 2022 18:30", "atualizado em"),
    ("Diweddarwyd 14 Rhagfyr 2012 14:45", "diweddarwyd"),
    ("已在 2015年1月5日 下午3:11 更新", "已在 更新"),
    ("Published on Mar 31, 2021, 4:00 PM", "published"),
])
def test_edit_stamps_in_every_language(text, label):
    got = stamp(text)
    assert got is not None and got[0] == label, (text, got)
    assert parse_time(text) is None                 # a stamp is not a bare date line


@pytest.mark.parametrize("text", ["Oct 23, 2014, 11:20 PM", "Lovely dinner with the team, 12 Jan 2023 14:05!",
                                  "Back on the ward from Jan 5, 2015 3:11 PM until Friday",
                                  "Mis à jour", "Updated 12 times"])
def test_not_a_stamp(text):
    assert stamp(text) is None, text


def test_longer_stamp_labels():
    assert stamp("Date de mise à jour : 12 janv. 2023 14:05")[0] == "date mise jour"
    assert stamp("Zuletzt aktualisiert am 12. Jan. 2023, 14:05")[0] == "zuletzt aktualisiert"
    assert stamp("Laatst bijgewerkt op 3 mrt 2023 15:04")[0] == "laatst bijgewerkt"
