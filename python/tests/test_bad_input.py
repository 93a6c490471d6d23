"""Bad input gets an exception with a code and the place; nothing is
dropped without a word."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

import detente
from conftest import ROOT

CONTACTS = pd.DataFrame(
    {
        "id": ["c-1", "c-2"],
        "account": ["a-1", "a-1"],
        "created_at": ["2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z"],
        "title": ["VP Marketing", "Analyst\nsecond line"],
    }
)
EVENTS = pd.DataFrame(
    {
        "id": ["e-1", "e-2", "e-3"],
        "contact": ["c-1", "c-2", "c-1"],
        "at": ["2026-01-07T10:00:00Z", "2026-01-08T10:00:00Z", "not a time"],
        "type": ["page_view", "page_view", "page_view"],
        "url": ["/pricing", "/blog\n(moved)", "/pricing"],
    }
)


SMALL = """
policy "Small" {
  timezone "UTC"
  teams marketing, sales
}

contact {
  title: text?
}

event page_view { url: text }

lifecycle contact {
  stage lead    initial owner marketing
  stage engaged owner marketing

  lead -> engaged on page_view where url == "/pricing"
}
"""


@pytest.fixture(scope="module")
def policy() -> detente.Policy:
    return detente.Policy.compile(SMALL, name="small.detente")


def test_a_rejected_row_names_its_frame_row_and_column(policy: detente.Policy) -> None:
    with pytest.raises(detente.DataError) as e:
        policy.classify(CONTACTS, EVENTS)
    err = e.value
    assert err.code == "D013"
    [p] = err.problems
    # The third row (index 2), even though the cell above it holds a line
    # break (its CSV line is the fourth).
    assert (p["file"], p["row"], p["column"]) == ("events data frame", 2, "at")
    assert "events data frame, row 2, column `at`" in str(err)


def test_on_rejected_warn_replays_without_the_row(policy: detente.Policy) -> None:
    with pytest.warns(detente.RejectedRowsWarning, match="1 row"):
        frame = policy.classify(CONTACTS, EVENTS, on_rejected="warn")
    assert sorted(frame["contact"]) == ["c-1", "c-2"]


def test_a_column_of_lists_is_refused_with_d007(policy: detente.Policy) -> None:
    events = EVENTS.iloc[:2].assign(url=[["/a"], ["/b"]])
    with pytest.raises(detente.DataError) as e:
        policy.classify(CONTACTS, events)
    assert e.value.code == "D007"
    assert "url" in str(e.value)


def test_a_polars_struct_column_is_refused_with_d007(policy: detente.Policy) -> None:
    events = pl.from_pandas(EVENTS.iloc[:2]).with_columns(pl.struct(["url"]).alias("url"))
    with pytest.raises(detente.DataError) as e:
        policy.classify(pl.from_pandas(CONTACTS), events)
    assert e.value.code == "D007"
    assert "`url`" in str(e.value)


def test_times_given_as_numbers_are_rejected_not_guessed(policy: detente.Policy) -> None:
    events = EVENTS.iloc[:2].assign(at=[1767780000, 1767866400])
    with pytest.raises(detente.DataError) as e:
        policy.classify(CONTACTS, events)
    assert e.value.code == "D013"
    assert [p["row"] for p in e.value.problems] == [0, 1]


def test_something_that_is_not_a_frame_is_refused(policy: detente.Policy) -> None:
    with pytest.raises(detente.DataError) as e:
        policy.classify(CONTACTS, 42)
    assert e.value.code == "D007"


def test_a_missing_file_is_d002(policy: detente.Policy) -> None:
    with pytest.raises(detente.DataError) as e:
        policy.classify(events=ROOT / "no-such-events.csv")
    assert e.value.code == "D002"


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"as_of": "yesterday-ish"}, "as_of"),
        ({"lifecycle": "person"}, "lifecycle"),
    ],
)
def test_bad_arguments_are_usage_errors(policy: detente.Policy, kwargs, word) -> None:
    with pytest.raises(detente.UsageError) as e:
        policy.classify(CONTACTS, EVENTS.iloc[:2], **kwargs)
    assert word in str(e.value)
    assert isinstance(e.value, ValueError)


def test_report_arguments_are_checked(policy: detente.Policy) -> None:
    with pytest.raises(detente.UsageError, match="period"):
        policy.report(CONTACTS, EVENTS.iloc[:2], period="week")
    with pytest.raises(detente.UsageError, match="before"):
        policy.report(CONTACTS, EVENTS.iloc[:2], from_="2026-03-01", to="2026-02-01")
    with pytest.raises(detente.UsageError, match="90d"):
        policy.report(CONTACTS, EVENTS.iloc[:2], window="three months")


def test_an_unknown_event_type_is_set_aside_with_a_warning(policy: detente.Policy) -> None:
    events = EVENTS.iloc[:2].assign(type=["page_view", "fax_sent"])
    with pytest.warns(detente.RejectedRowsWarning, match="D016"):
        policy.classify(CONTACTS, events)
