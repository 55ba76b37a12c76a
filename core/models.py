from django.db import models


class PendingTask(models.Model):
    """A Celery call that could not reach the broker; re-sent by the resend_pending_tasks job."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
