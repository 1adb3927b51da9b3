"""The statistics page of an installation in the portal and its CSV (R-B3-2 for the scoping):
every number comes from the roll-ups the collector's writer keeps, computed by the same
selector as the API's statistics; the period and filters narrow them; bad input is a 400 with
the form's message; the charts are inline SVG with a text alternative and a table."""

import csv
import io
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from test_browser_pages import Problems
from test_browser_portal import signed_in
from test_consent_log_factories import START, make_records, published, republish
from test_portal_factories import make_customer
from test_portal_isolation import portal_patterns

from consentserve.accounts.models import User
from consentserve.collector import statistics as stats
from consentserve.collector.models import ACTIONS, ConsentDailyStat, ConsentRecord
from consentserve.collector.rollups import rollups_add, totals_from_records, totals_stored

pytestmark = [pytest.mark.django_db, pytest.mark.req("R-B3-2")]

PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-03"}


def stored(records):
    """Count records as the writer does (its RollupWriter, in the records' transaction)."""
    with transaction.atomic():
        rollups_add(records)
    return records


@pytest.fixture
def shop():
    customer = make_customer("a", "Alpha GmbH")
    installation, version = published(customer)
    customer.installation, customer.version = installation, version
    return customer


@pytest.fixture
def decisions(shop):
    """Eight decisions on 1 March (desktop, de and en), three on 2 March from phones, one on
    5 March: outside PERIOD."""
    records = make_records(shop.installation, shop.version, 8, at=START)
    records += make_records(
        shop.installation,
        shop.version,
        3,
        first=8,
        at=START + timedelta(days=1),
        browser="Mobile Safari",
        os="iOS",
    )
    records += make_records(
        shop.installation, shop.version, 1, first=11, at=START + timedelta(days=4)
    )
    return stored(records)


def url(customer, name="statistics/"):
    org, pk = customer.organisation.pk, customer.installation.pk
    return f"/en/portal/o/{org}/installations/{pk}/{name}"


def client_for(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def expected(records, first=date(2026, 3, 1), last=date(2026, 3, 3), **only) -> dict:
    """What the page must show, counted from the records themselves (not from the roll-ups)."""
    days = {}
    for record in records:
        day = record.created_at.astimezone(UTC).date()
        if not first <= day <= last:
            continue
        if any(getattr(record, key) != value for key, value in only.items()):
            continue
        days.setdefault(day, Counter())[record.action] += 1
    return days


def csv_rows(response) -> list[list[str]]:
    body = response.content.decode()
    return list(csv.reader(io.StringIO(body)))


def table_after(html: str, caption: str) -> str:
    """The <table> whose caption is `caption`."""
    start = html.index(f'<caption class="visually-hidden">{caption}</caption>')
    return html[start : html.index("</table>", start)]


def cells(row_html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_html)
    ]


