from catalog import regions


def test_twelve_regions_with_names_in_three_languages() -> None:
    rs = regions.regions()
    assert [r.code for r in rs] == [f"{i:02d}" for i in range(1, 13)]
    souss = regions.region("09")
    assert souss is not None
    assert souss.name("fr") == "Souss-Massa"
    assert souss.name("ar") == "سوس-ماسة"
    assert souss.capital_fr == "Agadir"


def test_75_provinces_and_prefectures_plus_casablanca_arrondissements() -> None:
    ps = regions.provinces()
    assert len(ps) == 83
    assert sum(1 for p in ps if p.kind != "prefecture_of_arrondissements") == 75
    assert sum(len(regions.provinces_of(r.code)) for r in regions.regions()) == 75


def test_province_belongs_to_its_region() -> None:
    assert regions.is_valid_pair("06", "06.141")
    assert not regions.is_valid_pair("09", "06.141")
    assert not regions.is_valid_pair("09", "99.999")


def test_attribution_credits_hcp() -> None:
    assert "Haut-Commissariat au Plan" in regions.ATTRIBUTION
