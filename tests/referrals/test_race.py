"""Two receivers answer the same referral at the same moment: exactly one outcome wins."""

import threading

import pytest
from django.db import connection

from agencies import acting
from agencies.models import User
from core.errors import Conflict
from referrals import services
from referrals.models import Referral, ReferralEvent, Status


@pytest.mark.django_db(transaction=True)
def test_simultaneous_accept_and_decline_end_with_one_outcome(sent_a, adviser_a, adviser_a2):
    barrier = threading.Barrier(2)
    results, errors = {}, {}

    def answer(name, username, func, **kwargs):
        try:
            user = User.objects.get(username=username)  # own thread, own connection
            acting.attach(user)
            referral = Referral.objects.get(pk=sent_a.pk)
            barrier.wait(timeout=10)
            results[name] = func(user=user, referral=referral, **kwargs).status
        except Conflict as exc:
            errors[name] = exc.message
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=answer, args=("accept", adviser_a.username, services.referral_accept)
        ),
        threading.Thread(
            target=answer,
            args=("decline", adviser_a2.username, services.referral_decline),
            kwargs={"reason_code": "no_capacity"},
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 1 and len(errors) == 1, (results, errors)
    winner = next(iter(results))
    loser_message = next(iter(errors.values()))
    final = Referral.objects.get(pk=sent_a.pk)
    assert final.status == {"accept": Status.ACCEPTED, "decline": Status.DECLINED}[winner]
    assert (
        "already been accepted" if winner == "accept" else "already been declined"
    ) in loser_message
    answers = ReferralEvent.objects.filter(referral=sent_a, from_status=Status.SENT)
    assert answers.count() == 1
    assert final.version == sent_a.version + 1
