# What `lamina plan` needs on a pull request: read the stage's state and release, take and give
# back its state lock, upload artifacts (content-addressed: a pull request can add a zip, never
# change one), and read what Terraform refreshes. Nothing else can be changed.

data "aws_iam_policy_document" "plan" {
  for_each = toset(var.stages)

  # checkov:skip=CKV_AWS_356:Describe and List calls of API Gateway, CloudFront, Cognito, CloudWatch and EC2 take no resource ARN; they only read.

  statement {
    sid       = "StateAndArtifactBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"]
    resources = ["${local.arn.s3}${var.state_bucket}", "${local.arn.s3}${var.artifact_bucket}"]
  }

  statement {
    sid       = "ReadStageState"
    actions   = ["s3:GetObject"]
    resources = ["${local.arn.s3}${var.state_bucket}/${var.project}/${each.key}/*"]
  }

  statement {
    sid       = "StateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.arn.s3}${var.state_bucket}/${var.project}/${each.key}/terraform.tfstate.tflock"]
  }

  statement {
    sid       = "Artifacts"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.arn.s3}${var.artifact_bucket}/${var.project}/artifacts/*"]
  }

  statement {
    sid     = "ReadStageResources"
    actions = ["lambda:GetFunction*", "lambda:GetPolicy", "lambda:GetAlias", "lambda:ListVersionsByFunction", "lambda:ListAliases", "lambda:ListTags", "lambda:GetLayerVersion", "lambda:ListLayerVersions", "lambda:GetProvisionedConcurrencyConfig", "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:FilterLogEvents", "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource", "cloudwatch:ListTagsForResource", "cloudwatch:GetDashboard"]
    resources = [
      "${local.arn.lambda}:function:${local.names[each.key]}-*",
      "${local.arn.lambda}:layer:${local.names[each.key]}-*",
      "${local.iam_arn}:role/${local.names[each.key]}-*",
      "${local.arn.logs}:log-group:/aws/lambda/${local.names[each.key]}-*",
      "${local.arn.logs}:log-group:/aws/apigateway/${local.names[each.key]}/*",
      "${local.arn.sns}:${local.names[each.key]}-alarms",
      "${local.arn.sns}:${local.names[each.key]}-alarms:*",
      "${local.arn.cw}:alarm:${local.names[each.key]}-*",
      "arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${local.names[each.key]}",
    ]
  }

  statement {
    sid       = "ReadSiteBucket"
    actions   = ["s3:GetBucket*", "s3:GetLifecycleConfiguration", "s3:GetEncryptionConfiguration", "s3:GetAccelerateConfiguration", "s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = ["${local.arn.s3}${local.names[each.key]}-site-*"]
  }

  statement {
    sid       = "ReadWithoutResourceArns"
    actions   = ["apigateway:GET", "cognito-idp:Describe*", "cognito-idp:GetGroup", "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:ListTagsForResource", "cloudfront:Get*", "cloudfront:ListTagsForResource", "cloudfront:ListCachePolicies", "cloudwatch:DescribeAlarms", "logs:DescribeLogGroups", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:ListAliases", "ssm:DescribeParameters", "ec2:Describe*"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "plan" {
  for_each = toset(var.stages)

  name   = "lamina-plan"
  role   = aws_iam_role.plan[each.key].id
  policy = data.aws_iam_policy_document.plan[each.key].json
}
