"""The use cases both front ends perform, so that the CLI and the picker only present:
`uses` (a subshell, export lines, a console link, an SSO sync), `rows` (what `list` and `whoami`
show), `keys` (the picker's actions and config.toml's [keys]). Kept empty so that importing one
of them (the picker's start imports `keys`) costs none of the others."""
