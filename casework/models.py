from django.conf import settings
from django.db import models
from django.db.models import F, Q

from casework.validators import validate_crn, validate_ni_number, validate_prison_number
from consent import policy


class PersonQuerySet(models.QuerySet):
    def for_user(self, user):
        return policy.scope_people(self, user)


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other or prefer not to say"


class AccommodationStatus(models.TextChoices):
    SETTLED = "settled", "Settled"
    TEMPORARY = "temporary", "Temporary or supported"
    NO_FIXED_ABODE = "no_fixed_abode", "No fixed abode"
    IN_CUSTODY = "in_custody", "In custody"
    UNKNOWN = "unknown", "Not known"


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", "Employed"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    UNEMPLOYED = "unemployed", "Unemployed"
    IN_TRAINING = "in_training", "In education or training"
    NOT_AVAILABLE = "not_available", "Not available for work (custody, sickness)"
    UNKNOWN = "unknown", "Not known"


class BenefitStatus(models.TextChoices):
    CLAIMING = "claiming", "Claiming"
    NOT_CLAIMING = "not_claiming", "Not claiming"
    CLOSED_AT_RECEPTION = "closed_at_reception", "Claim closed at reception"
    UNKNOWN = "unknown", "Not known"


class Person(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    aliases = models.CharField(max_length=300, blank=True, help_text="Other names used, separated by commas")
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices)
    national_insurance_number = models.CharField(max_length=13, blank=True, validators=[validate_ni_number])
    prison_number = models.CharField(max_length=10, blank=True, validators=[validate_prison_number])
    crn = models.CharField("case reference number (CRN)", max_length=10, blank=True, validators=[validate_crn])
    home_area = models.CharField(max_length=100, blank=True)
    release_area = models.CharField(max_length=100, blank=True)
    identity_verified_on = models.DateField(null=True, blank=True)
    identity_verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    bank_account_held = models.BooleanField(default=False)
    id_documents_held = models.BooleanField(default=False)
    accommodation_status = models.CharField(max_length=20, choices=AccommodationStatus.choices, default=AccommodationStatus.UNKNOWN)
    employment_status = models.CharField(max_length=20, choices=EmploymentStatus.choices, default=EmploymentStatus.UNKNOWN)
    benefit_status = models.CharField(max_length=20, choices=BenefitStatus.choices, default=BenefitStatus.UNKNOWN)
    restricted = models.BooleanField(default=False, help_text="Limited access: only named users may see this person")
    created_by_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                          help_text="Sees the person until a case is opened for them")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        permissions = [(policy.RESTRICTED_PERMISSION, "May see this restricted person")]
        indexes = [
            models.Index(fields=["crn"], name="person_crn"),
            models.Index(fields=["prison_number"], name="person_prison_number"),
            models.Index(fields=["national_insurance_number"], name="person_nino"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class OffenderGroup(models.TextChoices):
    COMMUNITY = "community", "Community order or suspended sentence"
    SHORT_CUSTODY = "short_custody", "Custody under 12 months"
    LONG_CUSTODY = "long_custody", "Custody 12 months or more"
    REMAND = "remand", "Remand"


class SupportLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Stage(models.TextChoices):
    RECEPTION = "reception", "Reception"
    IN_CUSTODY = "in_custody", "In custody"
    PRE_RELEASE = "pre_release", "Pre-release"
    RELEASED = "released", "Released"
    IN_COMMUNITY = "in_community", "In the community"
    IN_WORK = "in_work", "In work"


class EndReason(models.TextChoices):
    COMPLETED = "completed", "Completed"
    MOVED_AWAY = "moved_away", "Moved away"
    DISENGAGED = "disengaged", "Disengaged"
    RECALLED = "recalled", "Recalled or re-offended"
    DIED = "died", "Died"
    OTHER = "other", "Other"


class CaseQuerySet(models.QuerySet):
    def for_user(self, user):
        return policy.scope_by_person(self, user)

    def open(self):
        return self.filter(end_date__isnull=True)


class Case(models.Model):
    """One episode of support for a person, owned by one agency; others may be involved in parallel."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    owning_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="owned_cases")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_cases",
                              help_text="The caseworker responsible")
    site = models.ForeignKey("agencies.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    offender_group = models.CharField(max_length=20, choices=OffenderGroup.choices)
    support_level = models.CharField(max_length=10, choices=SupportLevel.choices)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    start_date = models.DateField()
    planned_end_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["owning_agency", "end_date", "stage"], name="case_caseload"),
            models.Index(fields=["owner", "end_date"], name="case_owner"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end_date__gt=F("start_date")), name="case_planned_end_after_start"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="case_end_after_start"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | ~Q(end_reason=""), name="case_end_needs_reason"),
        ]

    def __str__(self):
        return f"Case {self.pk} for {self.person}"

    @property
    def is_open(self):
        return self.end_date is None


class SentenceType(models.TextChoices):
    COMMUNITY_ORDER = "community_order", "Community order"
    SUSPENDED = "suspended_sentence", "Suspended sentence"
    CUSTODIAL = "custodial", "Custodial sentence"
    REMAND = "remand", "Remand"
    UNPAID_WORK = "unpaid_work", "Unpaid work"


class ReleaseType(models.TextChoices):
    END_OF_SENTENCE = "end_of_sentence", "End of sentence"
    LICENCE = "licence", "On licence"
    FROM_COURT = "from_court", "From court"


class SentenceEpisodeQuerySet(models.QuerySet):
    def for_user(self, user):
        return policy.scope_by_person(self, user)


class SentenceEpisode(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sentences")
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="sentences")
    sentence_type = models.CharField(max_length=20, choices=SentenceType.choices)
    length_months = models.PositiveIntegerField(null=True, blank=True)
    sentence_date = models.DateField(null=True, blank=True)
    reception_date = models.DateField(null=True, blank=True)
    establishment = models.ForeignKey("agencies.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    expected_release_date = models.DateField(null=True, blank=True)
    actual_release_date = models.DateField(null=True, blank=True)
    release_type = models.CharField(max_length=20, choices=ReleaseType.choices, blank=True)
    offence_summary = models.TextField(blank=True, help_text="Sensitive: shown only to the owning agency and consented recipients")

    objects = SentenceEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-reception_date", "-sentence_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actual_release_date__isnull=True) | Q(reception_date__isnull=True) | Q(actual_release_date__gte=F("reception_date")),
                name="sentence_release_after_reception"),
            models.CheckConstraint(
                condition=Q(expected_release_date__isnull=True) | Q(reception_date__isnull=True) | Q(expected_release_date__gte=F("reception_date")),
                name="sentence_expected_release_after_reception"),
        ]


class LeadAgencyPeriod(models.Model):
    """The lead agency of a case, as a dated history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lead_periods")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=Q(ended_on__isnull=True), name="one_current_lead_agency")]
