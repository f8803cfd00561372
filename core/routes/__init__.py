"""The application's own HTTP routes (core.app assembles them with the plugins')."""
