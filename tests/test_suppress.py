from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conformance import suppress, yamlio
from conformance.errors import ConfigError
from conformance.model import Finding, Location, ResourceId
from conformance.suppress import (
    GENERIC_ANNOTATION,
    AnnotationIgnore,
    InlineIgnore,
    Waiver,
    annotation_for,
    annotation_key,
    annotations_of,
    check_waiver_ids,
    container_of,
    find_waiver,
    parse_annotations,
    parse_inline,
    parse_resource_annotations,
    relative_to,
    unknown_ids,
)

KNOWN = frozenset({"k8s/no-host-network", "k8s/no-privileged-containers", "k8s/image-tag-pinned", "docker/no-root"})


def covered(text: str, syntax: str = "yaml") -> dict[int, tuple[str, ...]]:
    """Target line -> policy ids of the markers covering it."""
    markers = parse_inline(text, syntax)
    assert markers.problems == (), markers.problems
    found: dict[int, tuple[str, ...]] = {}
    for ignore in markers.ignores:
        found[ignore.target_line] = found.get(ignore.target_line, ()) + ignore.policy_ids
    return found


# --- inline comments: where markers are and what they cover -------------------------------------------------


def test_text_without_marker_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise AssertionError("lines scanned")

    monkeypatch.setattr(suppress, "_yaml_comments", boom)
    markers = parse_inline("a: 1  # conformance: ignore-ish\n" * 1000)
    assert not markers and markers.ignores == () and markers.problems == ()
    assert markers.covering(1, "k8s/no-host-network") is None


def test_trailing_marker_covers_its_line_only() -> None:
    text = 'spec:\n  hostNetwork: true  # conformance:ignore k8s/no-host-network reason="node agent"\n  x: 1\n'
    markers = parse_inline(text)
    ignore = markers.covering(2, "k8s/no-host-network")
    assert ignore == InlineIgnore(2, 22, ("k8s/no-host-network",), "node agent", 2)
    assert not ignore.own_line
    assert markers.covering(3, "k8s/no-host-network") is None
    assert markers.covering(2, "k8s/no-privileged-containers") is None
    assert ignore.suppression("deploy.yaml").to_dict() == {
        "kind": "inline",
        "reason": "node agent",
        "owner": None,
        "expires": None,
        "source": "deploy.yaml:2",
    }


def test_marker_on_its_own_line_covers_the_next_line_and_markers_stack() -> None:
    text = (
        "spec:\n"
        "  # conformance:ignore k8s/no-host-network reason='node agent'\n"
        '    # conformance:ignore k8s/image-tag-pinned ,  k8s/no-privileged-containers reason="both"\n'
        "  hostNetwork: true\n"
        "  other: 1\n"
    )
    markers = parse_inline(text)
    assert covered(text) == {4: ("k8s/no-host-network", "k8s/image-tag-pinned", "k8s/no-privileged-containers")}
    assert markers.covering(4, "k8s/no-privileged-containers").reason == "both"  # type: ignore[union-attr]
    assert markers.covering(2, "k8s/no-host-network") is None
    assert markers.covering(5, "k8s/no-host-network") is None
    assert markers.policy_ids == {"k8s/no-host-network", "k8s/image-tag-pinned", "k8s/no-privileged-containers"}


def test_marker_after_other_comment_text_and_spacing_variants() -> None:
    text = (
        'a: 1 # TODO # conformance:ignore k8s/no-host-network reason="legacy"\n'
        'b: 2 #conformance:ignore k8s/image-tag-pinned   reason = "spaces"\n'
        "c: 3 # see conformance:ignore in the docs\n"
    )
    assert covered(text) == {1: ("k8s/no-host-network",), 2: ("k8s/image-tag-pinned",)}


