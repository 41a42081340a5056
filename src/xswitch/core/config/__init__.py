"""Configuration: the AWS files and config.toml read into a `Catalog`, names resolved to profiles,
and the checks a profile passes before any AWS call.

- `awsfiles`: the AWS files by botocore's rules (the fast reader), `botocore_config`
- `settings`: config.toml: load and validate, save atomically, edit under a lock
- `catalog`: `load_catalog`: profiles grouped into clients
- `names`: `resolve`, did-you-mean suggestions
- `checks`: `check_chain`, what AWS would refuse, reported with file and line
"""

from xswitch.core.config.awsfiles import botocore_config
from xswitch.core.config.catalog import load_catalog
from xswitch.core.config.checks import check_chain
from xswitch.core.config.names import resolve

__all__ = ["botocore_config", "check_chain", "load_catalog", "resolve"]
