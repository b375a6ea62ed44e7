"""The customer data side (SPEC section 7): customers, segments, distributions, the integration
event stream, webhooks and the time-based trigger scheduler."""
