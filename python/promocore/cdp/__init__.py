"""The customer data side: customers, segments, distributions, custom events
(TrackEvent), the integration event stream, webhooks and the time-based trigger scheduler.
May import its sibling domain packages, store/ and the engine binding; not server/ or cli/."""
