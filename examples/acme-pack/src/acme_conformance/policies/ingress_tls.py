"""Every host an Ingress routes must be served over TLS.

ACME terminates TLS at the ingress controller; a rule whose host is not listed under any `spec.tls[].hosts`
entry is served in clear text. Each rule host that no TLS entry names is one finding, at that rule's `host`
line; an Ingress with rules but no `spec.tls` at all is one finding per host as well. Rules without a host
(the default backend for every name) need a TLS entry without hosts, or are reported at the rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from conformance.api import CheckContext, Resource, Violation

ID = "acme/ingress-tls"
TITLE = "Ingress hosts must be served over TLS"
SEVERITY = "error"
CATEGORY = "security"
PROFILES = ("baseline",)
FIX = "List every rule host under `spec.tls[].hosts`, with the Secret that holds its certificate."
KINDS = ("networking.k8s.io/Ingress",)


def check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    spec = resource.data.get("spec")
    if not isinstance(spec, Mapping):
        return
    tls_hosts: set[str] = set()
    hostless_tls = False
    for entry in spec.get("tls") or ():
        if isinstance(entry, Mapping):
            hosts = entry.get("hosts") or ()
            hostless_tls = hostless_tls or not hosts
            tls_hosts.update(str(host) for host in hosts)
    for index, rule in enumerate(spec.get("rules") or ()):
        if not isinstance(rule, Mapping):
            continue
        host = rule.get("host")
        if host is None:
            if not hostless_tls:
                yield Violation("a rule without a host is served without TLS", ("spec", "rules", index))
        elif str(host) not in tls_hosts:
            yield Violation(f"host '{host}' is served without TLS", ("spec", "rules", index, "host"))
