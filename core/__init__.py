"""Customer Center Graph core: the platform every plugin stands on."""
