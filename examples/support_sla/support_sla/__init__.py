"""Support SLA: an example Customer Center plugin (docs/writing-a-plugin.md walks through it)."""
