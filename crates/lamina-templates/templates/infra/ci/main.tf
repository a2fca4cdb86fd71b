# CI access for this project: GitHub's OIDC provider and, per stage, a deploy role and a
# read-only plan role (modules/ci_oidc). Applied once by an administrator, by hand:
#
#   terraform -chdir=infra/terraform/ci init -backend-config="bucket=lamina-state-<account>-<region>"
#   terraform -chdir=infra/terraform/ci apply -var github_repository=OWNER/REPO
#
# Then put each stage's `function_permissions_boundaries` output into
# infra/terraform/<stage>/ci.auto.tfvars as `function_permissions_boundary = "<arn>"`, and
# create the GitHub environments `lamina ci github` lists. Stages in other accounts: apply
# this root once per account, with `-var 'stages=["prod"]'` and its own state bucket.

data "aws_caller_identity" "current" {}

module "ci" {
  source = "../modules/ci_oidc"

  project              = var.project
  region               = var.region
  github_repository    = var.github_repository
  stages               = var.stages
  create_oidc_provider = var.create_oidc_provider
  oidc_provider_arn    = var.oidc_provider_arn
  state_bucket         = coalesce(var.state_bucket, "lamina-state-${data.aws_caller_identity.current.account_id}-${var.region}")
  artifact_bucket      = coalesce(var.artifact_bucket, "lamina-artifacts-${data.aws_caller_identity.current.account_id}-${var.region}")
  manage_network       = var.manage_network

  tags = {
    project    = var.project
    managed-by = "lamina"
  }
}
