"""The domain of xswitch: profiles, credentials, sessions. Never imports textual or rich."""
