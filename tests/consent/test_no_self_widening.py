"""No agency can widen its own access: a stateful property test (hypothesis RuleBasedStateMachine).

Users of four agencies (the owner's caseworker and manager, a provider's adviser and manager, the
prison's EBSA, a release-area work coach, another probation caseworker) take any action the pages
and API offer them, in random order: open a case, record or withdraw a consent, share, refer and
accept, restrict and name staff, book Freshstart, edit the person, record attendance on another
agency's appointment. After every step:

- no agency holds a section that the owner's actions and the person's consents do not give it.
  The oracle here is written apart from consent.policy: an agency may see what the owner chose to
  send it (a share, or a referral it accepted) as far as a live consent to it covers, plus the
  gateways (the EBSA: reception at its prison; a booked Freshstart office), nothing else;
- no row was changed by an agency that may not change it (the person's details, the owner's
  appointment, the restriction).
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from agencies import acting
from casework import services as case_services
from casework.models import Appointment, Case, Person
from consent import policy, services
from consent import sections as S
from consent.models import ConsentRecord
from core.errors import ApplicationError
from custody import services as custody_services
from referrals import services as referral_services

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today
GATEWAY = {"identity", "custody", "benefits"}


ACTORS = ["owner", "owner_manager", "adviser", "provider_manager", "ebsa", "coach", "other"]
RECIPIENTS = ["provider", "prison_jc", "release_jc", "other"]
CATEGORY_SETS = st.lists(
    st.sampled_from(S.DataCategory.values), min_size=1, max_size=5, unique=True
)
PURPOSE_SETS = st.lists(
    st.sampled_from(["employment_support", "sensitive_categories", "offender_marker"]),
    min_size=1,
    max_size=3,
    unique=True,
)


def run_machine(world):
    users, person, case = world["users"], world["person"], world["case"]
    agencies = world["agencies"]

    class NoSelfWidening(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            self.sent = {}  # agency id -> categories the owner chose for it (shares, accepted referrals)
            self.freshstart = False
            self.referrals = []
            self.baseline = Person.objects.values("release_area", "version").get(pk=person.pk)

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)
            for user in users.values():
                policy.forget(user)
                acting.attach(user)

        def _try(self, func, **kwargs):
            try:
                with transaction.atomic():
                    return func(**kwargs)
            except ApplicationError:
                return None

        # --- actions ------------------------------------------------------------------------
        @rule(actor=st.sampled_from(ACTORS))
        def open_a_case(self, actor):
            before = Case.objects.filter(person=person).count()
            made = self._try(
                case_services.case_open,
                user=users[actor],
                person=person,
                offender_group="community",
                support_level="low",
                stage="in_community",
                start_date=TODAY(),
                planned_end_date=TODAY() + datetime.timedelta(days=100),
            )
            if actor not in ("owner", "owner_manager"):
                assert made is None and Case.objects.filter(person=person).count() == before

        @rule(
            actor=st.sampled_from(ACTORS),
            recipient=st.sampled_from(RECIPIENTS),
            purposes=PURPOSE_SETS,
            categories=CATEGORY_SETS,
        )
        def record_consent(self, actor, recipient, purposes, categories):
            made = self._try(
                services.consent_record,
                user=users[actor],
                person=person,
                recipient_agency=agencies[recipient],
                purposes=purposes,
                data_categories=categories,
                method="verbal_witnessed",
                witness_name="anyone",
                given_on=TODAY(),
            )
            if made is not None:
                own = users[actor].acting.agency_id == agencies[recipient].pk
                assert actor in ("owner", "owner_manager") or own

        @rule(actor=st.sampled_from(ACTORS), data=st.data())
        def withdraw_consent(self, actor, data):
            live = list(ConsentRecord.objects.filter(person=person, withdrawn_on__isnull=True))
            if not live:
                return
            consent = data.draw(st.sampled_from(live))
            done = self._try(
                services.consent_withdraw, user=users[actor], consent=consent, reason="asked"
            )
            if done is not None:
                own = users[actor].acting.agency_id == consent.recipient_agency_id
                assert actor in ("owner", "owner_manager") or own

        @rule(
            actor=st.sampled_from(ACTORS),
            recipient=st.sampled_from(RECIPIENTS),
            categories=CATEGORY_SETS,
        )
        def share(self, actor, recipient, categories):
            done = self._try(
                services.case_involve,
                user=users[actor],
                case=case,
                agency=agencies[recipient],
                categories=categories,
            )
            if done is not None:
                assert actor in ("owner", "owner_manager")
                self.sent.setdefault(agencies[recipient].pk, set()).update(categories)

        @rule(recipient=st.sampled_from(RECIPIENTS))
        def the_owner_shares_everything_but_sensitive(self, recipient):
            """The owner's own generous choice (with the person's consent), so partners then hold
            enough to try changing the owner's rows."""
            agency = agencies[recipient]
            everything = [k for k in S.KEYS if k not in S.PARTS]
            self._try(
                services.consent_record,
                user=users["owner"],
                person=person,
                recipient_agency=agency,
                purposes=["employment_support"],
                data_categories=everything,
                method="signed_form",
                form_version="v4",
                given_on=TODAY(),
            )
            if self._try(
                services.case_involve,
                user=users["owner"],
                case=case,
                agency=agency,
                categories=everything,
            ):
                self.sent.setdefault(agency.pk, set()).update(everything)

        @rule(actor=st.sampled_from(ACTORS), categories=CATEGORY_SETS)
        def refer_to_the_provider(self, actor, categories):
            referral = self._try(
                referral_services.referral_create,
                user=users[actor],
                case=case,
                provision=world["provision"],
                need="education_training_employment",
                reason="Work",
                share_categories=categories,
            )
            if referral is not None and self._try(
                referral_services.referral_send, user=users[actor], referral=referral
            ):
                self.referrals.append((referral, actor))

        @rule(actor=st.sampled_from(ACTORS))
        def accept_a_referral(self, actor):
            for referral, sender in self.referrals:
                if self._try(
                    referral_services.referral_accept, user=users[actor], referral=referral
                ):
                    assert users[actor].acting.agency_id == agencies["provider"].pk
                    # what the sender sent, as far as the sender itself could see it
                    self.sent.setdefault(agencies["provider"].pk, set()).update(
                        referral.share_categories
                    )
                    assert sender in ("owner", "owner_manager") or set(
                        referral.share_categories
                    ) <= self.allowed(users[sender].acting.agency_id)

        @rule(actor=st.sampled_from(ACTORS), restrict=st.booleans())
        def restrict(self, actor, restrict):
            before = Person.objects.get(pk=person.pk).restricted
            done = self._try(
                services.person_set_restricted,
                user=users[actor],
                person=person,
                restricted=restrict,
                reason="because",
                confirmed=True,
            )
            after = Person.objects.get(pk=person.pk).restricted
            if actor != "owner_manager":
                assert done is None and before == after

        @rule(actor=st.sampled_from(ACTORS), named=st.sampled_from(ACTORS))
        def name_staff(self, actor, named):
            self._try(
                services.restricted_access_grant,
                user=users[actor],
                person=person,
                staff_user=users[named],
                agency=users[named].acting.agency,
            )

        @rule(actor=st.sampled_from(ACTORS), days=st.integers(min_value=-3, max_value=60))
        def book_freshstart(self, actor, days):
            made = self._try(
                custody_services.freshstart_book,
                user=users[actor],
                person=person,
                office=world["office"],
                appointment_at=timezone.now() + datetime.timedelta(days=days),
            )
            if made is not None:
                assert 5 <= days <= 5 + 42
                self.freshstart = True

        @rule(actor=st.sampled_from(ACTORS))
        def edit_the_person(self, actor):
            current = Person.objects.get(pk=person.pk)
            done = self._try(
                case_services.person_update,
                user=users[actor],
                person=current,
                version=current.version,
                release_area="Carlisle",
            )
            if done is not None:
                assert actor in ("owner", "owner_manager")
                Person.objects.filter(pk=person.pk).update(release_area="Luton")

        @rule(actor=st.sampled_from(ACTORS))
        def record_attendance_on_the_owners_appointment(self, actor):
            appointment = Appointment.objects.get(pk=world["appointment"].pk)
            done = self._try(
                case_services.appointment_attendance_record,
                user=users[actor],
                appointment=appointment,
                attended="yes",
                version=appointment.version,
            )
            if done is not None:
                assert actor in ("owner", "owner_manager")

        # --- the oracle ---------------------------------------------------------------------
        def allowed(self, agency_id) -> set:
            if agency_id == agencies["owner"].pk:
                return set(S.KEYS)
            keys = set()
            for consent in ConsentRecord.objects.filter(
                person=person,
                recipient_agency_id=agency_id,
                withdrawn_on__isnull=True,
                employment_support=True,
            ):
                covered = set(consent.data_categories) & set(S.NON_SENSITIVE)
                if consent.sensitive_categories:
                    covered |= set(consent.data_categories) & set(S.PARTS)
                keys |= covered & self.sent.get(agency_id, set())
            if agency_id == agencies["prison_jc"].pk:
                keys |= GATEWAY
            if agency_id == agencies["release_jc"].pk and self.freshstart:
                keys |= GATEWAY
            return keys

        @invariant()
        def no_agency_holds_more_than_it_was_given(self):
            for user in users.values():
                policy.forget(user)
                access = policy.access_for(user, person)
                extra = set(access.until) - self.allowed(user.acting.agency_id)
                assert not extra, (user.username, sorted(extra))

        @invariant()
        def nobody_else_changed_the_person(self):
            assert Person.objects.get(pk=person.pk).release_area == "Luton"

    run_state_machine_as_test(
        NoSelfWidening,
        settings=settings(
            max_examples=60,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_no_agency_can_widen_its_own_access(world):
    run_machine(world)
