"""The materialised access rows always give the answer of the rule computed from scratch.

A hypothesis state machine makes random histories of one person's record: consents given (some
expiring), withdrawn, and left to expire as days pass; shares and referrals with chosen information;
the case closed and reopened; a reception at the EBSA's prison and a release; Freshstart bookings;
restriction and named access; emergency access. After every step, for every agency, the sections the
stored PersonAccess rows give today equal those policy.expected_access gives, the restricted flag is
copied, and an API read by a random demo user agrees with the rows (404 when nothing is visible,
otherwise the sections it reports).
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from rest_framework.test import APIClient

from agencies import acting
from casework import services as case_services
from casework.models import Case, SentenceEpisode
from consent import policy, services
from consent import sections as S
from consent.models import ConsentRecord
from core.errors import ApplicationError
from custody import services as custody_services
from referrals import services as referral_services
from tests.consent.test_no_self_widening import ACTORS, CATEGORY_SETS, RECIPIENTS

pytestmark = pytest.mark.django_db
REAL_TODAY = datetime.date.today


def _live(columns, on):
    return {
        key
        for key in S.KEYS
        if columns.get(S.field_for(key)) is not None and columns[S.field_for(key)] >= on
    }


def test_stored_rows_equal_the_rule_after_random_histories(world, monkeypatch):
    users, person, case, agencies = (
        world["users"],
        world["person"],
        world["case"],
        world["agencies"],
    )
    clock = {"offset": 0}
    monkeypatch.setattr(
        policy, "today", lambda: REAL_TODAY() + datetime.timedelta(days=clock["offset"])
    )

    class AccessRule(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()
            clock["offset"] = 0
            self.referrals = []

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)
            clock["offset"] = 0
            for user in users.values():
                policy.forget(user)
                acting.attach(user)

        def _try(self, func, **kwargs):
            try:
                with transaction.atomic():
                    return func(**kwargs)
            except ApplicationError:
                return None

        @rule(
            recipient=st.sampled_from(RECIPIENTS),
            categories=CATEGORY_SETS,
            sensitive=st.booleans(),
            days=st.one_of(st.none(), st.integers(1, 20)),
        )
        def give_consent(self, recipient, categories, sensitive, days):
            purposes = ["employment_support"] + (["sensitive_categories"] if sensitive else [])
            if not sensitive:
                categories = [c for c in categories if c not in S.PARTS] or ["identity"]
            elif not set(categories) & set(S.PARTS):
                categories = [*categories, "health"]
            self._try(
                services.consent_record,
                user=users["owner"],
                person=person,
                recipient_agency=agencies[recipient],
                purposes=purposes,
                data_categories=categories,
                method="signed_form",
                form_version="v4",
                given_on=policy.today(),
                expires_on=policy.today() + datetime.timedelta(days=days) if days else None,
            )

        @rule(
            recipient=st.sampled_from(RECIPIENTS),
            categories=CATEGORY_SETS,
            days=st.one_of(st.none(), st.integers(1, 20)),
        )
        def consent_and_share(self, recipient, categories, days):
            """The usual path: the person consents, the owner shares what the consent covers."""
            self.give_consent(recipient, categories, bool(set(categories) & set(S.PARTS)), days)
            self.share(recipient, categories)

        @rule(data=st.data())
        def withdraw(self, data):
            live = list(ConsentRecord.objects.filter(person=person, withdrawn_on__isnull=True))
            if live:
                consent = data.draw(st.sampled_from(live))
                self._try(
                    services.consent_withdraw, user=users["owner"], consent=consent, reason="asked"
                )

        @rule(days=st.integers(1, 15))
        def days_pass(self, days):
            clock["offset"] += days

        @rule(recipient=st.sampled_from(RECIPIENTS), categories=CATEGORY_SETS)
        def share(self, recipient, categories):
            self._try(
                services.case_involve,
                user=users["owner"],
                case=case,
                agency=agencies[recipient],
                categories=categories,
            )

        @rule(categories=CATEGORY_SETS)
        def refer_and_accept(self, categories):
            referral = self._try(
                referral_services.referral_create,
                user=users["owner"],
                case=case,
                provision=world["provision"],
                need="education_training_employment",
                reason="Work",
                share_categories=categories,
            )
            if referral and self._try(
                referral_services.referral_send, user=users["owner"], referral=referral
            ):
                self._try(
                    referral_services.referral_accept, user=users["adviser"], referral=referral
                )

        @rule(close=st.booleans())
        def close_or_reopen(self, close):
            current = Case.objects.get(pk=case.pk)
            if close and current.end_date is None:
                self._try(
                    case_services.case_update,
                    user=users["owner"],
                    case=current,
                    version=current.version,
                    end_date=policy.today(),
                    end_reason="completed",
                )
            elif not close and current.end_date is not None:
                self._try(
                    case_services.case_reopen,
                    user=users["owner"],
                    case=current,
                    version=current.version,
                    reason="back",
                )

        @rule()
        def release_from_prison(self):
            sentence = SentenceEpisode.objects.filter(case=case).first()
            if sentence and sentence.actual_release_date is None:
                self._try(
                    case_services.sentence_update,
                    user=users["owner"],
                    sentence=sentence,
                    version=sentence.version,
                    actual_release_date=min(policy.today(), REAL_TODAY()),
                    release_type="licence",
                )

        @rule(days=st.integers(5, 40))
        def book_freshstart(self, days):
            self._try(
                custody_services.freshstart_book,
                user=users["ebsa"],
                person=person,
                office=world["office"],
                appointment_at=timezone.now() + datetime.timedelta(days=days),
            )

        @rule(restrict=st.booleans(), named=st.sampled_from(ACTORS))
        def restriction(self, restrict, named):
            self._try(
                services.person_set_restricted,
                user=users["owner_manager"],
                person=person,
                restricted=restrict,
                reason="staff",
                confirmed=True,
            )
            self._try(
                services.restricted_access_grant,
                user=users["owner_manager"],
                person=person,
                staff_user=users[named],
                agency=users[named].acting.agency,
            )

        @rule(actor=st.sampled_from(["other", "coach", "adviser"]))
        def emergency(self, actor):
            self._try(
                services.emergency_access_request,
                user=users[actor],
                identifier=person.crn,
                reason="safeguarding",
                detail="urgent",
            )

        @invariant()
        def stored_rows_give_the_rules_answer(self):
            on = policy.today()
            expected = {}
            for agency_id, grant in policy.expected_access(person.pk).items():
                live = _live(grant.columns(), on)
                if live:
                    owner = grant.owner_until is not None and grant.owner_until >= on
                    expected[agency_id] = (live, owner)
            stored = {}
            for agency_id, columns in policy.stored_access(person.pk).items():
                live = _live(columns, on)
                if live:
                    owner = columns["owner_until"] is not None and columns["owner_until"] >= on
                    stored[agency_id] = (live, owner)
            assert stored == expected
            restricted = type(person).objects.get(pk=person.pk).restricted
            assert set(person.access.values_list("restricted", flat=True)) <= {restricted}

        @rule(actor=st.sampled_from(ACTORS))
        def an_api_read_agrees_with_the_rows(self, actor):
            user = users[actor]
            policy.forget(user)
            access = policy.access_for(user, person)
            api = APIClient()
            api.force_authenticate(user=user)
            response = api.get(f"/api/v1/people/{person.pk}/")
            if not access.visible:
                assert response.status_code == 404, (actor, response.status_code)
            else:
                assert response.status_code == 200, (actor, response.status_code)
                assert response.json()["sections"] == access.sections

        @rule(actor=st.sampled_from(ACTORS))
        def one_persons_rows_agree_with_the_subquery(self, actor):
            # scope_by_person(person=...) decides from the request's Access (no EXISTS) and the
            # restricted rule uses the named people read once: both must give the subquery's answer
            # after whatever happened since this user object last asked (no forget() here).
            user = users[actor]
            for section in [None, *S.KEYS, S.Section.SENSITIVE]:
                one = set(
                    policy.scope_by_person(
                        Case.objects.all(), user, section=section, person=person
                    ).values_list("pk", flat=True)
                )
                exists = set(
                    policy.scope_by_person(Case.objects.all(), user, section=section)
                    .filter(person=person)
                    .values_list("pk", flat=True)
                )
                assert one == exists, (actor, section, one, exists)
            seen = policy.scope_people(type(person).objects.filter(pk=person.pk), user).exists()
            access = policy.access_for(user, person)
            assert seen == (access.visible and access.emergency is None), actor

    run_state_machine_as_test(
        AccessRule,
        settings=settings(
            max_examples=40,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
