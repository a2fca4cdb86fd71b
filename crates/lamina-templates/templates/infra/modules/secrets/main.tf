# Secrets are SSM Parameter Store SecureString parameters whose *values never enter Terraform*.
#
# This module deliberately manages no `aws_ssm_parameter` resource and reads no
# `aws_ssm_parameter` data source: either would copy the decrypted value into the state.
# It only turns the declared parameter names into what the rest of the stack needs:
# ARNs for least-privilege IAM, and the LAMINA_SECRET_<NAME> environment variables that
# hand each function the parameter *name* (contracts.md section 1).
#
# Values are written out of band with `lamina secret set <domain> <name>` (SecureString,
# KMS key alias/aws/ssm unless configured otherwise) and read by the function at runtime.

data "aws_partition" "current" {
  count = var.create ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = var.create ? 1 : 0
}

locals {
  names = var.create ? toset(var.parameter_names) : toset([])

  partition  = try(data.aws_partition.current[0].partition, "aws")
  region     = var.region
  account_id = try(data.aws_caller_identity.current[0].account_id, "")

  # "/rides/dev/stripe-api-key" -> arn:aws:ssm:<region>:<account>:parameter/rides/dev/stripe-api-key
  arns = {
    for name in local.names :
    name => "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter/${trimprefix(name, "/")}"
  }

  # "/rides/dev/stripe-api-key" -> LAMINA_SECRET_STRIPE_API_KEY
  env_names = {
    for name in local.names :
    name => "LAMINA_SECRET_${upper(replace(element(split("/", name), length(split("/", name)) - 1), "-", "_"))}"
  }
}
