"""Client catalogs shared by a team through git: clone, validate, pull, and layer them under
config.toml. `git` runs the git command line, `document` checks a catalog file, `store` keeps the
clones and their last good copies, `layers` merges them into the configuration, `updates` pulls
in the background."""