def test_line_numbers_match_yamlio_positions() -> None:
    text = (
        "apiVersion: apps/v1\r\n"
        "kind: Deployment\r\n"
        "metadata: {name: web}\r\n"
        "spec:\r\n"
        "  template:\r\n"
        "    spec:\r\n"
        "      containers:\r\n"
        "        - name: app\r\n"
        "          securityContext:\r\n"
        '            # conformance:ignore k8s/no-privileged-containers reason="needs /dev"\r\n'
        "            privileged: true\r\n"
    )
    loaded = yamlio.load(text)
    path = ("spec", "template", "spec", "containers", 0, "securityContext", "privileged")
    line = yamlio.locate(loaded.documents[0].node, path).line
    assert line == 11
    assert parse_inline(text).covering(line, "k8s/no-privileged-containers") is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: \"text # conformance:ignore k8s/no-host-network reason='x'\"\n",
        "a: 'it''s # conformance:ignore k8s/no-host-network reason=\"x\"'\n",
        "a: !!str \"t # conformance:ignore k8s/no-host-network reason='x'\"\n",
        "- \"t # conformance:ignore k8s/no-host-network reason='x'\"\n",
        "{a: [1, \"t # conformance:ignore k8s/no-host-network reason='x'\"]}\n",
        '{"a":"t # conformance:ignore k8s/no-host-network reason=\'x\'"}\n',
        'a: url#conformance:ignore k8s/no-host-network reason="x"\n',
        "a: \"first line\n  # conformance:ignore k8s/no-host-network reason='x'\n  end\"\n",
        "a: 'first line\n  # conformance:ignore k8s/no-host-network reason=\"x\"\n  end'\n",
        "a: |\n  # conformance:ignore k8s/no-host-network reason='x'\n  echo\n",
        "a: |-\n  one\n\n  # conformance:ignore k8s/no-host-network reason='x'\n",
        "a: >+2\n    # conformance:ignore k8s/no-host-network reason='x'\n",
        "a: &anchor |\n  # conformance:ignore k8s/no-host-network reason='x'\n",
        "a: | # a comment on the header\n  # conformance:ignore k8s/no-host-network reason='x'\n",
        "- |\n  # conformance:ignore k8s/no-host-network reason='x'\n",
        "list:\n- key: |\n    # conformance:ignore k8s/no-host-network reason='x'\n",
        "--- |\n# conformance:ignore k8s/no-host-network reason='x'\n",
    ],
)
def test_hash_inside_scalars_is_not_a_comment(text: str) -> None:
    assert not parse_inline(text)


def test_comments_after_a_block_scalar_count_again() -> None:
    text = (
        "- name: job\n"
        "  run: |\n"
        "    # not a comment\n"
        "    echo 'unbalanced\n"
        '  # conformance:ignore k8s/no-host-network reason="back in the mapping"\n'
        "  hostNetwork: true\n"
        "data: don't # conformance:ignore k8s/image-tag-pinned reason='apostrophe in a plain scalar'\n"
    )
    assert covered(text) == {6: ("k8s/no-host-network",), 7: ("k8s/image-tag-pinned",)}


def test_libyaml_line_breaks_count_as_lines() -> None:
    text = "a: 1\x85b: 2 # conformance:ignore k8s/no-host-network reason='x'\n"
    assert covered(text) == {2: ("k8s/no-host-network",)}


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: 1 # conformance:ignore k8s/no-host-network\n", 1, 6, "a reason is required"),
        ('a: 1 # conformance:ignore k8s/no-host-network reason="  "\n', 1, 6, "the reason is empty"),
        ("a: 1 # conformance:ignore k8s/no-host-network reason=legacy\n", 1, 6, "the reason must be quoted"),
        ('a: 1 # conformance:ignore k8s/no-host-network reason="legacy\n', 1, 6, 'no closing "'),
        ('a: 1 # conformance:ignore reason="x"\n', 1, 6, "names no policy id"),
        ("a: 1 # conformance:ignore\n", 1, 6, "names no policy id"),
        ('a: 1 # conformance:ignore no-host-network reason="x"\n', 1, 6, "'no-host-network' is not a policy id"),
        ('a: 1 # conformance:ignore k8s/a k8s/b reason="x"\n', 1, 6, "separate policy ids with commas"),
        ('a: 1 # conformance:ignore k8s/a,,k8s/b reason="x"\n', 1, 6, "empty policy id"),
        ('a: 1 # conformance:ignore k8s/a, reason="x"\n', 1, 6, "empty policy id"),
        ('a: 1 # conformance:ignore k8s/a reason="x" until=2025\n', 1, 6, "unexpected text after the reason"),
        ('a: 1 # conformance:ignore-next-line k8s/a reason="x"\n', 1, 6, "unknown directive"),
        ('a: 1\n  # conformance:ignore k8s/a reason="x"\n\nb: 2\n', 2, 3, "covers nothing"),
        ('a: 1\n# conformance:ignore k8s/a reason="x"', 2, 1, "covers nothing"),
    ],
)
def test_malformed_markers_are_problems_that_suppress_nothing(text: str, line: int, column: int, message: str) -> None:
    markers = parse_inline(text)
    assert markers.ignores == ()
    assert len(markers.problems) == 1
    problem = markers.problems[0]
    assert (problem.line, problem.column) == (line, column)
    assert message in problem.message


