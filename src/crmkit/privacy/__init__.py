"""Privacy: consent and audiences, erasure with suppression, and the export of
everything held on a person.

* :mod:`crmkit.privacy.consent` - consent records, :func:`~crmkit.privacy.consent.may_contact`,
  audiences, suppression hashes.
* :mod:`crmkit.privacy.erasure` - what an erasure removes, anonymises and keeps.
* :mod:`crmkit.privacy.person_export` - the right of access: everything held on a person.
"""
