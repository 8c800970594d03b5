"""Signatures, lead dates and URL helpers of the extract stage."""

from __future__ import annotations

from datetime import date

from veille.extract.metadata import (
    date_in_url,
    find_copyright_holder,
    find_lead_date,
    parse_signature,
    site_host,
)


def test_metadata_signatures():
    sig = parse_signature("M.K. Diallo (sahelnews.net)")
    assert sig is not None and (sig.author, sig.outlet) == ("M.K. Diallo", "sahelnews.net")
    sig = parse_signature("lequotidien")
    assert sig is not None and (sig.author, sig.outlet) == (None, "lequotidien")
    assert parse_signature("Le ministre a quitté Bamako hier soir.") is None
    assert parse_signature("Commentaires") is None


def test_metadata_copyright_holder():
    assert (
        find_copyright_holder(["Tél: 00 00", "Copyright © 2019, Sahel Hebdo. Tous droits réservés."])
        == "Sahel Hebdo"
    )
    assert find_copyright_holder(["Rien à voir"]) is None


def test_metadata_lead_dates():
    assert find_lead_date("Il est arrivé le lundi 06 février 2023 pour deux jours.") == date(2023, 2, 6)
    assert find_lead_date("La visite a lieu les 14 et 15 mars 2022 à Dakar.") == date(2022, 3, 14)
    assert find_lead_date("Publié le 06/02/2023 à 10h") == date(2023, 2, 6)
    assert find_lead_date("The talks opened on March 3, 2021 in Geneva.") == date(2021, 3, 3)
    assert find_lead_date("En janvier dernier, le président a parlé.") is None
    assert find_lead_date("Il y a 2 heures") is None


def test_metadata_url_helpers():
    assert site_host("https://www.actu.example/a/b") == "actu.example"
    assert site_host(None) is None
    assert date_in_url("https://x.example/2023/02/06/visite", date(2023, 2, 6))
    assert not date_in_url("https://x.example/visite", date(2023, 2, 6))
