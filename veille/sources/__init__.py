"""The source registry (issue 21): outlets, the domains and names that tie articles to them, import/export."""
