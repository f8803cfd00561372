"""Reseller margin: an example external plugin for Customer Center Graph (docs/writing-a-plugin.md)."""
