# GitHub Actions reaches AWS through OIDC: no stored keys. One OIDC provider per account; per
# stage a deploy role (assumable only by jobs in the GitHub environment named after the stage, on
# main) and a read-only plan role (pull requests of this repository, never forks: they get no
# token). Each role may touch only what its stage's Terraform and `lamina deploy` manage.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  issuer     = "token.actions.githubusercontent.com"

  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn

  names   = { for s in var.stages : s => "${var.project}-${s}" }
  iam_arn = "arn:${local.partition}:iam::${local.account_id}"

  arn = {
    lambda = "arn:${local.partition}:lambda:${var.region}:${local.account_id}"
    iam    = "arn:${local.partition}:iam::${local.account_id}"
    logs   = "arn:${local.partition}:logs:${var.region}:${local.account_id}"
    cw     = "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}"
    sns    = "arn:${local.partition}:sns:${var.region}:${local.account_id}"
    kms    = "arn:${local.partition}:kms:${var.region}:${local.account_id}"
    ssm    = "arn:${local.partition}:ssm:${var.region}:${local.account_id}"
    cognit = "arn:${local.partition}:cognito-idp:${var.region}:${local.account_id}"
    apigw  = "arn:${local.partition}:apigateway:${var.region}:"
    s3     = "arn:${local.partition}:s3:::"
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS verifies GitHub's certificate itself; the provider still requires a value.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]

  tags = var.tags
}

################################################################################
# Trust: this repository only; deploys only from the stage's GitHub environment
################################################################################

data "aws_iam_policy_document" "trust" {
  for_each = {
    for pair in setproduct(var.stages, ["deploy", "plan"]) : "${pair[0]}/${pair[1]}" => {
      stage = pair[0]
      kind  = pair[1]
    }
  }

  statement {
    sid     = "GitHubActions"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # `environment:<stage>`: only jobs that declare the environment, so its protection rules
    # (required reviewers for protected stages) apply. Pull requests plan with `pull_request`.
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values = [each.value.kind == "deploy"
        ? "repo:${var.github_repository}:environment:${each.value.stage}"
      : "repo:${var.github_repository}:pull_request"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = toset(var.stages)

  name                 = "${local.names[each.key]}-github-deploy"
  description          = "Deploys stage ${each.key} of ${var.project} from GitHub Actions (lamina deploy)"
  assume_role_policy   = data.aws_iam_policy_document.trust["${each.key}/deploy"].json
  max_session_duration = var.max_session_hours * 3600

  tags = var.tags
}

resource "aws_iam_role" "plan" {
  for_each = toset(var.stages)

  name                 = "${local.names[each.key]}-github-plan"
  description          = "Plans stage ${each.key} of ${var.project} for pull requests (read-only, lamina plan)"
  assume_role_policy   = data.aws_iam_policy_document.trust["${each.key}/plan"].json
  max_session_duration = var.max_session_hours * 3600

  tags = var.tags
}

################################################################################
# The boundary of the functions' roles: a deploy role may create a role only with it, so a
# compromised workflow cannot make a function more powerful than this.
################################################################################

data "aws_iam_policy_document" "boundary" {
  for_each = toset(var.stages)

  # checkov:skip=CKV_AWS_107:A permissions boundary grants nothing; it caps each function role, whose own policy names its resources.
  # checkov:skip=CKV_AWS_108:A permissions boundary grants nothing; it caps each function role, whose own policy names its resources.
  # checkov:skip=CKV_AWS_109:A permissions boundary grants nothing; it caps each function role, whose own policy names its resources.
  # checkov:skip=CKV_AWS_110:The boundary denies every IAM action: no function role can manage permissions.
  # checkov:skip=CKV_AWS_111:A permissions boundary grants nothing; it caps each function role, whose own policy names its resources.
  # checkov:skip=CKV_AWS_356:A permissions boundary grants nothing; it caps each function role, whose own policy names its resources.
  statement {
    sid         = "AnythingButAccountControl"
    effect      = "Allow"
    not_actions = ["iam:*", "organizations:*", "account:*", "sts:AssumeRole", "sso:*", "identitystore:*"]
    resources   = ["*"]
  }
}

resource "aws_iam_policy" "boundary" {
  for_each = toset(var.stages)

  name        = "${local.names[each.key]}-function-boundary"
  description = "Permissions boundary of the Lambda roles of ${local.names[each.key]}"
  policy      = data.aws_iam_policy_document.boundary[each.key].json

  tags = var.tags
}
