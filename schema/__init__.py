"""Composition of the tenant's GraphQL schema from core and its enabled plugins."""
