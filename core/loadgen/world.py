"""Regions, agencies, sites and staff across England and Wales (synthetic, idempotent by name)."""

import math

from django.contrib.auth.hashers import make_password

from agencies.models import Agency, AgencyKind, Region, Role, Site, SiteKind, StaffMembership, User

# The twelve probation regions of England and Wales with a rough share of the caseload, three towns
# each (probation delivery units, Jobcentres, providers) and prisons (most people are held outside
# their home region).
REGIONS = [
    (
        "North East",
        0.05,
        ["Newcastle", "Sunderland", "Middlesbrough"],
        ["Durham", "Holme House", "Northumberland"],
    ),
    (
        "North West",
        0.08,
        ["Liverpool", "Preston", "Carlisle"],
        ["Altcourse", "Kirkham", "Haverigg", "Lancaster Farms"],
    ),
    (
        "Greater Manchester",
        0.06,
        ["Manchester", "Bolton", "Wigan"],
        ["Forest Bank", "Buckley Hall"],
    ),
    (
        "Yorkshire and the Humber",
        0.10,
        ["Leeds", "Sheffield", "Hull"],
        ["Wakefield", "Doncaster", "Humber", "Lindholme"],
    ),
    (
        "East Midlands",
        0.08,
        ["Nottingham", "Leicester", "Derby"],
        ["Nottingham", "Ranby", "Lowdham Grange"],
    ),
    (
        "West Midlands",
        0.11,
        ["Birmingham", "Coventry", "Wolverhampton"],
        ["Birmingham", "Oakwood", "Hewell", "Featherstone"],
    ),
    (
        "East of England",
        0.10,
        ["Norwich", "Peterborough", "Ipswich"],
        ["Norwich", "Peterborough", "Littlehey", "Wayland"],
    ),
    (
        "London",
        0.16,
        ["Croydon", "Hackney", "Ealing"],
        ["Wandsworth", "Pentonville", "Thameside", "Wormwood Scrubs"],
    ),
    (
        "Kent, Surrey and Sussex",
        0.09,
        ["Maidstone", "Brighton", "Guildford"],
        ["Elmley", "Lewes", "Swaleside"],
    ),
    (
        "South Central",
        0.07,
        ["Reading", "Southampton", "Oxford"],
        ["Winchester", "Bullingdon", "Isle of Wight"],
    ),
    (
        "South West",
        0.06,
        ["Bristol", "Plymouth", "Exeter"],
        ["Bristol", "Exeter", "Channings Wood", "Guys Marsh"],
    ),
    ("Wales", 0.04, ["Cardiff", "Swansea", "Wrexham"], ["Cardiff", "Parc", "Berwyn"]),
]
PROVIDERS = ["Working Links", "Second Chance Employment", "Fresh Start Enterprises"]
OPEN_SHARE = 0.35  # share of people with an open case (see people.py)
CASES_PER_STAFF = 35  # open cases per caseworker
OWNER_KIND_SHARE = {
    AgencyKind.PROBATION: 0.5,
    AgencyKind.PROVIDER: 0.25,
    AgencyKind.PRISON: 0.15,
    AgencyKind.JOBCENTRE: 0.10,
}
ROLE_FOR_KIND = {
    AgencyKind.PROBATION: Role.CASEWORKER,
    AgencyKind.PRISON: Role.CASEWORKER,
    AgencyKind.JOBCENTRE: Role.WORK_COACH,
    AgencyKind.PROVIDER: Role.EMPLOYMENT_ADVISER,
}
BENCH_PASSWORD = "bench-only-password-not-secret"  # noqa: S105  # nosec B105 (synthetic benchmark logins only)


class World:
    """What the people generator needs: agencies by region and kind, their sites and staff user ids."""

    def __init__(self):
        self.regions = []  # [(region id, name, share, towns)]
        self.by_region = {}  # region id -> {kind: [agency ids]}
        self.prisons = []  # [(agency id, site id, region id)]
        self.prison_jobcentre = {}  # prison agency id -> jobcentre-at-prison agency id
        self.site_of = {}  # agency id -> [site ids]
        self.town_of = {}  # agency id -> town
        self.staff = {}  # agency id -> [user ids]
        self.kind_of = {}


def _slug(text: str) -> str:
    return "".join(c for c in text.lower().replace(" ", "-") if c.isalnum() or c == "-")


