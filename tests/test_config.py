"""config.dump: the profile file written by the app reads back as exactly what was given."""
from __future__ import annotations


def test_dump_round_trips_every_profile_field_and_the_scan_options():
    from auditor.config import Area, Config, Profile, Settings, Workplace, dump, parse
    cfg = Config(Profile(full_name='Sam "Sammy" O\'Neill', aliases=("Sam O",), handles=("@sam_o",),
                         employer="Westshire NHS Trust", employer_aliases=("WNT",),
                         workplaces=(Workplace("Station", 53.1, -1.5, 200.0),),
                         home=Area("Home", 53.2, -1.6, 150.0), regulator="NMC", profession="nurse"),
                 Settings(include_messages=True, ocr="off", redact=True))
    import tomllib
    back = parse(tomllib.loads(dump(cfg)))
    assert back.profile == cfg.profile
    assert (back.settings.include_messages, back.settings.ocr, back.settings.redact) == (True, "off", True)
