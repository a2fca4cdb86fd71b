data "aws_partition" "current" {
  count = local.create ? 1 : 0
}

data "aws_region" "current" {
  count = local.create ? 1 : 0
}

data "aws_caller_identity" "current" {
  count = local.create ? 1 : 0
}

locals {
  create = var.create

  partition  = try(data.aws_partition.current[0].partition, "aws")
  region     = try(data.aws_region.current[0].name, "")
  account_id = try(data.aws_caller_identity.current[0].account_id, "")

  role_name      = coalesce(var.role_name, var.function_name)
  log_group_name = "/aws/lambda/${var.function_name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"
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
  # checkov:skip=CKV_AWS_117:No VPC resources to reach; the optional network module will pass vpc_config.
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this[0].arn

  filename         = var.filename
  source_code_hash = var.source_code_hash
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  layers           = var.layers

  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions == null ? -1 : var.reserved_concurrent_executions
  publish                        = true

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

  tags = var.tags

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
