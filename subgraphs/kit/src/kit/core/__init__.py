"""Framework-free kit: money, ids, errors, text, principal, paging. The only kit that `domain/` may import."""
