"""Fakes the tests run against: a fake Okta org (real Sign-In Widget), its SAML IdP, a strict fake STS."""
