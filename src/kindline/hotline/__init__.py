"""Hotline: contacts, agents, queues, the routing engine and the event log every KPI reads."""
