"""Support desk: tickets, messages, triage and notifications."""
