# What `lamina deploy` needs, and no more: the state and artifacts of its own stage, and the
# services the stage's Terraform manages, by name prefix "<project>-<stage>" where the service
# allows it. Where AWS offers no resource-level permission (creating a user pool, an API, a
# distribution), the action is allowed on "*" and says so.

data "aws_iam_policy_document" "deploy" {
  for_each = toset(var.stages)

  # checkov:skip=CKV_AWS_111:Create calls of Cognito, API Gateway, CloudFront, KMS and EC2 take no resource ARN; the rest names the stage's resources.
  # checkov:skip=CKV_AWS_356:Create calls of Cognito, API Gateway, CloudFront, KMS and EC2 take no resource ARN; the rest names the stage's resources.

  statement {
    sid       = "StateAndArtifactBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetEncryptionConfiguration", "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetBucketOwnershipControls", "s3:GetLifecycleConfiguration"]
    resources = ["${local.arn.s3}${var.state_bucket}", "${local.arn.s3}${var.artifact_bucket}"]
  }

  statement {
    sid       = "StageState"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.arn.s3}${var.state_bucket}/${var.project}/${each.key}/*"]
  }

  statement {
    sid       = "Artifacts"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.arn.s3}${var.artifact_bucket}/${var.project}/*"]
  }

  statement {
    sid = "Functions"
    actions = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction*", "lambda:GetPolicy",
      "lambda:GetAlias", "lambda:ListVersionsByFunction", "lambda:ListAliases", "lambda:ListTags",
      "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
      "lambda:CreateAlias", "lambda:UpdateAlias", "lambda:DeleteAlias", "lambda:AddPermission",
      "lambda:RemovePermission", "lambda:TagResource", "lambda:UntagResource",
      "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
      "lambda:GetProvisionedConcurrencyConfig", "lambda:PutProvisionedConcurrencyConfig",
      "lambda:DeleteProvisionedConcurrencyConfig", "lambda:GetLayerVersion",
      "lambda:PublishLayerVersion", "lambda:DeleteLayerVersion", "lambda:ListLayerVersions",
    ]
    resources = [
      "${local.arn.lambda}:function:${local.names[each.key]}-*",
      "${local.arn.lambda}:layer:${local.names[each.key]}-*",
    ]
  }

  statement {
    sid = "FunctionRoles"
    actions = [
      "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:TagRole",
      "iam:UntagRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
    ]
    resources = ["${local.iam_arn}:role/${local.names[each.key]}-*"]
  }

  # Creating or changing a role's permissions needs the boundary on it.
  statement {
    sid       = "FunctionRolesWithBoundary"
    actions   = ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"]
    resources = ["${local.iam_arn}:role/${local.names[each.key]}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary[each.key].arn]
    }
  }

  statement {
    sid       = "PassFunctionRolesToLambda"
    actions   = ["iam:PassRole"]
    resources = ["${local.iam_arn}:role/${local.names[each.key]}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  # The CI roles share the prefix: they and the boundary are out of reach.
  statement {
    sid       = "NotTheCiRolesNorTheBoundary"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["${local.iam_arn}:role/${local.names[each.key]}-github-*", aws_iam_policy.boundary[each.key].arn]
  }

  statement {
    sid       = "KeepTheBoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy"]
    resources = ["*"]
  }

  statement {
    sid     = "HttpApi"
    actions = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE", "apigateway:TagResource", "apigateway:UntagResource"]
    resources = [
      "${local.arn.apigw}:/apis", "${local.arn.apigw}:/apis/*", "${local.arn.apigw}:/tags/*",
    ]
  }

  # API Gateway's access logs are a log delivery, which has no resource ARN.
  statement {
    sid       = "AccessLogDelivery"
    actions   = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]
    resources = ["*"]
  }

  statement {
    sid     = "LogGroups"
    actions = ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:AssociateKmsKey", "logs:DisassociateKmsKey"]
    resources = [
      "${local.arn.logs}:log-group:/aws/lambda/${local.names[each.key]}-*",
      "${local.arn.logs}:log-group:/aws/apigateway/${local.names[each.key]}/*",
    ]
  }

  statement {
    sid       = "UserPoolCreate"
    actions   = ["cognito-idp:CreateUserPool", "cognito-idp:DescribeUserPoolDomain"]
    resources = ["*"]
  }

  statement {
    sid = "UserPools"
    actions = [
      "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool", "cognito-idp:DeleteUserPool",
      "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:SetUserPoolMfaConfig",
      "cognito-idp:CreateUserPoolClient", "cognito-idp:DescribeUserPoolClient",
      "cognito-idp:UpdateUserPoolClient", "cognito-idp:DeleteUserPoolClient",
      "cognito-idp:CreateUserPoolDomain", "cognito-idp:UpdateUserPoolDomain",
      "cognito-idp:DeleteUserPoolDomain", "cognito-idp:CreateGroup", "cognito-idp:GetGroup",
      "cognito-idp:UpdateGroup", "cognito-idp:DeleteGroup", "cognito-idp:CreateResourceServer",
      "cognito-idp:DescribeResourceServer", "cognito-idp:UpdateResourceServer",
      "cognito-idp:DeleteResourceServer", "cognito-idp:TagResource", "cognito-idp:UntagResource",
      "cognito-idp:ListTagsForResource",
    ]
    resources = ["${local.arn.cognit}:userpool/*"]
  }

  statement {
    sid       = "SiteBucket"
    actions   = ["s3:*"]
    resources = ["${local.arn.s3}${local.names[each.key]}-site-*"]
  }

  statement {
    sid       = "SiteObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
    resources = ["${local.arn.s3}${local.names[each.key]}-site-*/*"]
  }

  statement {
    sid = "CloudFront"
    actions = [
      "cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags", "cloudfront:GetDistribution",
      "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution",
      "cloudfront:TagResource", "cloudfront:UntagResource", "cloudfront:ListTagsForResource",
      "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation", "cloudfront:CreateOriginAccessControl",
      "cloudfront:GetOriginAccessControl", "cloudfront:UpdateOriginAccessControl",
      "cloudfront:DeleteOriginAccessControl", "cloudfront:CreateResponseHeadersPolicy",
      "cloudfront:GetResponseHeadersPolicy", "cloudfront:UpdateResponseHeadersPolicy",
      "cloudfront:DeleteResponseHeadersPolicy", "cloudfront:GetCachePolicy", "cloudfront:ListCachePolicies",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "Alarms"
    actions   = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource", "cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"]
    resources = ["${local.arn.cw}:alarm:${local.names[each.key]}-*", "arn:${local.partition}:cloudwatch::${local.account_id}:dashboard/${local.names[each.key]}"]
  }

  statement {
    sid       = "DescribeAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["*"]
  }

  statement {
    sid       = "AlarmTopic"
    actions   = ["sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource"]
    resources = ["${local.arn.sns}:${local.names[each.key]}-alarms", "${local.arn.sns}:${local.names[each.key]}-alarms:*"]
  }

  # The alarm topic's key: created with the stage's tags, then managed only while it has them.
  statement {
    sid       = "KeyCreate"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/stage"
      values   = [each.key]
    }
  }

  statement {
    sid       = "Keys"
    actions   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:ListResourceTags", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["${local.arn.kms}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/project"
      values   = [var.project]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/stage"
      values   = [each.key]
    }
  }

  statement {
    sid       = "KeyAlias"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["${local.arn.kms}:alias/${local.names[each.key]}-*"]
  }

  statement {
    sid       = "ListKeys"
    actions   = ["kms:ListAliases"]
    resources = ["*"]
  }

  # The stage's parameters: names and metadata (`lamina secret list`), never values.
  statement {
    sid       = "StageParameters"
    actions   = ["ssm:DescribeParameters"]
    resources = ["*"]
  }

  statement {
    sid       = "StageParameterTags"
    actions   = ["ssm:ListTagsForResource"]
    resources = ["${local.arn.ssm}:parameter/${var.project}/${each.key}/*"]
  }

  dynamic "statement" {
    for_each = var.manage_network ? [true] : []

    content {
      sid = "Network"
      actions = [
        "ec2:Describe*", "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet",
        "ec2:DeleteSubnet", "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:AssociateRouteTable",
        "ec2:DisassociateRouteTable", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
        "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
        "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
        "ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint", "ec2:CreateTags",
        "ec2:DeleteTags",
      ]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = toset(var.stages)

  name   = "lamina-deploy"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}
