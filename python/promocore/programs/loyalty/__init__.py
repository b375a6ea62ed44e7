"""Loyalty programs: cards, earn buckets, earning rules, tiers and the rewards catalogue."""
