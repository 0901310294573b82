"""A stateful, tier-aware offline mock of the BeatPass API."""
