"""Writes of the learning platform, one module a concern (courses, enrolment, attendance, records, events).
Each checks scope, validates, writes and audits in one transaction.

Enrollment is counted under a lock on the course row (SELECT … FOR UPDATE on PostgreSQL; SQLite takes the
database write lock at BEGIN IMMEDIATE), with a database CHECK that enrolled_count never exceeds capacity,
so concurrent enrollments cannot overbook. One service, `learning_record_create`, makes learning records.
"""

from learncity.catalog.inputs import MAX_HOURS
from learncity.catalog.services.attendance import (
    _session_hours,
    attendance_check_in_qr,
    attendance_mark,
    completion_error,
    completion_mark,
    session_qr_token,
)
from learncity.catalog.services.common import (
    QR_MAX_AGE,
    QR_SALT,
)
from learncity.catalog.services.courses import (
    COURSE_FIELDS,
    MAX_CAPACITY,
    course_create,
    course_set_state,
    course_update,
    session_add,
)
from learncity.catalog.services.enrolment import (
    enrollment_cancel,
    enrollment_create,
)
from learncity.catalog.services.events import (
    event_check_in,
    event_register,
    event_registration_cancel,
)
from learncity.catalog.services.records import (
    learning_record_create,
    resource_view_complete,
)

__all__ = [
    "COURSE_FIELDS",
    "MAX_CAPACITY",
    "MAX_HOURS",
    "QR_MAX_AGE",
    "QR_SALT",
    "_session_hours",
    "attendance_check_in_qr",
    "attendance_mark",
    "completion_error",
    "completion_mark",
    "course_create",
    "course_set_state",
    "course_update",
    "enrollment_cancel",
    "enrollment_create",
    "event_check_in",
    "event_register",
    "event_registration_cancel",
    "learning_record_create",
    "resource_view_complete",
    "session_add",
    "session_qr_token",
]
