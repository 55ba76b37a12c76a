"""Provision catalogue, referrals between agencies and their status history (DOMAIN.md §6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from consent import policy


def default_response_working_days() -> int:
    return settings.REFERRAL_RESPONSE_WORKING_DAYS


class DeliveryKind(models.TextChoices):
    """Who delivers the provision (001 §3.3)."""

    JOBCENTRE = "jobcentre", "Jobcentre Plus"
    NOMS = "noms", "NOMS (prison or probation)"
    OTHER_PARTNER = "other_partner", "Other partner"


class Setting(models.TextChoices):
    CUSTODY = "custody", "Custody"
    COMMUNITY = "community", "Community"
    THROUGH_THE_GATE = "through_the_gate", "Through the gate"


class Provision(models.Model):
    """Something an agency offers that others can refer people to. Not personal data."""

    name = models.CharField(max_length=200)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="provisions",
        help_text="The agency that delivers it and answers referrals",
    )
    agency_kind = models.CharField("delivered by", max_length=20, choices=DeliveryKind.choices)
    setting = models.CharField(max_length=20, choices=Setting.choices)
    funding = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    eligibility = models.TextField("eligibility notes", blank=True)
    response_working_days = models.PositiveSmallIntegerField(
        default=default_response_working_days,
        help_text="Working days the agency has to answer a referral",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "name"], name="provision_unique_name_per_agency"
            ),
            models.CheckConstraint(
                condition=Q(response_working_days__gte=1), name="provision_response_days_positive"
            ),
        ]

    def __str__(self):
        return self.name


class Need(models.TextChoices):
    """The ten assessment areas (DOMAIN.md §3)."""

    ACCOMMODATION = "accommodation", "Accommodation"
    ETE = "education_training_employment", "Education, training and employment"
    LITERACY_NUMERACY = "literacy_numeracy", "Literacy and numeracy"
    HEALTH = "health", "Health (including mental health)"
    DRUGS = "drugs", "Drugs"
    ALCOHOL = "alcohol", "Alcohol"
    FINANCE = "finance_benefit_debt", "Finance, benefit and debt"
    CHILDREN_FAMILIES = "children_families", "Children and families"
    ATTITUDES = "attitudes_thinking_behaviour", "Attitudes, thinking and behaviour"
    ID_BANK = "id_bank_account", "ID documents and bank account"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (Status.SENT, Status.ACCEPTED, Status.STARTED)
CLOSED_STATUSES = (Status.DECLINED, Status.COMPLETED, Status.WITHDRAWN)


class DeclineReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", "Not eligible for this provision"
    NO_CAPACITY = "no_capacity", "No places available"
    OUT_OF_AREA = "out_of_area", "Lives or will be released outside our area"
    ALREADY_SUPPORTED = "already_supported", "Already receiving this support"
    NOT_SUITABLE = "not_suitable", "Not suitable at this time"
    PERSON_DECLINED = "person_declined", "The person does not want to take part"
    OTHER = "other", "Other"


class WithdrawReason(models.TextChoices):
    CONSENT_WITHDRAWN = "consent_withdrawn", "The person withdrew their consent"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
    PERSON_WITHDREW = "person_withdrew", "The person no longer wants to take part"
    MOVED_AWAY = "moved_away", "Moved away or transferred"
    RECALLED = "recalled", "Recalled to custody"
    SENT_IN_ERROR = "sent_in_error", "Sent in error"
    OTHER = "other", "Other"


class ReferralQuerySet(models.QuerySet):
    def for_user(self, user):
        """Referrals the acting agency may see.

        The sending agency sees its referrals (drafts too) for people it can still see. The receiving
        agency sees referrals sent to it only while a live employment-support consent from the person
        covers it: before acceptance it cannot see the person's record, and after a withdrawal it sees
        neither. An agency that sees the referrals section of the person's record sees their other
        referrals (not drafts). Any other agency sees nothing (404).
        """
        branches = [
            self.sent_by(user),
            self.received_by(user),
            policy.scope_referrals_by_section(self, user),
        ]
        # Index-driven branches joined by UNION ALL inside IN, not an OR: the OR made PostgreSQL
        # test every rule on every referral of the agency and read the people table for each
        # (docs/performance.md).
        first, *rest = [qs.order_by().values("pk") for qs in branches]
        return self.filter(pk__in=first.union(*rest, all=True))

    def sent_by(self, user):
        """The acting agency's own referrals (drafts too) for people it may still see."""
        acting = policy.acting_of(user)
        if not policy.can(user, "referral.make"):
            return self.none()
        return self.filter(
            from_agency_id=acting.agency_id, person_id__in=policy.visible_person_ids(user)
        )

    def received_by(self, user):
        """Referrals sent to the acting agency that a live employment-support consent covers."""
        acting = policy.acting_of(user)
        if not policy.can(user, "referral.make"):
            return self.none()
        return self.filter(
            policy.not_withheld(user), policy.live_consent_q(user), to_agency_id=acting.agency_id
        ).exclude(status=Status.DRAFT)

    def ended_by_withdrawal(self, user):
        """Referrals to the acting agency that ended because the person withdrew their consent: the
        inbox keeps a line for each, without anything about the person."""
        acting = policy.acting_of(user)
        if not policy.can(user, "referral.make"):
            return self.none()
        return self.filter(
            to_agency_id=acting.agency_id,
            status=Status.WITHDRAWN,
            withdraw_reason=WithdrawReason.CONSENT_WITHDRAWN,
        )


