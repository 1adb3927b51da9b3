"""Issue 15: the banner runtime sends a decision again until the collector has acknowledged it
(network error, 503), once within the page and on the next page view at the latest, always the
same record (consent ID and time), which the collector stores once."""

import pytest
from test_banner_runtime import Site

pytestmark = pytest.mark.browser


@pytest.fixture
def site(page):
    return Site(page)


def _pending(site) -> bool:
    value = site.cookies()["consentserve_consent"]["value"].replace("%7C", "|")
    return len(value.split("|")) > 9


def _same_record(first, second):
    for field in ("consent_id", "time", "action", "layer", "path", "language", "categories"):
        assert first[field] == second[field], field


def test_a_503_is_sent_again_within_the_page(site):
    site.collector_answers = [503]
    site.open()
    site.button("Alle akzeptieren").click()
    site.wait_for_beacons(1)
    assert _pending(site)
    site.wait_for_beacons(2)  # once more, 2 s later
    _same_record(site.beacons[0], site.beacons[1])
    site.page.wait_for_function(
        "!decodeURIComponent(document.cookie).split('consentserve_consent=')[1]"
        ".split(';')[0].split('|')[9]"
    )
    assert not _pending(site)
    # Acknowledged: the next page view sends nothing.
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 3")
    site.page.wait_for_timeout(300)
    assert len(site.beacons) == 2


def test_a_decision_lost_to_the_network_goes_again_on_the_next_page_view(site):
    site.collector_answers = ["abort", "abort"]  # the try and the one more 2 s later
    site.open()
    site.button("Alle ablehnen").click()
    site.wait_for_beacons(1)
    site.wait_for_beacons(2)
    site.page.wait_for_timeout(300)
    assert _pending(site)
    assert len(site.beacons) == 2  # no more within the page: the next page view sends it
    site.page.reload()
    site.wait_for_beacons(3)
    _same_record(site.beacons[0], site.beacons[2])
    assert site.beacons[2]["action"] == "reject_all"
    site.page.wait_for_timeout(300)
    assert not _pending(site)
    assert site.banner().count() == 0  # the decision itself held all along
    site.page.reload()
    site.page.wait_for_timeout(2500)
    assert len(site.beacons) == 3


def test_a_record_the_collector_refuses_for_good_is_not_sent_again(site):
    site.collector_answers = [422]
    site.open()
    site.button("Alle akzeptieren").click()
    site.wait_for_beacons(1)
    site.page.wait_for_timeout(300)
    assert not _pending(site)
    site.page.reload()
    site.page.wait_for_function("window.ran.length === 3")
    site.page.wait_for_timeout(300)
    assert len(site.beacons) == 1