def test_unknown_policy_ids_are_problems() -> None:
    text = (
        'a: 1 # conformance:ignore k8s/no-host-network reason="ok"\n'
        'b: 2 # conformance:ignore k8s/no-host-networks,k8s/image-tag-pinned reason="typo"\n'
    )
    markers = parse_inline(text)
    problems = unknown_ids(markers, KNOWN)
    assert [(p.line, p.column) for p in problems] == [(2, 6)]
    assert problems[0].message == "unknown policy id 'k8s/no-host-networks' (did you mean 'k8s/no-host-network'?)"
    checked = markers.validated(KNOWN)
    assert checked.problems == problems
    assert checked.covering(1, "k8s/no-host-network") is not None
    assert checked.covering(2, "k8s/image-tag-pinned") is None  # the whole marker is refused
    assert markers.validated(["k8s/no-host-network", "k8s/no-host-networks", "k8s/image-tag-pinned"]) is markers


def test_unknown_syntax_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown syntax"):
        parse_inline("", "toml")


# --- inline comments in Dockerfiles ----------------------------------------------------------------------------


def test_dockerfile_markers_cover_the_next_instruction() -> None:
    text = (
        "FROM alpine:3\n"
        '# conformance:ignore docker/no-root reason="the base image needs root to install"\n'
        "USER root\n"
        "RUN echo \"# conformance:ignore docker/no-root reason='in a string'\"\n"
    )
    assert covered(text, "dockerfile") == {3: ("docker/no-root",)}


def test_dockerfile_heredoc_bodies_are_not_comments() -> None:
    text = (
        "FROM alpine:3\n"
        "RUN <<-EOF\n"
        "\t# conformance:ignore docker/no-root reason='shell comment in a heredoc'\n"
        "\techo hi\n"
        "\tEOF\n"
        "# conformance:ignore docker/no-root reason='after the heredoc'\n"
        "USER root\n"
    )
    assert covered(text, "dockerfile") == {7: ("docker/no-root",)}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("FROM alpine:3\nUSER root # conformance:ignore docker/no-root reason='x'\n", 2, "line of its own"),
        (
            "FROM alpine:3\nRUN apk add \\\n  # conformance:ignore docker/no-root reason='x'\n  curl\n",
            3,
            "inside an instruction continued",
        ),
        (
            "# escape=`\nFROM alpine:3\nRUN apk add `\n  # conformance:ignore docker/no-root reason='x'\n  curl\n",
            4,
            "inside an instruction continued",
        ),
    ],
)
def test_dockerfile_marker_problems(text: str, line: int, message: str) -> None:
    markers = parse_inline(text, "dockerfile")
    assert markers.ignores == ()
    assert [p.line for p in markers.problems] == [line]
    assert message in markers.problems[0].message


def test_dockerfile_backslash_is_not_a_continuation_under_a_backtick_escape() -> None:
    text = "# escape=`\nFROM windows\nRUN dir c:\\\n# conformance:ignore docker/no-root reason='x'\nUSER admin\n"
    assert covered(text, "dockerfile") == {5: ("docker/no-root",)}


# --- annotations -----------------------------------------------------------------------------------------------


def test_annotation_keys_name_policies() -> None:
    assert annotation_key("k8s/no-host-network") == "conformance.dev/ignore.k8s.no-host-network"
    long_id = "k8s/" + "x" * 60
    assert annotation_key(long_id) == GENERIC_ANNOTATION
    assert annotation_for("k8s/no-host-network", "node agent", ["web"]) == (
        "conformance.dev/ignore.k8s.no-host-network",
        "reason=node agent; container=web",
    )
    key, value = annotation_for(long_id, "long")
    assert (key, value) == (GENERIC_ANNOTATION, f"policy={long_id}; reason=long")
    parsed = parse_annotations({key: value})
    assert [(i.policy_id, i.reason) for i in parsed.ignores] == [(long_id, "long")]