class Referral(models.Model):
    person = models.ForeignKey(
        "casework.Person", on_delete=models.PROTECT, related_name="referrals"
    )
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="referrals")
    # db_index=False: the composite indexes below lead with the agency and serve these lookups too
    from_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="referrals_sent", db_index=False
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    to_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        db_index=False,
    )
    provision = models.ForeignKey(
        Provision, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    need = models.CharField("need addressed", max_length=40, choices=Need.choices)
    reason = models.TextField("reason for the referral")
    share_categories = models.JSONField("information to share", default=list, blank=True)
    consent = models.ForeignKey(
        "consent.ConsentRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="The consent relied on when it was sent",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateField(null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    withdraw_reason = models.CharField(max_length=30, choices=WithdrawReason.choices, blank=True)
    outcome_text = models.TextField(
        blank=True, help_text="Details given when declining or withdrawing"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the inbox's parts, each walked in its display order (referrals.selectors.inbox_segments)
            # (covering the person, whose consent and access each row is checked against)
            models.Index(
                fields=["to_agency", "status", "respond_by"],
                include=["person"],
                name="referral_inbox",
            ),
            models.Index(
                fields=["from_agency", "status", "respond_by"],
                include=["person"],
                name="referral_outbox",
            ),
            models.Index(
                fields=["to_agency", "created_at", "id"],
                include=["person", "status"],
                name="referral_received",
            ),
            models.Index(
                fields=["from_agency", "created_at", "id"],
                include=["person", "status"],
                name="referral_made",
            ),
            models.Index(fields=["person", "provision", "status"], name="referral_duplicates"),
            models.Index(fields=["status", "respond_by"], name="referral_sla"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_agency=models.F("to_agency")), name="referral_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"])
                | Q(sent_at__isnull=False, respond_by__isnull=False),
                name="referral_sent_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referral_declined_needs_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdraw_reason=""),
                name="referral_withdrawn_needs_reason",
            ),
        ]

    def __str__(self):
        return f"Referral {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == Status.SENT
            and self.respond_by is not None
            and self.respond_by < policy.today()
        )

    @property
    def title(self) -> str:
        return self.provision.name if self.provision_id else self.to_agency.name

    def share_labels(self) -> list[str]:
        from consent.models import DataCategory

        return [DataCategory(c).label for c in self.share_categories if c in DataCategory.values]


class ReferralEvent(models.Model):
    """One transition of a referral: who, when, from which status to which, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    system = models.CharField(
        max_length=40, blank=True, help_text="The job that made the change, if not a person"
    )
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    reason_code = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.referral_id}: {self.from_status} -> {self.to_status}"

    def reason_label(self) -> str:
        choices = DeclineReason if self.to_status == Status.DECLINED else WithdrawReason
        return (
            choices(self.reason_code).label
            if self.reason_code in choices.values
            else self.reason_code
        )