def test_numbers_on_the_page_equal_the_rollups_of_the_writer(shop, decisions):
    response = client_for(shop.owner).get(url(shop), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    counted = expected(decisions)
    total = sum(sum(c.values()) for c in counted.values())
    assert total == 11
    assert response.context["total"] == total
    # The totals: counts and shares of every action.
    totals = {item["action"]: (item["count"], item["share"]) for item in response.context["totals"]}
    by_action = Counter()
    for counts in counted.values():
        by_action.update(counts)
    for action in ACTIONS:
        share = f"{100 * by_action[action] / total:.1f} %"
        assert totals[action] == (str(by_action[action]), share), action
    # The same numbers as the API's document for the period.
    document = stats.statistics(shop.installation, first=date(2026, 3, 1), last=date(2026, 3, 3))
    assert document["total"] == total
    assert document["actions"] == {a: by_action[a] for a in ACTIONS}
    # The table per day: one row a day, days without decisions too.
    table = table_after(html, "Decisions per day by action")
    rows = [cells(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]
    assert [row[0] for row in rows] == ["1 Mar 2026", "2 Mar 2026", "3 Mar 2026"]
    for row, day in zip(rows, (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)), strict=True):
        counts = counted.get(day, Counter())
        assert row[1:] == [str(sum(counts.values()))] + [str(counts[a]) for a in ACTIONS]
    # Charts: inline SVG with a summary as their name and a table of the same numbers.
    assert html.count('<svg class="stats-chart" role="img"') == 6
    assert (
        'aria-label="Decisions per day from 1 Mar 2026 to 3 Mar 2026, stacked by action: '
        '11 in total, most on 1 Mar 2026 (8)."' in html
    )
    devices = cells(table_after(html, "Decisions by device class"))
    assert devices[devices.index("Desktop") + 1 : devices.index("Desktop") + 3] == ["8", "72.7 %"]
    assert devices[devices.index("Mobile") + 1 : devices.index("Mobile") + 3] == ["3", "27.3 %"]
    languages = cells(table_after(html, "Decisions by language"))
    de = sum(1 for r in decisions[:11] if r.language == "de")
    assert languages[languages.index("German") + 1] == str(de)
    assert languages[languages.index("English") + 1] == str(11 - de)


def test_opt_in_rates_equal_the_records_choices(shop, decisions):
    response = client_for(shop.viewer).get(url(shop), PERIOD)
    html = response.content.decode()
    in_period = decisions[:11]
    for row in re.findall(r"<tr>(.*?)</tr>", table_after(html, "Opt-in rate per service"), re.S)[
        1:
    ]:
        name, offered, granted, rate = cells(row)
        service = {"YouTube": "youtube", "Cloudflare": "cloudflare"}[name]
        choices = [r.choices["services"][service] for r in in_period]
        assert (offered, granted) == (str(len(choices)), str(sum(choices)))
        assert rate == f"{100 * sum(choices) / len(choices):.1f} %"
    categories = cells(table_after(html, "Opt-in rate per category"))
    assert categories[categories.index("Necessary") + 1 : categories.index("Necessary") + 4] == [
        "11",
        "11",
        "100.0 %",
    ]
    assert 'aria-label="Opt-in rate per category: Necessary 100.0 %' in html


def test_csv_holds_the_numbers_per_day_of_the_period_and_filters(shop, decisions):
    client = client_for(shop.viewer)
    response = client.get(url(shop, "statistics.csv"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["day", "decisions", *ACTIONS]
    counted = expected(decisions)
    assert rows[1:] == [
        [day.isoformat(), str(sum(counted.get(day, Counter()).values()))]
        + [str(counted.get(day, Counter())[a]) for a in ACTIONS]
        for day in (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3))
    ]
    # The roll-ups hold the same: the CSV reads nothing else.
    stored_total = sum(
        ConsentDailyStat.objects.filter(day__lte=date(2026, 3, 3)).values_list(
            "decisions", flat=True
        )
    )
    assert sum(int(row[1]) for row in rows[1:]) == stored_total == 11
    mobile = csv_rows(client.get(url(shop, "statistics.csv"), PERIOD | {"device": "mobile"}))
    assert [row[1] for row in mobile[1:]] == ["0", "3", "0"]


def test_the_numbers_stay_when_the_records_are_deleted(shop, decisions):

    ConsentRecord.objects.all()._raw_delete(ConsentRecord.objects.db)
    response = client_for(shop.viewer).get(url(shop), PERIOD)
    assert response.context["total"] == 11


@pytest.mark.parametrize(
    ("narrow", "only"),
    [
        ({"language": "de"}, {"language": "de"}),
        ({"language": "en"}, {"language": "en"}),
        ({"device": "mobile"}, {"os": "iOS"}),
        ({"device": "desktop"}, {"browser": "Chrome"}),
    ],
)
def test_filters_narrow_the_decisions(shop, decisions, narrow, only):
    response = client_for(shop.viewer).get(url(shop), PERIOD | narrow)
    assert response.status_code == 200
    if "browser" in only:  # desktop: every record of the factory that is no phone
        want = expected([r for r in decisions if r.os != "iOS"])
    else:
        want = expected(decisions, **only)
    assert response.context["total"] == sum(sum(c.values()) for c in want.values())
    assert response.context["narrowed"] is True
    assert "they are not kept by language, device class or version" in response.content.decode()


def test_the_version_filter_counts_that_versions_decisions(shop, decisions):
    second = republish(shop.installation, shop)
    stored(make_records(shop.installation, second, 5, first=20, at=START + timedelta(days=2)))
    client = client_for(shop.viewer)
    assert client.get(url(shop), PERIOD).context["total"] == 16
    assert client.get(url(shop), PERIOD | {"version": "2"}).context["total"] == 5
    assert client.get(url(shop), PERIOD | {"version": "1"}).context["total"] == 11
    assert client.get(url(shop), PERIOD | {"version": "3"}).status_code == 400


def test_presets_and_the_default_period(shop):
    now = datetime.now(tz=UTC)
    stored(make_records(shop.installation, shop.version, 2, at=now - timedelta(days=10)))
    stored(make_records(shop.installation, shop.version, 3, first=2, at=now - timedelta(days=40)))
    client = client_for(shop.viewer)
    default = client.get(url(shop))
    assert default.status_code == 200
    assert (default.context["first"], default.context["last"]) == (
        now.date() - timedelta(days=29),
        now.date(),
    )
    assert default.context["total"] == 2
    assert [p.current for p in default.context["presets"]] == [False, True, False]
    assert client.get(url(shop), {"period": "7"}).context["total"] == 0
    assert client.get(url(shop), {"period": "90"}).context["total"] == 5
    narrowed = client.get(url(shop), {"period": "90", "language": "de"})
    assert narrowed.context["presets"][0].url == "?period=7&language=de"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-01", "date_to": "2026-03-03"}, "Enter a valid date."),
        ({"date_from": "yesterday", "date_to": "2026-03-03"}, "Enter a valid date."),
        ({"date_from": "2026-03-03", "date_to": "2026-03-01"}, "The end must not be before"),
        ({"date_from": "2025-01-01", "date_to": "2026-01-02"}, "at most 366 days"),
        ({"date_from": "2026-03-01"}, "Please give the end of the period too."),
        ({"date_to": "0001-01-01"}, "Please give the start of the period too."),
        ({"period": "13"}, "Select a valid choice."),
        ({"period": "7", "date_from": "2026-03-01", "date_to": "2026-03-02"}, "not both"),
        ({"device": "fridge"}, "Select a valid choice."),
        ({"language": "fr"}, "Select a valid choice."),
        ({"version": "x"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_400_with_the_message(shop, params, message):
    client = client_for(shop.viewer)
    response = client.get(url(shop), params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Error:" in response.content.decode()
    download = client.get(url(shop, "statistics.csv"), params)
    assert download.status_code == 400
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert message in download.content.decode()


def test_a_whole_leap_year_is_allowed(shop, decisions):
    response = client_for(shop.viewer).get(
        url(shop), {"date_from": "2024-01-01", "date_to": "2024-12-31"}
    )
    assert response.status_code == 200
    assert response.context["day_count"] == 366


def test_empty_period_shows_a_friendly_state_and_no_charts(shop, decisions):
    response = client_for(shop.viewer).get(
        url(shop), {"date_from": "2026-02-01", "date_to": "2026-02-20"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "No decisions in this period." in html
    assert '<svg class="stats-chart"' not in html
    assert "statistics.csv" not in html


def test_every_member_reads_another_organisation_gets_404(shop, decisions):
    for member in (shop.owner, shop.admin, shop.viewer):
        assert client_for(member).get(url(shop), PERIOD).status_code == 200
    other = make_customer("b", "Beta AG")
    client = client_for(other.owner)
    assert client.get(url(shop), PERIOD).status_code == 404
    assert client.get(url(shop, "statistics.csv"), PERIOD).status_code == 404
    # B's organisation in the URL with A's installation: 404 as well.
    own = f"/en/portal/o/{other.organisation.pk}/installations/{shop.installation.pk}/"
    assert client.get(own + "statistics/").status_code == 404
    assert client.get(own + "statistics.csv").status_code == 404
    assert Client().get(url(shop)).status_code == 302


def test_page_in_german_and_linked_from_the_installation_and_its_log(shop, decisions):
    client = client_for(shop.viewer)
    german = client.get(url(shop).replace("/en/", "/de/"), PERIOD)
    assert german.status_code == 200
    html = german.content.decode()
    assert "Statistik" in html
    assert "Als Tabelle anzeigen" in html
    assert "72,7 %" in html  # numbers in the page's language
    org, pk = shop.organisation.pk, shop.installation.pk
    statistics_url = f"/en/portal/o/{org}/installations/{pk}/statistics/"
    detail = client.get(f"/en/portal/o/{org}/installations/{pk}/").content.decode()
    assert statistics_url in detail
    log = client.get(f"/en/portal/o/{org}/installations/{pk}/consents/").content.decode()
    assert statistics_url in log


def test_the_selector_sums_match_the_api_document(shop, decisions):
    """The API reads through the same selector: its document is the page's numbers."""
    client = client_for(shop.viewer)
    page = client.get(url(shop), PERIOD).context
    document = stats.statistics(shop.installation, first=date(2026, 3, 1), last=date(2026, 3, 3))
    assert [sum(d["actions"].values()) for d in document["days"]] == [
        int(row["total"]) for row in page["days"]
    ]
    assert [c["rate"] for c in document["categories"]] == [
        round(bar.value / bar.of, 4) if bar.of else None for bar in page["category_bars"]
    ]


def test_both_routes_are_in_the_isolation_sweep():

    names = {name for name, _pattern in portal_patterns()}
    assert {"installation-statistics", "installation-statistics-csv"} <= names


def test_the_demo_shop_has_statistics():

    call_command("demo_data")
    viewer = User.objects.get(email="lena.schmidt@example.com")
    installation = viewer.memberships.get().organisation.installations.get()
    client = Client()
    client.force_login(viewer)
    org = installation.organisation_id
    response = client.get(f"/en/portal/o/{org}/installations/{installation.pk}/statistics/")
    assert response.status_code == 200
    assert response.context["total"] > 300
    # Counted into the roll-ups exactly: the records and the counts agree.

    stored_counts = totals_stored(installation.pk)
    from_records = totals_from_records(installation.pk)
    assert {k: dict(+v) for k, v in stored_counts.daily.items()} == {
        k: dict(+v) for k, v in from_records.daily.items()
    }
    assert dict(stored_counts.opt_in) == dict(from_records.opt_in)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_render_in_chromium_for_the_demo_viewer(page, live_server):

    call_command("demo_data")
    viewer = User.objects.get(email="lena.schmidt@example.com")
    installation = viewer.memberships.get().organisation.installations.get()
    signed_in(page, live_server, viewer)
    problems = Problems(page)
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective));"
    )
    path = f"/portal/o/{installation.organisation_id}/installations/{installation.pk}/statistics/"
    last = datetime.now(tz=UTC).date()
    first = last - timedelta(days=29)
    stored_days = {
        day: n
        for day, n in ConsentDailyStat.objects.filter(
            installation=installation, day__gte=first, day__lte=last
        )
        .values_list("day")
        .annotate(n=Sum("decisions"))
        .order_by()
    }
    for language, title in (("en", "Decisions per day"), ("de", "Entscheidungen pro Tag")):
        response = page.goto(f"{live_server.url}/{language}{path}")
        assert response.status == 200
        chart = page.locator("svg#chart-daily")
        assert chart.get_attribute("role") == "img"
        assert chart.get_attribute("aria-label").startswith(title)
        assert chart.locator("rect").count() > 30
        assert chart.bounding_box()["height"] > 100  # drawn, not collapsed by a blocked style
        for chart_id in ("shares", "categories", "services", "languages", "devices"):
            assert page.locator(f"svg#chart-{chart_id}[role=img]").get_attribute("aria-label")
        table = page.locator("details.stats-table").first
        assert not table.locator("table").is_visible()
        table.locator("summary").click()
        assert table.locator("table").is_visible()
        rows = table.locator("tbody tr")
        assert rows.count() == 30
        shown = [int(rows.nth(i).locator("td").first.inner_text()) for i in range(30)]
        assert shown == [stored_days.get(first + timedelta(days=i), 0) for i in range(30)]
        # Coloured by the stylesheet (no inline style): an accept segment is filled teal.
        fill = chart.locator("rect.stats-accept_all").first.evaluate(
            "e => getComputedStyle(e).fill"
        )
        assert fill == "rgb(15, 118, 110)"
    assert page.evaluate("window.__violations") == []
    assert problems.found == []
