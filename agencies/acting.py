"""The acting agency: a staff user acts for one agency (and role) at a time."""

from dataclasses import dataclass

from agencies.models import Agency, StaffMembership

SESSION_KEY = "acting_agency_id"


@dataclass(frozen=True)
class Acting:
    membership_id: int
    agency: Agency
    role: str

    @property
    def agency_id(self) -> int:
        return self.agency.pk

    @property
    def kind(self) -> str:
        return self.agency.kind


def memberships_for(user):
    return (
        StaffMembership.objects.filter(user=user, is_active=True, agency__is_active=True)
        .select_related("agency", "agency__region")
        .order_by("id")
    )


def resolve(user, requested_agency_id=None) -> Acting | None:
    """The membership the user acts under: the requested agency if they belong to it, else the first.

    Returns None for a user with no memberships (an administrator sees no case data).
    Raises LookupError when an agency is requested that the user does not belong to.
    """
    if not user or not user.is_authenticated:
        return None
    memberships = memberships_for(user)
    if requested_agency_id not in (None, ""):
        try:
            membership = memberships.get(agency_id=int(requested_agency_id))
        except (StaffMembership.DoesNotExist, ValueError, TypeError):
            raise LookupError("not a member of that agency") from None
    else:
        membership = memberships.first()
    if membership is None:
        return None
    return Acting(membership_id=membership.pk, agency=membership.agency, role=membership.role)


def attach(user, requested_agency_id=None) -> Acting | None:
    user.acting = resolve(user, requested_agency_id)
    return user.acting
