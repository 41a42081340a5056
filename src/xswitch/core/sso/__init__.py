"""IAM Identity Center (SSO): `tokens` (the cache shared with the AWS CLI), `auth` (refresh, device
login, one login at a time) and `discovery` (`sso sync`). The role credentials themselves are a
provider: `core.providers.sso_role`.
"""
