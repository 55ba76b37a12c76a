from core.jobs import job
from employers.services import retention_sweep as retention_sweep_service


@job("retention_sweep")
def retention_sweep():
    """Open due retention checks, mark overdue ones and tell the advisers (idempotent)."""
    return retention_sweep_service()
