from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac


class User(AbstractUser):
    """A member of staff. What they may see comes from their memberships, never from is_staff."""

    session_salt = models.CharField(
        max_length=32,
        blank=True,
        default="",
        editable=False,
        help_text="Rotated by 'sign out everywhere': every existing session stops working",
    )

    class Meta:
        ordering = ["username"]

    def _get_session_auth_hash(self, secret=None):
        """Django checks this on every request: a new session_salt ends every session at once.

        With an empty salt the hash equals Django's own, so existing sessions stay valid."""
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            self.password + self.session_salt,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def __str__(self):
        return self.get_full_name() or self.username


class Region(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AgencyKind(models.TextChoices):
    PROBATION = "probation", "Probation"
    PRISON = "prison", "Prison"
    JOBCENTRE = "jobcentre", "Jobcentre Plus"
    PROVIDER = "provider", "Employment provider"
    COMMISSIONER = "commissioner", "Commissioner"


class SourceCategory(models.TextChoices):
    """Where referrals come from, as the evaluations count them (002 Table C.3)."""

    JOBCENTRE = "jobcentre", "Jobcentre Plus"
    PRISON_EDUCATION = "prison_education", "Prison education (OLASS)"
    PRISON = "prison", "Prison service"
    PROBATION = "probation", "Probation service"
    EMPLOYMENT_PROGRAMME = "employment_programme", "Employment programme (such as progress2work)"
    OTHER = "other", "Other"


SOURCE_CATEGORY_FOR_KIND = {
    AgencyKind.PROBATION: SourceCategory.PROBATION,
    AgencyKind.PRISON: SourceCategory.PRISON,
    AgencyKind.JOBCENTRE: SourceCategory.JOBCENTRE,
    AgencyKind.PROVIDER: SourceCategory.EMPLOYMENT_PROGRAMME,
    AgencyKind.COMMISSIONER: SourceCategory.OTHER,
}


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="agencies")
    source_category = models.CharField(
        max_length=30,
        choices=SourceCategory.choices,
        default=SourceCategory.OTHER,
        help_text="How its referrals are counted in reports (set by an administrator)",
    )
    contact_name = models.CharField("single point of contact", max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    designated_officer = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class SiteKind(models.TextChoices):
    PRISON = "prison", "Prison establishment"
    JOBCENTRE = "jobcentre", "Jobcentre office"
    PROBATION = "probation", "Probation office"
    PROVIDER = "provider", "Provider office"
    OFFICE = "office", "Office"


class Site(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=SiteKind.choices, default=SiteKind.OFFICE)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="site_unique_name_per_agency")
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Caseworker"
    EBSA = "ebsa", "Employment and Benefit Surgery Adviser"
    WORK_COACH = "work_coach", "Work coach"
    EMPLOYMENT_ADVISER = "employment_adviser", "Employment adviser"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"


class StaffMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="membership_unique_user_agency")
        ]

    def __str__(self):
        return f"{self.user} at {self.agency} ({self.get_role_display()})"


class ApiToken(models.Model):
    """An API token. Only a SHA-256 digest of the key is stored; the key is shown once, at issue.

    A token ends when it is revoked (sign-out, staff removal), when it has been idle for
    API_TOKEN_IDLE_SECONDS or is older than API_TOKEN_ABSOLUTE_SECONDS, and when the user's
    password or session salt changes (user_fingerprint no longer matches). See agencies/tokens.py.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    user_fingerprint = models.CharField(max_length=64, editable=False)
    two_factor = models.BooleanField(
        default=False, editable=False, help_text="Issued after a two-factor code was checked"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="The absolute end, however active")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked")]

    def __str__(self):
        return f"API token {self.pk} of {self.user}"


class TwoFactorEnrolment(models.Model):
    """A one-time code an administrator issues so a user can add an authenticator app.

    The password alone never enrols a device (a stolen password must not become a second factor).
    Only a SHA-256 digest of the code is stored; see agencies/enrolment.py."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="two_factor_enrolments")
    code_digest = models.CharField(max_length=64, editable=False)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Two-factor set-up code for {self.user}"