def test_annotation_values() -> None:
    markers = parse_annotations(
        {
            "conformance.dev/ignore.k8s.no-host-network": "node agent: needs the host's network",
            "conformance.dev/ignore.k8s.image-tag-pinned": "container = sidecar , init ; reason=pinned; see T-12",
            "conformance.dev/ignore.k8s.no-privileged-containers": "reason=needs /dev",
            "app.kubernetes.io/name": "web",
            "conformance.dev/other": "not an ignore",
        }
    )
    assert markers.problems == ()
    network, image, privileged = markers.ignores
    assert network == AnnotationIgnore(
        "k8s/no-host-network",
        "node agent: needs the host's network",
        None,
        "conformance.dev/ignore.k8s.no-host-network",
        ("metadata", "annotations", "conformance.dev/ignore.k8s.no-host-network"),
    )
    assert image.reason == "pinned; see T-12" and image.containers == {"sidecar", "init"}
    assert privileged.reason == "needs /dev" and privileged.containers is None
    assert network.covers("k8s/no-host-network", None) and network.covers("k8s/no-host-network", "web")
    assert not network.covers("k8s/image-tag-pinned", None)
    assert image.covers("k8s/image-tag-pinned", "sidecar")
    assert not image.covers("k8s/image-tag-pinned", "web")
    assert not image.covers("k8s/image-tag-pinned", None)  # scoped to containers: not the pod's own findings
    assert markers.covering("k8s/image-tag-pinned", "init") is image
    assert markers.covering("k8s/image-tag-pinned", "web") is None
    assert privileged.suppression("deploy.yaml:7").to_dict()["kind"] == "annotation"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("conformance.dev/ignore.k8s.no-host-network", "", "the reason is empty"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=  ; container=web", "the reason is empty"),
        ("conformance.dev/ignore.k8s.no-host-network", "container=web", "the reason is empty"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=x; owner=me", "unknown field 'owner'"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=x; reason=y", "given twice"),
        ("conformance.dev/ignore.k8s.no-host-network", "container=web; legacy", "'legacy' is not a field"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=x; container=web,", "container names"),
        ("conformance.dev/ignore.k8s.no-host-network", "reason=x; policy=k8s/a", "unknown field 'policy'"),
        ("conformance.dev/ignore.k8s.no-host-network", True, "must be a string"),
        ("conformance.dev/ignore.k8s.no-host-network", None, "must be a string"),
        ("conformance.dev/ignore.k8s", "x", "is not an ignore annotation"),
        ("conformance.dev/ignore-k8s.no-host-network", "x", "is not an ignore annotation"),
        ("conformance.dev/ignore.K8s.No-Host", "x", "is not an ignore annotation"),
        ("conformance.dev/ignore.k8s." + "x" * 56, "reason=x", "over Kubernetes' limit of 63"),
        (GENERIC_ANNOTATION, "reason=x", "needs policy="),
        (GENERIC_ANNOTATION, "no fields at all", "needs policy="),
        (GENERIC_ANNOTATION, "policy=k8s; reason=x", "'k8s' is not a policy id"),
    ],
)
def test_annotation_problems(key: str, value: object, message: str) -> None:
    markers = parse_annotations({key: value}, ("spec", "template", "metadata", "annotations"))
    assert markers.ignores == ()
    assert len(markers.problems) == 1
    problem = markers.problems[0]
    assert message in problem.message
    assert problem.key == key and problem.path == ("spec", "template", "metadata", "annotations", key)


def test_generic_annotation_lists_several_policies() -> None:
    markers = parse_annotations(
        {GENERIC_ANNOTATION: "policy=k8s/no-host-network, k8s/bogus; reason=agent; container=a"}
    )
    assert [(i.policy_id, i.containers) for i in markers.ignores] == [
        ("k8s/no-host-network", frozenset({"a"})),
        ("k8s/bogus", frozenset({"a"})),
    ]
    checked = markers.validated(KNOWN)
    assert checked.ignores == ()  # one unknown id refuses the whole annotation
    assert [p.message for p in checked.problems] == ["unknown policy id 'k8s/bogus'"]


