"""Reliability: concurrent seats, hard stops, hostile input (issue 10)."""
