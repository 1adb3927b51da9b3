class AuditEntryImmutable(Exception):
    """An audit entry was to be changed or deleted outside the retention engine."""
