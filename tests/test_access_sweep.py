"""The promise that nobody sees what they should not, checked by brute force.

Every URL pattern of the site and the API that takes an object id is requested by every demo
user (each role of each demo agency), with the ids of objects that user's agency may not see
(owned by another agency, or whose consent was withdrawn), with GET and with write methods.
The only acceptable answers are 404 (not found, as if missing), 403 (visible, wrong role) or
405 (method not allowed). New routes are covered automatically: the sweep walks the resolver.

To make any id meaningful for exactly one table, every table's id sequence starts in its own
range (table n: n * 1,000,000), so an id of the wrong kind can only ever be "not found".
"""

import collections
import re

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from agencies import acting
from agencies.models import User
from casework.models import Case, Person
from consent import services as consent_services
from consent.models import ConsentRecord

SKIP_NAMESPACES = {"admin"}
# Routes whose ids designate shared, non-personal records (agencies, employers, vacancies, provisions,
# aggregate reports, scan files of the acting agency). They are still requested with foreign person
# and case ids; any other route the sweep cannot map to its kind of personal record fails the test,
# so a new personal route must be reachable by its path noun (people/<pk>, cases/<pk>, ...).
SHARED_ROUTE_PREFIXES = (
    "api:agency-",
    "api:employer-",
    "api:vacancy-",
    "api:provision-",
    "api:report-",
    "api:target-",
    "employers:employer_",
    "employers:vacancy_",
    "employers:application_create",
    "employers:contact_create",
    "reporting:report_",
    "custody:scan_",
    # scan work items (/scan-items/) are rows of the importing Jobcentre, not of a person (most
    # name nobody in Resettle): access by agency, tested in tests/custody/test_scan_work_items.py
    "api:scan-item-",
    # a user's own notifications (no personal data): tests/referrals/test_in_app_notifications.py
    "notification_",
    "referrals:provision",
)
NOUN_ALIASES = {
    "benefitclaim": "PostReleaseClaim",
    "claim": "ClaimClosure",
    "action": "PlanAction",
    "handoff": "ReleaseHandoff",
    "sentence": "SentenceEpisode",
    "transfer": "EstablishmentTransfer",
    "reoffending": "ReoffendingCheck",
    "employment": "PostExitEmploymentCheck",
    "sharing": "CaseInvolvement",
    "involvement": "CaseInvolvement",
}
WRITE_METHODS = ("post", "patch", "delete")
OK_STATUSES = {403, 404, 405}


