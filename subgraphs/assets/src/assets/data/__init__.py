"""Package data: the bundled instrument catalog."""
