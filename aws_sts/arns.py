"""The IAM ARNs a SAML assertion carries: roles and SAML providers, in the aws, aws-us-gov and aws-cn partitions.

Their own module so that the still-valid skip can check a profile's x_principal_arn without loading the SAML
parser (defusedxml) or dataclasses.
"""

import re

# ASCII only: \d and \w would let Arabic-Indic digits or other letters into an account number or a role
# name, which later becomes part of a profile name in the credentials file. The characters are IAM's.
ROLE_ARN = re.compile(r"arn:(aws|aws-us-gov|aws-cn):iam::([0-9]{12}):role/((?:[\w+=,.@/-]*/)?[\w+=,.@-]+)", re.ASCII)
PROVIDER_ARN = re.compile(r"arn:(aws|aws-us-gov|aws-cn):iam::([0-9]{12}):saml-provider/([\w.-]+)", re.ASCII)
