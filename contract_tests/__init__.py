"""Contract tests for the BeatPass API: checks, properties and the command line."""
