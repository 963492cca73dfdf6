"""One stack per concern; `infra.app` wires them together per environment."""