def test_annotations_of_pod_templates() -> None:
    own = {"conformance.dev/ignore.k8s.no-host-network": "agent"}
    template = {"conformance.dev/ignore.k8s.image-tag-pinned": "reason=pinned by digest upstream; container=web"}
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "a", "annotations": own},
        "spec": {"template": {"metadata": {"annotations": template}, "spec": {}}},
    }
    assert annotations_of(deployment) == [
        (("metadata", "annotations"), own),
        (("spec", "template", "metadata", "annotations"), template),
    ]
    cronjob = {
        "kind": "CronJob",
        "metadata": {"name": "a"},
        "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"annotations": template}}}}},
    }
    template_path = ("spec", "jobTemplate", "spec", "template", "metadata", "annotations")
    assert annotations_of(cronjob) == [(template_path, template)]
    pod = {"kind": "Pod", "metadata": {"annotations": own}}
    assert annotations_of(pod) == [(("metadata", "annotations"), own)]
    service = {"kind": "Service", "metadata": {"annotations": "not a mapping"}, "spec": {"template": template}}
    assert annotations_of(service) == []

    markers = parse_resource_annotations(deployment)
    assert markers.covering("k8s/no-host-network") is not None
    assert markers.covering("k8s/image-tag-pinned", "web") is not None
    assert markers.covering("k8s/image-tag-pinned", "sidecar") is None
    assert markers.ignores[1].path == ("spec", "template", "metadata", "annotations", *template)


def test_annotation_unknown_ids() -> None:
    markers = parse_annotations({"conformance.dev/ignore.k8s.no-host-networks": "typo"})
    problems = markers.unknown_ids(KNOWN)
    assert [p.message for p in problems] == [
        "unknown policy id 'k8s/no-host-networks' (did you mean 'k8s/no-host-network'?)"
    ]
    assert markers.validated(KNOWN).ignores == ()


# --- waivers ---------------------------------------------------------------------------------------------------


def waiver(**fields: object) -> Waiver:
    base: dict[str, object] = {"policy": "k8s/no-host-network", "reason": "agent", "owner": "team-a"}
    return Waiver(**{**base, **fields})  # type: ignore[arg-type]


def test_waiver_match_criteria() -> None:
    paths = ("monitoring/**/*.yaml", "!monitoring/test/**")
    w = waiver(paths=paths, kind="DaemonSet", namespace="mon-*", name="node-*")
    args = ("DaemonSet", "mon-prod", "node-exporter", None)
    assert w.matches("k8s/no-host-network", "monitoring/prod/ds.yaml", *args)
    assert w.matches("k8s/no-host-network", "monitoring/ds.yaml", *args)
    assert not w.matches("k8s/no-privileged-containers", "monitoring/ds.yaml", *args)
    assert not w.matches("k8s/no-host-network", "monitoring/test/ds.yaml", *args)  # negated
    assert not w.matches("k8s/no-host-network", "apps/ds.yaml", *args)
    assert not w.matches("k8s/no-host-network", None, *args)  # standard input, or outside the config's directory
    assert not w.matches("k8s/no-host-network", "monitoring/ds.yaml", "Deployment", "mon-prod", "node-exporter")
    assert not w.matches("k8s/no-host-network", "monitoring/ds.yaml", "DaemonSet", "prod", "node-exporter")
    assert not w.matches("k8s/no-host-network", "monitoring/ds.yaml", "DaemonSet", "mon-prod", "exporter")
    assert not w.matches("k8s/no-host-network", "monitoring/ds.yaml")  # no resource


def test_waiver_namespace_and_container() -> None:
    anywhere = waiver(namespace="*")
    assert anywhere.matches("k8s/no-host-network", None, "Pod", None, "p")  # no namespace is matched as ""
    assert not anywhere.matches("k8s/no-host-network", None)  # no resource: no namespace criterion holds
    default = waiver(namespace="default")
    assert not default.matches("k8s/no-host-network", None, "Pod", None, "p")
    assert waiver().matches("k8s/no-host-network", None)  # no criteria: every finding of the policy
    scoped = waiver(container="web")
    assert scoped.matches("k8s/no-host-network", "a.yaml", "Pod", "ns", "p", "web")
    assert not scoped.matches("k8s/no-host-network", "a.yaml", "Pod", "ns", "p", "sidecar")
    assert not scoped.matches("k8s/no-host-network", "a.yaml", "Pod", "ns", "p", None)


