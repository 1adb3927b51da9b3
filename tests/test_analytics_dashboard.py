"""Issue 7, part 2: the back office's analytics dashboard reads the roll-ups; staff only; the
rebuild command recomputes the roll-ups from the events."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from support import with_second_factor

from consentserve.analytics.models import AnalyticsDaily, AnalyticsEvent
from consentserve.analytics.selectors import report
from consentserve.analytics.tally import Event
from consentserve.analytics.visitors import salt_forget
from consentserve.analytics.writer import Incoming, store
from consentserve.installations.operator import operator_banner_ensure

pytestmark = pytest.mark.django_db

URL = "/backoffice/analytics/"


@pytest.fixture(autouse=True)
def _salt():
    salt_forget()
    yield
    salt_forget()


@pytest.fixture
def installation():
    return operator_banner_ensure()[0]


def incoming(
    installation, *, ip="141.0.144.0", agent="Firefox", kind="pageview", path="/de/", **more
):
    values = {
        "installation_id": installation.pk,
        "ip": ip,
        "user_agent": agent,
        "kind": kind,
        "path": path,
        "referrer": "",
        "screen": "l",
        "language": "de",
        "browser": "Firefox",
        "os": "Linux",
        "device": "desktop",
    }
    values.update(more)
    return Incoming(**values)


def _staff(client, *, superuser=True):
    user = get_user_model().objects.create_user(
        email="staff@example.com", password="x", is_staff=True, is_superuser=superuser
    )
    with_second_factor(user)
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]


def test_customers_are_sent_to_the_login_and_staff_without_permission_get_403(client):
    customer = get_user_model().objects.create_user(email="kunde@example.com", password="x")
    client.force_login(customer)
    response = client.get(URL)
    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]
    client.logout()
    _staff(client, superuser=False)
    assert client.get(URL).status_code == 403


def test_dashboard_numbers_equal_the_roll_ups(client, installation):
    today = datetime.now(UTC).replace(hour=10, minute=0)
    store(
        [
            incoming(installation, path="/de/", referrer="news.example.org"),
            incoming(installation, path="/de/preise/"),
            incoming(
                installation,
                ip="10.0.0.0",
                path="/en/",
                language="en",
                screen="s",
                browser="Chrome Mobile",
                os="Android",
                device="mobile",
            ),
        ],
        now=today - timedelta(days=1),
    )
    store([incoming(installation, path="/de/preise/")], now=today)
    _staff(client)
    response = client.get(URL, {"period": 7})
    assert response.status_code == 200
    data = response.context["report"]
    totals = AnalyticsDaily.objects.filter(dimension="total")
    assert data.views == sum(totals.values_list("views", flat=True)) == 4
    assert data.visitors == sum(totals.values_list("visitors", flat=True)) == 3
    assert data.visits == sum(totals.values_list("visits", flat=True)) == 3
    pages = {row.value: row.views for row in data.pages}
    assert pages == {"/de/preise/": 2, "/de/": 1, "/en/": 1}
    assert [row.value for row in data.referrers] == ["news.example.org"]
    assert {row.value: row.views for row in data.devices} == {"desktop": 3, "mobile": 1}
    html = response.content.decode()
    assert '<svg class="stats-chart"' in html
    assert 'id="chart-daily"' in html
    assert 'id="table-pages"' in html
    assert "/de/preise/" in html
    assert "news.example.org" in html
    assert "<script" not in html.split('id="content-main"')[1]  # charts without script


def test_the_dashboard_reads_only_roll_ups(client, installation):
    """Roll-ups without any event (what is left after 14 months) still show."""
    AnalyticsDaily.objects.create(
        installation=installation,
        day=datetime.now(UTC).date() - timedelta(days=3),
        dimension="total",
        value="",
        views=1234,
        visits=100,
        visitors=90,
    )
    AnalyticsDaily.objects.create(
        installation=installation,
        day=datetime.now(UTC).date() - timedelta(days=3),
        dimension="page",
        value="/de/alt/",
        views=1234,
        visits=100,
    )
    assert not AnalyticsEvent.objects.exists()
    _staff(client)
    response = client.get(URL, {"period": 30})
    assert response.context["report"].views == 1234
    assert "/de/alt/" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-01-01", "date_to": "2027-06-01"},
        {"date_from": "2026-02-01", "date_to": "2026-01-01"},
        {"date_from": "2026-01-01"},
        {"period": "12"},
        {"date_from": "gestern", "date_to": "heute"},
        {"period": "7", "date_from": "2026-01-01", "date_to": "2026-01-02"},
    ],
)
def test_bad_periods_are_explained_not_500(client, installation, query):
    _staff(client)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "report" not in response.context


def test_a_custom_period_of_366_days(client, installation):
    _staff(client)
    response = client.get(URL, {"date_from": "2025-01-01", "date_to": "2026-01-01"})
    assert response.status_code == 200
    assert len(response.context["report"].days) == 366


def test_the_admin_index_links_to_the_dashboard(client, installation):
    _staff(client)
    index = client.get(reverse("admin:index")).content.decode()
    link = reverse("admin:analytics_analyticsdaily_changelist")
    assert link in index
    assert client.get(link)["Location"] == URL


def test_rebuild_gives_the_counts_the_writer_kept(installation):
    now = datetime.now(UTC).replace(hour=9, minute=0)
    store([incoming(installation, path="/de/"), incoming(installation, kind="exit")], now=now)
    store(
        [incoming(installation, path="/de/b/"), incoming(installation, agent="Other")],
        now=now + timedelta(minutes=5),
    )
    store([incoming(installation, kind="exit", path="/de/b/")], now=now + timedelta(minutes=6))
    kept = sorted(
        AnalyticsDaily.objects.values_list(
            "day", "dimension", "value", "views", "visits", "visitors", "exits"
        )
    )
    call_command("analytics_rollups_rebuild", "--check")
    AnalyticsDaily.objects.filter(dimension="page").update(views=99)
    with pytest.raises(Exception, match="differ"):
        call_command("analytics_rollups_rebuild", "--check")
    call_command("analytics_rollups_rebuild")
    rebuilt = sorted(
        AnalyticsDaily.objects.values_list(
            "day", "dimension", "value", "views", "visits", "visitors", "exits"
        )
    )
    assert rebuilt == kept
    assert report(installation.pk, now.date(), now.date()).exits == 1


def test_event_fields_and_tally_agree():
    assert set(Event.__slots__) <= {f.attname for f in AnalyticsEvent._meta.concrete_fields}
