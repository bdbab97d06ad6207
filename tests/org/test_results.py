"""The org-scan records: URL redaction (every record holds redacted URLs only) and the JSON round trip."""

from __future__ import annotations

import pytest

from conformance.org.results import FindingRecord, PolicyOutcome, RepositoryResult, RunResult, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:tok3n@github.com/acme/api.git", "https://***@github.com/acme/api.git"),
        ("https://x-access-token:p@ss@github.com/a/b", "https://***@github.com/a/b"),  # an unencoded @ in it
        ("https://h/a.git?access_token=tok3n&depth=1", "https://h/a.git?access_token=***&depth=1"),
        ("https://h/a?X-Amz-Signature=tok3n#top", "https://h/a?X-Amz-Signature=***#top"),
        (
            "fatal: unable to access 'https://oauth2:tok3n@gitlab.com/x/': 403",
            "fatal: unable to access 'https://***@gitlab.com/x/': 403",
        ),
        ("ssh://git@github.com/acme/api.git", "ssh://git@github.com/acme/api.git"),
        ("git@github.com:acme/api.git", "git@github.com:acme/api.git"),
        ("file:///srv/git/api.git", "file:///srv/git/api.git"),
    ],
)
def test_credentials_are_redacted_wherever_a_url_stands(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "tok3n" not in redact_url(url) and "p@ss" not in redact_url(url)


def test_a_run_round_trips_through_json() -> None:
    finding = FindingRecord(
        "f1", "k8s/x", "error", "waived", "m", "a.yaml", 3, "Pod/ns/a", "waiver", "r", "o", "2027-01-01"
    )
    repository = RepositoryResult(
        "api", "https://***@h/api", "scanned", "main", "abc", "team-a", "inventory", {"tier": "1"}, level="bronze",
        policies=(PolicyOutcome("k8s/x", "error", "pass", 2, {"waived": 1}),), findings=(finding,),
    )  # fmt: skip
    run = RunResult("r1", "s", "f", "0.1.0", "digest", 1, 4, ("bronze",), "warning", (repository,))
    assert RunResult.from_dict(run.to_dict()) == run
    assert run.counts() == {"scanned": 1, "reused": 0, "failed": 0}
    with pytest.raises(ValueError, match="result format 99"):
        RunResult.from_dict({**run.to_dict(), "format": 99})
