locals {
  create = var.create

  integrations = local.create ? var.integrations : {}
  routes       = local.create ? var.routes : {}

  create_authorizer = local.create && var.create_authorizer
}

################################################################################
# API
################################################################################

resource "aws_apigatewayv2_api" "this" {
  count = local.create ? 1 : 0

  name          = var.name
  description   = var.description
  protocol_type = "HTTP"

  # API Gateway answers CORS preflights itself, before any route or authorizer runs.
  dynamic "cors_configuration" {
    for_each = length(var.cors_origins) > 0 ? [true] : []

    content {
      allow_origins     = var.cors_origins
      allow_methods     = var.cors_allow_methods
      allow_headers     = var.cors_allow_headers
      expose_headers    = var.cors_expose_headers
      allow_credentials = var.cors_allow_credentials
      max_age           = var.cors_max_age
    }
  }

  tags = var.tags
}

################################################################################
# JWT authorizer (Cognito)
################################################################################

resource "aws_apigatewayv2_authorizer" "jwt" {
  count = local.create_authorizer ? 1 : 0

  api_id           = aws_apigatewayv2_api.this[0].id
  name             = "${var.name}-cognito"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = var.jwt_audience
  }
}

################################################################################
# Integrations: one per domain, AWS_PROXY payload 2.0, pointing at the function's alias
################################################################################

resource "aws_apigatewayv2_integration" "this" {
  for_each = local.integrations

  api_id                 = aws_apigatewayv2_api.this[0].id
  description            = "Lambda ${each.value.function_name}:${each.value.qualifier}"
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = each.value.lambda_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = each.value.timeout_milliseconds
}

resource "aws_lambda_permission" "this" {
  for_each = local.integrations

  statement_id  = "AllowInvokeFrom${replace(title(replace(var.name, "-", " ")), " ", "")}Api"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  qualifier     = each.value.qualifier
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this[0].execution_arn}/*/*"
}

################################################################################
# Routes: keyed by route key ("GET /user/health", "ANY /user/{proxy+}")
################################################################################

resource "aws_apigatewayv2_route" "this" {
  for_each = local.routes

  # checkov:skip=CKV_AWS_309:Every route sets NONE or JWT explicitly; routes default to JWT and only those listed `public` in lamina.toml are NONE.

  api_id    = aws_apigatewayv2_api.this[0].id
  route_key = each.key
  target    = "integrations/${aws_apigatewayv2_integration.this[each.value.integration].id}"

  authorization_type   = each.value.authorization_type
  authorizer_id        = each.value.authorization_type == "JWT" ? aws_apigatewayv2_authorizer.jwt[0].id : null
  authorization_scopes = each.value.authorization_type == "JWT" && length(each.value.authorization_scopes) > 0 ? each.value.authorization_scopes : null
}

################################################################################
# $default stage: auto deploy, JSON access logs, throttling
################################################################################

resource "aws_cloudwatch_log_group" "access" {
  count = local.create ? 1 : 0

  # checkov:skip=CKV_AWS_338:Retention is chosen per stage in lamina.toml (log_retention_days) because log storage is a main serverless cost; raise it for audit needs.

  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.cloudwatch_logs_retention_in_days
  kms_key_id        = var.cloudwatch_logs_kms_key_id

  tags = merge(var.tags, var.cloudwatch_logs_tags)
}

resource "aws_apigatewayv2_stage" "this" {
  count = local.create ? 1 : 0

  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access[0].arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      path               = "$context.path"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      principalId        = "$context.authorizer.principalId"
      errorMessage       = "$context.error.message"
    })
  }

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = var.detailed_metrics_enabled
  }

  tags = var.tags
}
