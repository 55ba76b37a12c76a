"""Demo agencies, sites and logins for the East of England (synthetic)."""

from agencies.models import (
    SOURCE_CATEGORY_FOR_KIND,
    Agency,
    AgencyKind,
    Region,
    Role,
    Site,
    SiteKind,
    SourceCategory,
    StaffMembership,
    User,
)

AGENCIES = [
    # name, kind, [(site, site kind, town, postcode)]
    (
        "Bedfordshire Probation",
        AgencyKind.PROBATION,
        [
            ("Luton probation office", SiteKind.PROBATION, "Luton", "LU1 2AA"),
            ("Bedford probation office", SiteKind.PROBATION, "Bedford", "MK40 1AA"),
        ],
    ),
    (
        "Essex Probation",
        AgencyKind.PROBATION,
        [("Southend probation office", SiteKind.PROBATION, "Southend-on-Sea", "SS1 1AA")],
    ),
    (
        "Suffolk Probation",
        AgencyKind.PROBATION,
        [("Bury St Edmunds probation office", SiteKind.PROBATION, "Bury St Edmunds", "IP33 1AA")],
    ),
    ("HMP Bedford", AgencyKind.PRISON, [("HMP Bedford", SiteKind.PRISON, "Bedford", "MK40 1HG")]),
    (
        "HMP Highpoint",
        AgencyKind.PRISON,
        [("HMP Highpoint", SiteKind.PRISON, "Newmarket", "CB8 9YG")],
    ),
    (
        "HMP Chelmsford",
        AgencyKind.PRISON,
        [("HMP Chelmsford", SiteKind.PRISON, "Chelmsford", "CM2 6LQ")],
    ),
    (
        "Jobcentre Plus at HMP Bedford",
        AgencyKind.JOBCENTRE,
        [("HMP Bedford benefit surgery", SiteKind.PRISON, "Bedford", "MK40 1HG")],
    ),
    (
        "Jobcentre Plus Luton",
        AgencyKind.JOBCENTRE,
        [("Luton Jobcentre", SiteKind.JOBCENTRE, "Luton", "LU1 2BB")],
    ),
    (
        "Jobcentre Plus Southend",
        AgencyKind.JOBCENTRE,
        [("Southend Jobcentre", SiteKind.JOBCENTRE, "Southend-on-Sea", "SS1 2BB")],
    ),
    (
        "Jobcentre Plus Bury St Edmunds",
        AgencyKind.JOBCENTRE,
        [("Bury St Edmunds Jobcentre", SiteKind.JOBCENTRE, "Bury St Edmunds", "IP33 2BB")],
    ),
    (
        "path2work",
        AgencyKind.PROVIDER,
        [
            ("path2work Luton", SiteKind.PROVIDER, "Luton", "LU1 3CC"),
            ("path2work Bury St Edmunds", SiteKind.PROVIDER, "Bury St Edmunds", "IP33 3CC"),
            ("path2work Southend", SiteKind.PROVIDER, "Southend-on-Sea", "SS1 3CC"),
        ],
    ),
    (
        "Fresh Ground Social Enterprise",
        AgencyKind.PROVIDER,
        [("Fresh Ground workshop", SiteKind.PROVIDER, "Luton", "LU2 4DD")],
    ),
    ("East of England commissioning", AgencyKind.COMMISSIONER, []),
]
# how each demo agency's referrals are counted (002 Table C.3); the rest follow their kind
DEMO_SOURCE_CATEGORIES = {"Fresh Ground Social Enterprise": SourceCategory.OTHER}

LOGINS = [
    # username, first, last, agency, role, site
    (
        "probation.luton",
        "Priya",
        "Shah",
        "Bedfordshire Probation",
        Role.CASEWORKER,
        "Luton probation office",
    ),
    (
        "probation.southend",
        "Tom",
        "Berry",
        "Essex Probation",
        Role.CASEWORKER,
        "Southend probation office",
    ),
    (
        "ebsa.bedford",
        "Grace",
        "Okafor",
        "Jobcentre Plus at HMP Bedford",
        Role.EBSA,
        "HMP Bedford benefit surgery",
    ),
    ("workcoach.luton", "Sam", "Doyle", "Jobcentre Plus Luton", Role.WORK_COACH, "Luton Jobcentre"),
    ("adviser.path2work", "Maya", "Lewis", "path2work", Role.EMPLOYMENT_ADVISER, "path2work Luton"),
    (
        "manager.luton",
        "Helen",
        "Ward",
        "Bedfordshire Probation",
        Role.MANAGER,
        "Luton probation office",
    ),
    ("manager.east", "David", "Price", "East of England commissioning", Role.MANAGER, None),
    (
        "probation.bury",
        "Ellie",
        "Hart",
        "Suffolk Probation",
        Role.CASEWORKER,
        "Bury St Edmunds probation office",
    ),
    ("prison.bedford", "Nadia", "Clarke", "HMP Bedford", Role.CASEWORKER, "HMP Bedford"),
]
# A user who works for two agencies and chooses one at sign-in.
DUAL = (
    "ete.dual",
    "Chris",
    "Moran",
    [("Bedfordshire Probation", Role.CASEWORKER), ("path2work", Role.EMPLOYMENT_ADVISER)],
)


def _user(username, first, last, password):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
    )
    if created:
        user.set_password(password)
        user.save()
    return user


def seed(world):
    region, _ = Region.objects.get_or_create(name="East of England")
    agencies, sites = {}, {}
    for name, kind, site_list in AGENCIES:
        agency, _ = Agency.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "region": region,
                "contact_name": "Partnership lead",
                "contact_email": "partnerships@example.org",
            },
        )
        category = DEMO_SOURCE_CATEGORIES.get(name, SOURCE_CATEGORY_FOR_KIND[kind])
        if agency.source_category != category:  # the demo sets every agency's category
            Agency.objects.filter(pk=agency.pk).update(source_category=category)
            agency.source_category = category
        agencies[name] = agency
        for site_name, site_kind, town, postcode in site_list:
            sites[site_name], _ = Site.objects.get_or_create(
                agency=agency,
                name=site_name,
                defaults={"kind": site_kind, "town": town, "postcode": postcode},
            )
    users, logins = {}, []
    for username, first, last, agency_name, role, site_name in LOGINS:
        user = _user(username, first, last, world["password"])
        StaffMembership.objects.get_or_create(
            user=user,
            agency=agencies[agency_name],
            defaults={"role": role, "site": sites.get(site_name)},
        )
        users[username] = user
        logins.append((username, agency_name, role.label))
    username, first, last, memberships = DUAL
    user = _user(username, first, last, world["password"])
    for agency_name, role in memberships:
        StaffMembership.objects.get_or_create(
            user=user, agency=agencies[agency_name], defaults={"role": role}
        )
    users[username] = user
    logins.append(
        (
            username,
            "Bedfordshire Probation + path2work (chooses)",
            "caseworker / employment adviser",
        )
    )
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser(
            "admin", "admin@example.org", world["password"], first_name="Site", last_name="Admin"
        )
    users["admin"] = admin
    logins.append(("admin", "— (administration only, no case data)", "admin"))
    world.update(region=region, agencies=agencies, sites=sites, users=users, logins=logins)