def build_world(people: int, *, password: str = BENCH_PASSWORD, log=print) -> World:
    world = World()
    encoded = make_password(
        password
    )  # one hash for every synthetic login (hashing 10,000 times is minutes)
    kinds_per_region = {AgencyKind.PROBATION: 3, AgencyKind.PROVIDER: 3, AgencyKind.JOBCENTRE: 3}
    new_users, new_memberships = [], []
    existing_usernames = set(
        User.objects.filter(username__startswith="lg.").values_list("username", flat=True)
    )
    memberships = []
    for region_name, share, towns, prisons in REGIONS:
        region, _ = Region.objects.get_or_create(name=region_name)
        world.regions.append((region.pk, region_name, share, towns))
        kinds = world.by_region.setdefault(region.pk, {})
        specs = []
        for town in towns:
            specs.append(
                (f"{town} Probation Delivery Unit", AgencyKind.PROBATION, town, SiteKind.PROBATION)
            )
            specs.append((f"Jobcentre Plus {town}", AgencyKind.JOBCENTRE, town, SiteKind.JOBCENTRE))
        for index, provider in enumerate(PROVIDERS):
            specs.append(
                (
                    f"{provider} {region_name}",
                    AgencyKind.PROVIDER,
                    towns[index % len(towns)],
                    SiteKind.PROVIDER,
                )
            )
        for prison in prisons:
            specs.append(
                (f"HMP {prison} ({region_name})", AgencyKind.PRISON, prison, SiteKind.PRISON)
            )
            specs.append(
                (
                    f"Jobcentre Plus at HMP {prison} ({region_name})",
                    AgencyKind.JOBCENTRE,
                    prison,
                    SiteKind.PRISON,
                )
            )
        specs.append(
            (f"{region_name} commissioning", AgencyKind.COMMISSIONER, towns[0], SiteKind.OFFICE)
        )
        for name, kind, town, site_kind in specs:
            agency, _ = Agency.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "region": region,
                    "contact_name": "Partnership lead",
                    "contact_email": f"{_slug(name)}@example.org",
                    "designated_officer": "Designated officer",
                },
            )
            site, _ = Site.objects.get_or_create(
                agency=agency,
                name=f"{name} office" if kind != AgencyKind.PRISON else name,
                defaults={"kind": site_kind, "town": town},
            )
            world.site_of[agency.pk] = [site.pk]
            world.town_of[agency.pk] = town
            world.kind_of[agency.pk] = kind
            at_prison = name.startswith("Jobcentre Plus at HMP")
            kinds.setdefault("prison_jobcentre" if at_prison else kind, []).append(agency.pk)
            if kind == AgencyKind.PRISON:
                world.prisons.append((agency.pk, site.pk, region.pk))
            if at_prison:
                prison_id = kinds[AgencyKind.PRISON][-1]
                world.prison_jobcentre[prison_id] = agency.pk
            memberships.append((agency, kind, share, at_prison))
    del kinds_per_region
    # staff: enough caseworkers for about CASES_PER_STAFF open cases each, plus a manager
    for agency, kind, share, at_prison in memberships:
        if kind == AgencyKind.COMMISSIONER:
            count, role = 2, Role.MANAGER
        else:
            kind_share = OWNER_KIND_SHARE.get(kind, 0.05) if not at_prison else 0.05
            per_region = len(
                world.by_region[agency.region_id].get(
                    "prison_jobcentre" if at_prison else kind, [1]
                )
            )
            open_cases = people * OPEN_SHARE * share * kind_share / per_region
            count, role = (
                max(3, math.ceil(open_cases / CASES_PER_STAFF)),
                (Role.EBSA if at_prison else ROLE_FOR_KIND[kind]),
            )
        for i in range(count + 1):
            username = f"lg.{agency.pk}.{i}"
            if username in existing_usernames:
                continue
            user_role = Role.MANAGER if i == count else role
            new_users.append(
                User(
                    username=username,
                    first_name="Staff",
                    last_name=f"{agency.pk}-{i}",
                    email=f"{username}@example.org",
                    password=encoded,
                )
            )
            new_memberships.append((username, agency.pk, user_role, world.site_of[agency.pk][0]))
    if new_users:
        User.objects.bulk_create(new_users, batch_size=5000)
        ids = dict(
            User.objects.filter(username__in=[u.username for u in new_users]).values_list(
                "username", "pk"
            )
        )
        StaffMembership.objects.bulk_create(
            [
                StaffMembership(user_id=ids[u], agency_id=a, role=r, site_id=s)
                for u, a, r, s in new_memberships
            ],
            batch_size=5000,
        )
    for user_id, agency_id, role in StaffMembership.objects.filter(
        user__username__startswith="lg."
    ).values_list("user_id", "agency_id", "role"):
        if role != Role.MANAGER:
            world.staff.setdefault(agency_id, []).append(user_id)
    for ids in world.staff.values():
        ids.sort()
    log(
        f"world: {len(world.regions)} regions, {len(world.kind_of)} agencies, "
        f"{sum(len(v) for v in world.staff.values())} staff ({len(new_users)} new)"
    )
    return world
