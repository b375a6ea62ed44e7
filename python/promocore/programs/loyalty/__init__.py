"""Loyalty programs: cards, earn buckets, earning rules, tiers and the rewards catalogue. Part of
programs/, under its rules: may import the other domain packages, store/ and the engine binding;
must not import server/ or cli/."""
