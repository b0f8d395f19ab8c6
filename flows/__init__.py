"""The Prefect flows (the only package that imports Prefect).

Importing the package first points ``PREFECT_HOME`` (unless set) into the call-qa home
and creates it (call_qa/home.py): Prefect reads it once, when first imported, and
cannot create a missing parent folder itself.
"""

from call_qa.home import prepare_environment

prepare_environment()
