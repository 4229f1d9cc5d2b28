"""Enrollment Outcomes."""
