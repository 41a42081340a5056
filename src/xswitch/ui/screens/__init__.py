"""Modal screens of the picker: MFA code, typed confirmation, SSO device code, help."""
