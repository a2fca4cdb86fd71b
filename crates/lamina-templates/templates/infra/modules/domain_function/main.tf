data "aws_partition" "current" {
  count = local.create ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = local.create ? 1 : 0
}

locals {
  create = var.create

  partition  = try(data.aws_partition.current[0].partition, "aws")
  region     = var.region
  account_id = try(data.aws_caller_identity.current[0].account_id, "")

  role_name      = coalesce(var.role_name, var.function_name)
  log_group_name = "/aws/lambda/${var.function_name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  in_vpc = length(var.vpc_subnet_ids) > 0
  ec2    = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"
}

################################################################################
# Log group (created before the function, so Lambda never creates one without retention)
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = local.create ? 1 : 0

  # checkov:skip=CKV_AWS_338:Retention is chosen per stage in lamina.toml (log_retention_days) because log storage is a main serverless cost; raise it for audit needs.

  name              = local.log_group_name
  retention_in_days = var.cloudwatch_logs_retention_in_days
  kms_key_id        = var.cloudwatch_logs_kms_key_id

  tags = merge(var.tags, var.cloudwatch_logs_tags)
}

################################################################################
# IAM: one role per function, least privilege
################################################################################

data "aws_iam_policy_document" "assume_role" {
  count = local.create ? 1 : 0

  statement {
    sid     = "LambdaAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  count = local.create ? 1 : 0

  name                 = local.role_name
  description          = "Execution role of the ${var.function_name} Lambda function"
  assume_role_policy   = data.aws_iam_policy_document.assume_role[0].json
  permissions_boundary = var.role_permissions_boundary

  tags = merge(var.tags, var.role_tags)
}

data "aws_iam_policy_document" "this" {
  count = local.create ? 1 : 0

  # Its own log group only: no logs:CreateLogGroup, no other group.
  statement {
    sid       = "OwnLogGroup"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  # X-Ray write APIs do not support resource-level permissions.
  statement {
    sid       = "XRayWrite"
    effect    = "Allow"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = length(var.ssm_parameter_arns) > 0 ? [true] : []

    content {
      sid       = "ReadOwnParameters"
      effect    = "Allow"
      actions   = ["ssm:GetParameter"]
      resources = var.ssm_parameter_arns
    }
  }

  # SecureString values are decrypted by SSM on the function's behalf: allow it only
  # through SSM, and only for the declared parameters (SSM's encryption context).
  dynamic "statement" {
    for_each = length(var.ssm_parameter_arns) > 0 ? [true] : []

    content {
      sid       = "DecryptOwnParametersViaSsm"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${local.region}.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:PARAMETER_ARN"
        values   = var.ssm_parameter_arns
      }
    }
  }

  # VPC domains only: Lambda creates and deletes the function's network interfaces with
  # its role. Creating one is limited to this function's subnets and security groups
  # (Lambda's own pre-check asks for network-interface/*); deleting and (un)assigning
  # addresses to interfaces of this account and region.
  dynamic "statement" {
    for_each = local.in_vpc ? [true] : []

    content {
      sid     = "CreateNetworkInterfacesInOwnSubnets"
      effect  = "Allow"
      actions = ["ec2:CreateNetworkInterface"]
      resources = concat(
        ["${local.ec2}:network-interface/*"],
        [for id in var.vpc_subnet_ids : "${local.ec2}:subnet/${id}"],
        [for id in var.vpc_security_group_ids : "${local.ec2}:security-group/${id}"],
      )
    }
  }

  dynamic "statement" {
    for_each = local.in_vpc ? [true] : []

    content {
      sid       = "ManageOwnNetworkInterfaces"
      effect    = "Allow"
      actions   = ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      resources = ["${local.ec2}:network-interface/*"]
    }
  }

  # EC2 Describe* calls support no resource-level permissions: "*" is the only value
  # AWS accepts (the second documented "*", after X-Ray, and only for VPC domains).
  dynamic "statement" {
    for_each = local.in_vpc ? [true] : []

    content {
      sid       = "DescribeNetworkInterfaces"
      effect    = "Allow"
      actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = { for i, s in var.policy_statements : i => s }

    content {
      sid       = "Declared${statement.key}"
      effect    = title(lower(statement.value.effect))
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "this" {
  count = local.create ? 1 : 0

  name   = "${var.function_name}-least-privilege"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.this[0].json
}

################################################################################
# Function and its `live` alias
################################################################################

resource "aws_lambda_function" "this" {
  count = local.create ? 1 : 0

  # checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway; a DLQ only applies to asynchronous invocations.
  # checkov:skip=CKV_AWS_117:A VPC only where the domain asks for one (`vpc = true`, e.g. to reach RDS); the others reach only AWS APIs, and a VPC would add endpoint cost and ENI setup.
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this[0].arn

  # The zip was uploaded by `lamina deploy` under a key derived from its sha256, so a changed
  # zip is a changed key, an unchanged one is never uploaded twice, and there is no 50 MB
  # direct-upload limit. source_code_hash makes a re-upload under the same key visible too.
  s3_bucket        = var.s3_bucket
  s3_key           = var.s3_key
  source_code_hash = var.source_code_hash
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  layers           = var.layers

  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions == null ? -1 : var.reserved_concurrent_executions
  # Every code or configuration change publishes a version; the alias then moves to it.
  publish = true

  kms_key_arn             = var.kms_key_arn
  code_signing_config_arn = var.code_signing_config_arn

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [true] : []

    content {
      variables = var.environment_variables
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  dynamic "snap_start" {
    for_each = var.snap_start ? [true] : []

    content {
      apply_on = "PublishedVersions"
    }
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [true] : []

    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  tags = var.tags

  # The log group first (Lambda never creates one without retention), and the role's policy
  # (Lambda checks the ENI permissions of a VPC function when it is created or updated). On
  # destroy the policy outlives the function, so Lambda can still clean up its interfaces.
  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.this,
  ]
}

resource "aws_lambda_alias" "this" {
  count = local.create && var.create_alias ? 1 : 0

  name             = var.alias_name
  description      = "Version currently served by ${var.function_name}"
  function_name    = aws_lambda_function.this[0].function_name
  function_version = aws_lambda_function.this[0].version
}

# Warm instances of whatever version `live` points at: the config names the alias, not a
# version, so publishing a version moves the alias and AWS re-provisions; Terraform changes
# nothing here.
resource "aws_lambda_provisioned_concurrency_config" "this" {
  count = local.create && var.create_alias && var.provisioned_concurrent_executions > 0 ? 1 : 0

  function_name                     = aws_lambda_alias.this[0].function_name
  qualifier                         = aws_lambda_alias.this[0].name
  provisioned_concurrent_executions = var.provisioned_concurrent_executions
}
