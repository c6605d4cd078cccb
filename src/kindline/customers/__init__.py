"""Subscribers: real-name records, segments, lines and services, family and consent."""