def _routes(resolver=None, prefix_ns=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIP_NAMESPACES:
                continue
            yield from _nested(entry, prefix_ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix_ns + entry.name, entry


def _nested(resolver, prefix_ns):
    ns = f"{prefix_ns}{resolver.namespace}:" if resolver.namespace else prefix_ns
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIP_NAMESPACES:
                continue
            yield from _nested(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ns + entry.name, entry


# Values tried for word-valued path parts (e.g. referrals/<pk>/<action>/).
SLUG_VALUES = ("accept", "decline", "start", "complete", "withdraw", "send", "record", "edit")


def id_routes():
    """(url name, id kwarg names, {word kwarg: value}) for every route taking object ids (format suffixes excluded)."""
    from django.urls.converters import IntConverter

    seen = set()
    for name, pattern in _routes():
        groups = set(pattern.pattern.regex.groupindex)
        if not groups or "format" in groups:
            continue
        converters = getattr(pattern.pattern, "converters", {})
        words = sorted(
            k for k in groups if k in converters and not isinstance(converters[k], IntConverter)
        )
        ids = tuple(sorted(groups - set(words)))
        if not ids:
            continue
        for values in (
            [
                dict(zip(words, combo, strict=True))
                for combo in [(v,) * len(words) for v in SLUG_VALUES]
            ]
            if words
            else [{}]
        ):
            key = (name, ids, tuple(sorted(values.items())))
            if key not in seen:
                seen.add(key)
                yield key


def _person_path(model, depth=0):
    """ORM path from model to casework.Person, following foreign keys (up to 3 hops)."""
    if model is Person:
        return "pk"
    if depth > 3:
        return None
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey) and field.name not in {
            "user",
            "recorded_by",
            "created_by",
        }:
            target = field.related_model
            if target is Person:
                return field.name
            if target is Case or (
                depth < 2
                and target._meta.app_label
                in {"casework", "referrals", "employers", "custody", "consent", "reporting"}
            ):
                sub = _person_path(target, depth + 1)
                if sub:
                    return f"{field.name}__{sub}" if sub != "pk" else field.name
    return None


def personal_models():
    out = {}
    for model in apps.get_models():
        if model._meta.app_label not in {
            "casework",
            "consent",
            "referrals",
            "employers",
            "custody",
            "reporting",
            "audit",
        }:
            continue
        if model._meta.app_label == "audit" or model.__name__ in {
            "PersonAccess",
            "RestrictedPersonUserPermission",
        }:
            continue
        path = _person_path(model)
        if path:
            out[model] = path
    return out


def _client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _norm(word):
    word = word.lower().replace("-", "").replace("_", "")
    if word == "people":
        return "person"
    return word[:-1] if word.endswith("s") else word


def _models_from_path(name, kwargs, model_paths, words):
    """Map each id in the route to a model by the path segment before it (people/<pk> -> Person)."""
    from django.urls import reverse

    url = reverse(name, kwargs={k: 900000000 + i for i, k in enumerate(kwargs)} | words)
    parts = [p for p in url.split("/") if p]
    by_name = {_norm(m.__name__): m for m in model_paths}
    by_name.update(
        {noun: m for noun, name in NOUN_ALIASES.items() for m in model_paths if m.__name__ == name}
    )
    for m in model_paths:  # ClaimClosure -> "claimclosure", RetentionCheck -> "retentioncheck", ConsentRecord -> "consent"
        by_name.setdefault(_norm(re.sub(r"Record$", "", m.__name__)), m)
        by_name.setdefault(_norm(m._meta.verbose_name.replace(" ", "")), m)
    mapping = {}
    for i, k in enumerate(kwargs):
        token = str(900000000 + i)
        if token not in parts:
            return None
        index = parts.index(token)
        noun = _norm(parts[index - 1]) if index else ""
        model = by_name.get(noun)
        if model is None:
            return None
        mapping[k] = model
    return mapping


def _similarity(route_name, model):
    """Order candidate models so the route's own model is usually probed first."""
    tokens = route_name.replace(":", " ").replace("-", " ").replace("_", " ").lower().split()
    name = model.__name__.lower()
    return -max((len(t) for t in tokens if t and (t in name or name.startswith(t[:5]))), default=0)


def _call(client, method, url):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data="{}", content_type="application/json")


@pytest.mark.django_db
def test_no_route_leaks_another_agencys_objects(demo_world, caplog):
    from django.urls import reverse

    caplog.set_level("CRITICAL", logger="django.request")
    luton = User.objects.get(username="probation.luton")
    acting.attach(luton)
    # a person whose consent to Jobcentre Plus Luton is withdrawn: the work coach must lose everything about them
    consent = ConsentRecord.objects.filter(
        recipient_agency__name="Jobcentre Plus Luton", withdrawn_on__isnull=True
    ).first()
    consent_services.consent_withdraw(user=luton, consent=consent, reason="sweep")

    users = list(User.objects.order_by("username"))
    model_paths = personal_models()
    routes = list(id_routes())
    visible_by_user = {}
    for user in users:
        acting.attach(user)
        visible_by_user[user.pk] = set(Person.objects.for_user(user).values_list("pk", flat=True))
    clients = {user.pk: _client(user) for user in users}

    # 1. Learn which model each route takes: probe with objects their viewer can see.
    samples = collections.defaultdict(list)  # model -> [(user, pk)]
    for model, path in model_paths.items():
        field = "pk" if path == "pk" else path
        for user in users:
            obj = (
                model.objects.filter(**{f"{field}__in": visible_by_user[user.pk]})
                .order_by("pk")
                .first()
            )
            if obj is not None:
                samples[model].append((user, obj.pk))
            if len(samples[model]) >= 2:
                break
    route_models = {}
    for name, kwargs, words in routes:
        hinted = _models_from_path(name, kwargs, model_paths, dict(words))
        if hinted:
            route_models[(name, kwargs, words)] = hinted
            continue
        for model in sorted(model_paths, key=lambda m: _similarity(name, m)):
            if any(
                clients[u.pk]
                .get(reverse(name, kwargs=dict.fromkeys(kwargs, pk) | dict(words)))
                .status_code
                not in (404, 405)
                for u, pk in samples[model]
            ):
                route_models[(name, kwargs, words)] = dict.fromkeys(kwargs, model)
                break
        else:
            route_models[(name, kwargs, words)] = (
                None  # shared, non-personal record (see SHARED_ROUTE_PREFIXES)
            )

    # 2. Every user, every route, the foreign objects of the route's kind, every method.
    checked, leaks = 0, []
    for user in users:
        visible = visible_by_user[user.pk]
        foreign, own = {}, {}
        for model, path in model_paths.items():
            field = "pk" if path == "pk" else path
            obj = model.objects.exclude(**{f"{field}__in": visible}).order_by("-pk").first()
            if obj is not None:
                foreign[model] = obj.pk
            mine = model.objects.filter(**{f"{field}__in": visible}).order_by("-pk").first()
            if mine is not None:
                own[model] = mine.pk
        for (name, kwargs, words), kinds in route_models.items():
            methods = ("get", *WRITE_METHODS) if name.startswith("api:") else ("get", "post")
            if kinds is None:
                attempts = [
                    (dict.fromkeys(kwargs, foreign[m]), m, ("get",))
                    for m in (Person, Case)
                    if m in foreign
                ]
            elif all(model in foreign for model in kinds.values()):
                attempts = [({k: foreign[m] for k, m in kinds.items()}, kinds[kwargs[0]], methods)]
                if (
                    len(kinds) > 1
                ):  # nested: a parent this user may see, with another agency's child
                    probe = reverse(
                        name, kwargs={k: 900000001 + i for i, k in enumerate(kwargs)} | dict(words)
                    )
                    parent = min(kinds, key=lambda k: probe.find(str(900000001 + kwargs.index(k))))
                    if kinds[parent] in own:
                        nested = {k: foreign[m] for k, m in kinds.items()} | {
                            parent: own[kinds[parent]]
                        }
                        attempts.append(
                            (nested, next(m for k, m in kinds.items() if k != parent), methods)
                        )
            else:
                attempts = []
            for url_kwargs, model, methods in attempts:
                url = reverse(name, kwargs=url_kwargs | dict(words))
                for method in methods:
                    response = _call(clients[user.pk], method, url)
                    checked += 1
                    if response.status_code not in OK_STATUSES:
                        leaks.append(
                            (
                                user.username,
                                method.upper(),
                                url,
                                model.__name__,
                                response.status_code,
                            )
                        )
    mapped = sum(1 for kinds in route_models.values() if kinds)
    unmapped = sorted({n for (n, _k, _w), kinds in route_models.items() if not kinds})
    print(
        f"\naccess sweep: {len(routes)} id routes ({mapped} mapped to their kind of record) x {len(users)} users "
        f"x {len(model_paths)} kinds of personal record -> {checked} requests, {len(leaks)} leaks"
    )
    assert not leaks, "\n".join(map(str, leaks[:40]))
    assert len(routes) >= 10 and len(users) >= 10
    unexplained = [n for n in unmapped if not n.startswith(SHARED_ROUTE_PREFIXES)]
    assert not unexplained, (
        f"routes the sweep cannot map to a kind of personal record: {unexplained}"
    )


@pytest.mark.django_db
def test_sweep_world_has_withdrawn_and_foreign_objects(demo_world):
    coach = User.objects.get(username="workcoach.luton")
    acting.attach(coach)
    assert Person.objects.for_user(coach).exists()
    assert Person.objects.exclude(pk__in=Person.objects.for_user(coach)).exists()
