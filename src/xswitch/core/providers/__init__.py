"""Credential providers, one per file, and the chain that composes them for a profile.

Every provider wraps the provider of its source (keys -> MFA session -> role -> role ...), so a
chain reads like the configuration it came from: `base` (the protocol and the checks of what AWS
hands out), `keys` (static, keyring, environment), `process`, `session_token`, `assume_role`,
`sso_role`, `mfa` (asking for codes, which roles one code unlocks) and `chain` (`build_chain`).
Caching is not done here: the chain hands each cacheable provider to a `wrap` hook, which the
session manager uses to put a cache in front of it. botocore is imported only when a provider
actually calls AWS.
"""
