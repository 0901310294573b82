"""The contract suite: property tests of every documented operation, run by
``beatpass-contract verify`` and by the project's own test command."""
