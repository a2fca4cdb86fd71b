data "aws_caller_identity" "current" {
  count = local.create ? 1 : 0
}

locals {
  create = var.create

  region     = var.region
  account_id = try(data.aws_caller_identity.current[0].account_id, "")

  resource_server_identifier = coalesce(var.resource_server_identifier, var.name)

  # Hosted UI prefix domains are global per region: add a stable, non-revealing suffix.
  domain_prefix = coalesce(
    var.domain_prefix,
    "${var.name}-${substr(sha1("${local.account_id}/${local.region}/${var.name}"), 0, 8)}",
  )

  oauth_scopes = concat(
    var.oidc_scopes,
    [for s in keys(var.scopes) : "${local.resource_server_identifier}/${s}"],
  )
}

################################################################################
# User pool (one per stage)
################################################################################

resource "aws_cognito_user_pool" "this" {
  count = local.create ? 1 : 0

  name                     = var.name
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = var.mfa_configuration

  username_configuration {
    case_sensitive = false
  }

  password_policy {
    minimum_length                   = var.password_minimum_length
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  dynamic "software_token_mfa_configuration" {
    for_each = var.mfa_configuration == "OFF" ? [] : [true]

    content {
      enabled = true
    }
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  admin_create_user_config {
    allow_admin_create_user_only = var.allow_admin_create_user_only
  }

  tags = var.tags
}

resource "aws_cognito_user_group" "this" {
  for_each = local.create ? toset(var.groups) : toset([])

  name         = each.value
  user_pool_id = aws_cognito_user_pool.this[0].id
}

################################################################################
# Resource server: identifier = project, scopes "<project>/<scope>"
################################################################################

resource "aws_cognito_resource_server" "this" {
  count = local.create && length(var.scopes) > 0 ? 1 : 0

  user_pool_id = aws_cognito_user_pool.this[0].id
  identifier   = local.resource_server_identifier
  name         = local.resource_server_identifier

  dynamic "scope" {
    for_each = var.scopes

    content {
      scope_name        = scope.key
      scope_description = scope.value
    }
  }
}

################################################################################
# Public SPA client: authorization code (+ PKCE in the browser), no secret
################################################################################

resource "aws_cognito_user_pool_client" "this" {
  count = local.create ? 1 : 0

  name         = "${var.name}-spa"
  user_pool_id = aws_cognito_user_pool.this[0].id

  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = local.oauth_scopes
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = var.callback_urls
  logout_urls                          = var.logout_urls

  # With rotation on, Cognito refuses REFRESH_TOKEN_AUTH: refreshes go through the token
  # endpoint (grant_type=refresh_token) or GetTokensFromRefreshToken.
  explicit_auth_flows = var.refresh_token_rotation ? ["ALLOW_USER_SRP_AUTH"] : ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  access_token_validity  = var.access_token_minutes
  id_token_validity      = var.id_token_minutes
  refresh_token_validity = var.refresh_token_days

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  dynamic "refresh_token_rotation" {
    for_each = var.refresh_token_rotation ? [true] : []

    content {
      feature                    = "ENABLED"
      retry_grace_period_seconds = var.refresh_token_retry_grace_period_seconds
    }
  }

  depends_on = [aws_cognito_resource_server.this]
}

################################################################################
# Hosted UI domain
################################################################################

resource "aws_cognito_user_pool_domain" "this" {
  count = local.create && var.create_domain ? 1 : 0

  domain       = local.domain_prefix
  user_pool_id = aws_cognito_user_pool.this[0].id
}