def test_waiver_expiry_is_the_last_valid_day() -> None:
    w = waiver(expires="2025-06-30", line=12, config=".conformance.yaml")
    assert not w.expired(date(2025, 6, 30))
    assert w.expired(date(2025, 7, 1))
    assert not waiver().expired(date(9999, 1, 1))
    assert w.suppression().to_dict() == {
        "kind": "waiver",
        "reason": "agent",
        "owner": "team-a",
        "expires": "2025-06-30",
        "source": ".conformance.yaml:12",
    }
    assert w.suppression("conf/.conformance.yaml").source == "conf/.conformance.yaml:12"


def test_find_waiver_prefers_one_in_force() -> None:
    finding = Finding(
        "k8s/no-host-network",
        "error",
        "m",
        Location("ds.yaml", 3),
        ResourceId("DaemonSet", "agent", "kube-system"),
        "spec.template.spec.hostNetwork",
    )
    old = waiver(expires="2024-01-31", index=0)
    current = waiver(expires="2030-01-01", index=1, kind="DaemonSet")
    other = waiver(index=2, name="not-agent")
    today = date(2025, 1, 1)
    assert find_waiver([old, current, other], finding, "ds.yaml", None, today) is current
    assert find_waiver([old, other], finding, "ds.yaml", None, today) is old  # expired: the caller says so
    assert find_waiver([other], finding, "ds.yaml", None, today) is None
    assert waiver(container="web").matches_finding(finding, "ds.yaml", "web")
    no_resource = Finding("k8s/no-host-network", "error", "m", Location("x"))
    assert not waiver(kind="DaemonSet").matches_finding(no_resource, "x")
    assert waiver().matches_finding(no_resource, "x")


def test_check_waiver_ids() -> None:
    good = waiver(index=0, line=3, config="/repo/.conformance.yaml")
    bad = waiver(policy="k8s/no-host-networks", index=1, line=9, config="/repo/.conformance.yaml")
    check_waiver_ids([good], KNOWN)
    with pytest.raises(ConfigError) as info:
        check_waiver_ids([good, bad, waiver(policy="k8s/zzz", index=2)], KNOWN)
    assert str(info.value) == (
        "/repo/.conformance.yaml:9: key waivers[1].policy: unknown policy id 'k8s/no-host-networks' "
        "(did you mean 'k8s/no-host-network'?) (and 1 more unknown waiver ids)"
    )


def test_relative_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "k8s").mkdir()
    monkeypatch.chdir(tmp_path / "k8s")
    assert relative_to("app/deploy.yaml", tmp_path) == "k8s/app/deploy.yaml"
    assert relative_to(str(tmp_path / "x.yaml"), str(tmp_path)) == "x.yaml"
    assert relative_to("../../elsewhere.yaml", tmp_path) is None
    assert relative_to("<stdin>", tmp_path) is None
    assert relative_to("a.yaml", None) is None


# --- containers of findings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key", "container"),
    [
        ("spec.template.spec.containers[web].securityContext.privileged", "", "web"),
        ("spec.containers[app].image", "", "app"),
        ("spec.jobTemplate.spec.template.spec.initContainers[init-db].image", "", "init-db"),
        ("spec.ephemeralContainers[debug]", "", "debug"),
        ("spec.template.spec.securityContext.runAsUser", "containers[web]", "web"),
        ("spec.securityContext.runAsUser", "initContainers[setup]", "setup"),
        ("spec.template.spec.containers[web].securityContext", "containers[web]", "web"),
        ("spec.containers[app].env[DB_PASSWORD].value", "DB_PASSWORD", "app"),  # another kind of key
        ("spec.containers[0].image", "", "0"),  # a container without a name: its index
        ("spec.template.spec.hostNetwork", "", None),
        ("metadata.labels", "", None),
        ("spec.sidecarContainers[x]", "", None),
        ("spec.securityContext.runAsUser", "containers[]", None),
    ],
)
def test_container_of(path: str, key: str, container: str | None) -> None:
    assert container_of(path, key) == container
